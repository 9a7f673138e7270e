// Making and removing VMs: `POST /vms`, `POST /vms/cloud-init`, `POST /vms/{id}/clone`, `PUT /vms/{id}/ssh-keys`,
// `DELETE /vms/{id}` and `POST /storage/{storage}/download-url`, onto the lifecycle capabilities. Bodies are the
// capabilities' own schemas (the seed's fields); a field the path carries is taken out of the body.
import { z } from 'zod';
import { sshKeys } from '../../src/ops/capabilities/ssh-keys.js';
import { storageDownload } from '../../src/ops/capabilities/storage-download.js';
import { vmClone } from '../../src/ops/capabilities/vm-clone.js';
import { vmCloudInit } from '../../src/ops/capabilities/vm-cloud-init.js';
import { vmCreate } from '../../src/ops/capabilities/vm-create.js';
import { conflict } from '../errors.js';
import type { CapabilityRoute } from '../route-table.js';
import { queryFlag, vmIdParam } from '../schemas.js';
import { requireVm } from '../vm-lookup.js';

const vmOnly = (vmid: number) => [{ type: 'VM_IDS', value: String(vmid) }];

/**
 * A capability's body without the fields the path names. Its cross-field checks (refinements) are left to the
 * core, which validates the whole request again with the capability's schema.
 */
function bodyWithout(schema: unknown, ...keys: string[]): z.ZodObject {
  const shape = { ...(schema as z.ZodObject).shape } as Record<string, z.ZodType>;
  for (const k of keys) delete shape[k];
  return z.strictObject(shape);
}

const createVm: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/vms',
  summary: 'Create a VM: cores, memory, disks (or legacy diskGB), network(s), boot order, CPU and VGA type, tags',
  group: 'VMs',
  kind: 'vm.create',
  long: true,
  single: true,
  body: vmCreate.schema,
  request: ({ body }) => body,
};

const cloudInitVm: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/vms/cloud-init',
  summary: "Create a VM from a cloud image or a template's disk, with cloud-init user, password, keys and IP config (the password is never echoed)",
  group: 'VMs',
  kind: 'vm.cloud-init',
  long: true,
  single: true,
  body: vmCloudInit.schema,
  request: ({ body }) => body,
};

const cloneBody = bodyWithout(vmClone.schema, 'sourceVmId');

const cloneVm: CapabilityRoute<{ id: number }, unknown, object> = {
  method: 'POST',
  url: '/vms/:id/clone',
  summary: 'Clone a VM or template (full or linked), to a node, storage and pool, with the next free id unless newVmId',
  group: 'VMs',
  kind: 'vm.clone',
  long: true,
  // The targets are the clones (new ids), not the source the path names.
  single: true,
  params: vmIdParam,
  body: cloneBody,
  vm: ({ params }) => params.id,
  request: ({ params, body }) => ({ ...body, sourceVmId: params.id }),
};

const sshKeysBody = bodyWithout(sshKeys.schema, 'vmSelectors', 'maxParallel', 'maxPerNode', 'onFailure');

const setSshKeys: CapabilityRoute<{ id: number }, unknown, object> = {
  method: 'PUT',
  url: '/vms/:id/ssh-keys',
  summary: "Replace a VM's cloud-init SSH keys (OpenSSH public keys, one per line)",
  group: 'VMs',
  kind: 'vm.ssh-keys',
  // One config write: answers when done unless ?wait=false.
  long: false,
  params: vmIdParam,
  body: sshKeysBody,
  vm: ({ params }) => params.id,
  request: ({ params, body }) => ({ vmSelectors: vmOnly(params.id), ...body }),
};

interface DeleteQuery {
  stopFirst?: boolean;
  purge?: boolean;
  destroyUnreferencedDisks?: boolean;
  force?: boolean;
}

const deleteVm: CapabilityRoute<{ id: number }, DeleteQuery> = {
  method: 'DELETE',
  url: '/vms/:id',
  summary: 'Delete a VM and its disks (a running one only with stopFirst; PVE protection, safe mode and always-on hold)',
  group: 'VMs',
  kind: 'vm.delete',
  long: true,
  params: vmIdParam,
  queryFields: {
    stopFirst: queryFlag().optional().describe('hard-stop it first when it runs (PVE refuses to delete a running VM)'),
    purge: queryFlag().optional().describe('also remove it from backup jobs, replication and HA'),
    destroyUnreferencedDisks: queryFlag().optional().describe('also destroy disks of this id that no config names'),
    force: queryFlag().optional().describe('override safe mode and always-on'),
  },
  vm: ({ params }) => params.id,
  // A running VM is kept (PVE refuses to delete it): the caller asked for a deletion, so that is a conflict, not a quiet skip.
  async check({ reads }, { query }, vmid) {
    const vm = await requireVm(reads, vmid);
    if ((vm.status === 'running' || vm.status === 'paused') && !query.stopFirst) throw conflict(`VM ${vmid} is ${vm.status}: PVE refuses to delete a running VM; stop it first or add ?stopFirst=true`);
  },
  request: ({ params, query }) => {
    const flags = Object.fromEntries(Object.entries(query).filter(([k, v]) => k !== 'wait' && k !== 'dryRun' && v === true));
    return { vmSelectors: vmOnly(params.id), ...flags };
  },
};

const storageParams = z.strictObject({ storage: z.string().regex(/^[a-zA-Z][-\w.]*$/, { error: (iss) => `'${String(iss.input)}' is not a storage id, e.g. util-iso` }) });

const downloadUrl: CapabilityRoute<{ storage: string }, unknown, object> = {
  method: 'POST',
  url: '/storage/:storage/download-url',
  summary: 'Download a URL (ISO, container template, disk image) into a storage; checksum or checksumUrl verified by PVE',
  group: 'Storage',
  kind: 'storage.download',
  long: true,
  single: true,
  params: storageParams,
  body: bodyWithout(storageDownload.schema, 'storage'),
  request: ({ params, body }) => ({ storage: params.storage, ...body }),
};

export const lifecycleRoutes = [createVm, cloudInitVm, cloneVm, setSshKeys, deleteVm, downloadUrl];
