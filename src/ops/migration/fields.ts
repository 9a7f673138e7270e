// The seed's migration options, declared once: migrate spreads all of them, drain and undrain the transfer ones.
import { z } from 'zod';
import { boolField, enumField, intField } from '../request-schema.js';

const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const STORAGE_MAP_HINT = "a storage ID (every disk goes there), or a mapping 'source:target' (several separated by commas); '1' keeps each disk's storage ID";

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
  bwlimit: intField(1, 2 ** 31, 'a bandwidth in KiB/s').optional().describe('bandwidth limit in KiB/s (e.g. 51200 = 50 MiB/s)'),
  migrationType: enumField(['secure', 'insecure']).optional().describe("'secure' (SSH tunnel, PVE's default) or 'insecure' (faster, on a private network only); PVE allows it for root@pam only"),
  migrationNetwork: z
    .string({ error: () => CIDR_HINT })
    .refine((v) => IPV4_CIDR.test(v) || IPV6_CIDR.test(v), { error: (iss) => `must be ${CIDR_HINT} (got ${JSON.stringify(iss.input)})` })
    .optional()
    .describe('CIDR of the network the migration traffic uses; PVE allows it for root@pam only'),
};

export const migrateFields = {
  targetNode: z.string({ error: () => "required: the node to move to, e.g. 'pve2'" }).min(1, { error: () => "required: the node to move to, e.g. 'pve2'" }).describe('the node to move to (required)'),
  allowOfflineMigration: boolField().optional().describe('if the live migration fails: stop the VM, move it offline and start it on the target (default false; needs confirmation)'),
  withLocalDisks: boolField().optional().describe("move local disks live (default: detected from the VM's disks and its storages' shared flag)"),
  force: boolField().optional().describe('migrate VMs with local devices (PVE force; root@pam only; needs confirmation)'),
  ...transferFields,
  targetStorage: targetStorageField.optional(),
};
