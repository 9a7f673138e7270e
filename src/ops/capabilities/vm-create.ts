// Create VMs from the seed's POST /vms body (disks, NICs, ip configs, CPU and VGA type, boot order, tags, pool,
// start on boot, description; the legacy diskGB), or N of them from one spec with a name pattern (web-{index}).
// Every field maps to one valid PVE request, and what PVE would refuse is refused here, naming the field. Each VM
// is a 'new-guest' target: make (an allocator id, the next one on "already exists", then an ownership check),
// start if asked, verify. A failed phase is undone: the VM exists only if every phase succeeded.
import { z } from 'zod';
import type { Inventory } from '../../inventory/model.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import {
  agentParam,
  bootParam,
  checkDescription,
  checkImageStorage,
  checkNode,
  checkPool,
  defaultDiskStorage,
  diskParams,
  diskSchema,
  ipConfigParams,
  nameField,
  networkFields,
  newGuestRunFields,
  newGuestTargets,
  nicParams,
  renderNames,
  tagList,
  tagsField,
  VGA_TYPES,
  vmidField,
  type PveParams,
} from '../guest-config.js';
import { makePhase, startPhase, verifyPhase, type NewGuestSpec } from '../new-guest-phases.js';
import { postQemu } from '../../pve/endpoints/qemu.js';
import { refuseMissingBridges } from '../node-bridges.js';
import { boolField, enumField, intField, textField } from '../request-schema.js';
import { describeCreated } from '../vmid-allocator.js';

/** A create with an image import or a start can take a while on a real cluster. */
export const CREATE_TASK_TIMEOUT_MS = 30 * 60_000;

export const createFields = {
  vmid: vmidField.optional(),
  name: nameField,
  node: textField('required: the node to create the VM on, e.g. "pve1"').describe('the node'),
  cores: intField(1, 512).optional().describe('CPU cores (default 1)'),
  memoryMB: intField(16, 8_388_608).optional().describe('memory in MiB (default 512)'),
  cpuType: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.+-]+$/, { error: 'must be a CPU model such as host, x86-64-v2-AES, kvm64' }).optional().describe('CPU model: host, x86-64-v2-AES, kvm64 …'),
  tags: tagsField.optional(),
  pool: z.string().min(1).optional().describe('must exist'),
  description: z.string().optional().describe('moxxie adds its marker line'),
  start: boolField().optional().describe('start the VM once it is made'),
  ...newGuestRunFields({ atOnce: 'VMs made at once (1-20)', failed: 'VM' }),
};

const schema = lazySchema(() =>
  z.strictObject({
    ...createFields,
    vgaType: enumField(VGA_TYPES).optional().describe('display: std, virtio, qxl, serial0, none …'),
    bootOrder: z.string().min(1).optional().describe('"order=scsi0;net0" (or just "scsi0;net0"); every device must be one of the VM\'s'),
    disks: z.array(diskSchema).max(32).optional().describe('disks: interfaceType, slot, storage, sizeGB and options'),
    diskGB: intField(1, 131072).optional().describe('legacy: one SCSI disk of this size on the node\'s VM storage (use disks for more)'),
    ...networkFields,
    startOnBoot: boolField().optional().describe('start with the node (onboot)'),
    qemuAgent: boolField().optional().describe('QEMU guest agent option'),
  }));
export type VmCreateRequest = z.infer<ReturnType<typeof schema>>;

interface Spec extends NewGuestSpec {
  params: PveParams;
  start: boolean;
  verify: PveParams;
}

/** The PVE create params of one VM (without vmid, name and description), every field checked. */
function createParams(inv: Inventory, r: VmCreateRequest): PveParams {
  if (r.disks && r.diskGB !== undefined) throw new RequestError('diskGB', 'give disks (a list) or the legacy diskGB, not both');
  const params: PveParams = {};
  if (r.cores !== undefined) params.cores = r.cores;
  if (r.memoryMB !== undefined) params.memory = r.memoryMB;
  if (r.cpuType !== undefined) params.cpu = r.cpuType;
  if (r.vgaType !== undefined) params.vga = r.vgaType;
  if (r.startOnBoot !== undefined) params.onboot = r.startOnBoot ? 1 : 0;
  Object.assign(params, agentParam(r.qemuAgent));
  if (r.disks) Object.assign(params, diskParams(inv, r.node, r.disks));
  else if (r.diskGB !== undefined) {
    const storage = defaultDiskStorage(inv, r.node);
    checkImageStorage(inv, r.node, storage, 'diskGB');
    Object.assign(params, { scsi0: `${storage}:${r.diskGB}`, scsihw: 'virtio-scsi-single' });
  }
  Object.assign(params, nicParams(r), ipConfigParams(r));
  const tags = tagList(r.tags);
  if (tags.length) params.tags = tags.join(';');
  if (r.bootOrder !== undefined) params.boot = bootParam(r.bootOrder, params);
  return params;
}

/** What a verify compares with the VM's config (values PVE stores as sent). */
export function verifiable(params: PveParams, keys: string[]): PveParams {
  return Object.fromEntries(Object.entries(params).filter(([k]) => keys.includes(k) || /^ipconfig\d+$/.test(k)));
}

export const vmCreate: Capability<VmCreateRequest> = {
  kind: 'vm.create',
  title: 'Create VMs',
  description:
    "Create a VM (or count VMs named by a {index} pattern) from the seed's POST /vms body: disks, NICs, ip configs, CPU, VGA, boot order, tags, pool. Ids come from a race-safe allocator. Success means PVE's create task ended OK, the VM with that id is ours, and it is running if start was asked; otherwise it is removed again.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu'],
  label: (r) => `create ${r.count && r.count > 1 ? `${r.count} VMs ${r.name}` : `VM ${r.name}`} on ${r.node}`,
  destructive: () => false,
  undoFailed: true,
  taskTimeoutMs: () => CREATE_TASK_TIMEOUT_MS,
  names: { tool: 'create_vm', verb: ['vm', 'create'], cli: { fileRoute: { field: 'imageSource', kind: 'vm.cloud-init' }, aliases: { 'memory-mb': 'memoryMB', 'disk-gb': 'diskGB' } } },
  hints: { destructive: false, idempotent: false },

  async plan(input, req) {
    checkNode(input.inventory, req.node);
    if (req.vmid !== undefined && (req.count ?? 1) > 1) throw new RequestError('vmid', 'give no vmid when count > 1: every VM takes the next free id');
    if (req.vmid !== undefined && input.inventory.vms.some((v) => v.vmid === req.vmid)) throw new RequestError('vmid', `VM ${req.vmid} already exists; choose another id or leave vmid out for the next free one`);
    checkDescription(req.description);
    await checkPool(input.client, req.pool);
    const params = createParams(input.inventory, req);
    await refuseMissingBridges(input.client, req.node, params, (i) => (req.networks ? `networks[${i}].bridge` : 'network.bridge'));
    const names = renderNames(req.name, req.count);
    const keys = Object.keys(params).filter((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k)).join(', ') || 'no disks';
    const nics = Object.keys(params).filter((k) => /^net\d+$/.test(k)).length;
    const targets = newGuestTargets<Spec>(
      input.inventory,
      names,
      { guestType: 'qemu', vmid: req.vmid, node: req.node },
      (name) => `create ${name} (${keys}; ${nics} NIC${nics === 1 ? '' : 's'})${req.vmid === undefined ? ', next free id' : ''}${req.diskGB !== undefined && !req.disks ? ` [diskGB: scsi0 on ${String(params.scsi0).split(':')[0]}]` : ''}${req.start ? ', then start' : ''}`,
      (name) => ({ params, start: req.start === true, verify: verifiable({ ...params, name }, ['name', 'cores', 'memory', 'cpu', 'tags', 'onboot']) }),
    );
    return { targets, blocked: new Set() };
  },

  phases(target, req) {
    const spec = target.spec as unknown as Spec;
    const send = (client: Parameters<typeof postQemu>[0], vmid: number) =>
      postQemu(client, spec.node, { ...spec.params, vmid, name: spec.name, description: describeCreated(req.description, spec.token), ...(req.pool ? { pool: req.pool } : {}) });
    return [
      makePhase({ name: 'create', target, spec, taskType: 'qmcreate', send, what: 'created' }),
      ...(spec.start ? [startPhase(target)] : []),
      verifyPhase(target, spec, { running: spec.start, keys: spec.verify }),
    ];
  },

  resources: (target, req) => {
    const spec = target.spec as unknown as Spec;
    const storages = [...new Set(Object.entries(spec.params).filter(([k]) => /^(scsi|virtio|sata|ide)\d+$/.test(k)).map(([, v]) => String(v).split(':')[0]))];
    return { guests: req.vmid !== undefined ? [req.vmid] : [], nodes: [spec.node], storages };
  },
};
