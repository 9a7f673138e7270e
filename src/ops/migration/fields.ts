// The seed's migration options, declared once: migrate spreads all of them, drain and undrain the transfer ones.
import { z } from 'zod';
import { boolField, enumField, intField } from '../request-schema.js';

const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const STORAGE_MAP_HINT = "a storage, or 'source:target' pairs separated by commas; '1' keeps each disk's storage";

/** `targetStorage`: PVE's storage-pair-list. */
export const targetStorageField = z
  .string({ error: () => STORAGE_MAP_HINT })
  .max(1024)
  .refine((v) => v.split(',').every((pair) => pair.split(':').length <= 2 && pair.split(':').every((id) => id === '1' || STORAGE_ID.test(id))), { error: () => STORAGE_MAP_HINT })
  .describe(STORAGE_MAP_HINT);

const CIDR_HINT = "a CIDR such as '10.10.10.0/24' (or an IPv6 one)";
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]+\/(12[0-8]|1[01]\d|\d?\d)$/i;

export const transferFields = {
  bwlimit: intField(1, 2 ** 31, 'a bandwidth in KiB/s').optional().describe('KiB/s (51200 = 50 MiB/s)'),
  migrationType: enumField(['secure', 'insecure']).optional().describe("insecure: faster, private networks only; root@pam only"),
  migrationNetwork: z
    .string({ error: () => CIDR_HINT })
    .refine((v) => IPV4_CIDR.test(v) || IPV6_CIDR.test(v), { error: (iss) => `must be ${CIDR_HINT} (got ${JSON.stringify(iss.input)})` })
    .optional()
    .describe('CIDR for migration traffic; root@pam only'),
};

export const migrateFields = {
  targetNode: z.string({ error: () => "required: the node to move to, e.g. 'pve2'" }).min(1, { error: () => "required: the node to move to, e.g. 'pve2'" }).describe('the node to move to (required)'),
  allowOfflineMigration: boolField().optional().describe('if a live move fails: stop, move offline, start (confirmed)'),
  withLocalDisks: boolField().optional().describe("default: detected from the VM's disks"),
  force: boolField().optional().describe('PVE force: local devices allowed (root@pam; confirmed)'),
  ...transferFields,
  targetStorage: targetStorageField.optional(),
};

/** How a node's moves run, for drain and undrain (built inside their schemas, so on first use). */
export const nodeMoveRunFields = (maxParallelHint: string) => ({
  maxParallel: intField(1, 20).optional().describe(maxParallelHint),
  maxPerNode: intField(1, 20).default(2).describe('moves at once per node, both ends counted (default 2)'),
  dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
  onFailure: enumField(['continue', 'stop']).optional().describe("after a failed move: 'continue' (default) or 'stop' starting new ones"),
});
