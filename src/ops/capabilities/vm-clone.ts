// Clone a VM or template (the seed's POST /vms/{id}/clone, all three examples), or one template N times with a
// name pattern: auto or given newVmId, full or linked (linked only from a template, as PVE requires), target
// node and storage, pool, description, tags, start, and cloud-init / size / CPU / memory overrides applied
// before the first start. PVE's synchronous refusals are made here first, naming the field. Clones of one
// source share the runner's per-template cap (PVE's config lock makes concurrent ones wait and time out).
import { z } from 'zod';
import { getQemuConfig, postQemuClone } from '../../pve/endpoints/qemu.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import {
  checkDescription,
  checkImageStorage,
  checkNode,
  checkPool,
  cloudInitFields,
  cloudInitParams,
  intFieldGB,
  nameField,
  networkFields,
  newGuestRunFields,
  newGuestTargets,
  renderNames,
  tagList,
  tagsField,
  vmidField,
  type PveParams,
} from '../guest-config.js';
import { configurePhase, makePhase, resizePhase, startPhase, verifyPhase, type NewGuestSpec } from '../new-guest-phases.js';
import { boolField, intField } from '../request-schema.js';
import { describeCreated } from '../vmid-allocator.js';
import { CREATE_TASK_TIMEOUT_MS, verifiable } from './vm-create.js';
import { containerClonePhases, planContainerClone } from '../container-clone.js';
import { netValues, nicBridgeProblem } from '../node-bridges.js';

const GiB = 1024 ** 3;
const DRIVE_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;

const schema = lazySchema(() =>
  z.strictObject({
    sourceVmId: intField(100, 999_999_999).describe('the VM or template to clone (the seed\'s path /vms/{id}/clone)'),
    newVmId: vmidField.optional(),
    name: nameField.optional(),
    targetNode: z.string().min(1).optional().describe("default: the source's; another node needs shared storage"),
    description: z.string().optional().describe('moxxie adds its marker line'),
    fullClone: boolField().optional().describe('default true; false: linked (from a template)'),
    targetStorage: z.string().min(1).optional().describe('storage for a full clone\'s disks (a linked clone stays on the template\'s storage)'),
    pool: z.string().min(1).optional().describe('resource pool (must exist)'),
    tags: tagsField.optional(),
    start: boolField().optional().describe('start the clone once it is ready'),
    cores: intField(1, 512).optional().describe('override: CPU cores'),
    memoryMB: intField(16, 8_388_608).optional().describe('override: memory in MiB'),
    diskSizeGB: intFieldGB.optional().describe('grow the first disk to this size (never shrinks)'),
    ...cloudInitFields,
    ipConfig: networkFields.ipConfig,
    ipConfigs: networkFields.ipConfigs,
    ...newGuestRunFields({ atOnce: 'clones at once (1-20; one at a time per template)', failed: 'clone' }),
  }));
export type VmCloneRequest = z.infer<ReturnType<typeof schema>>;

interface Spec extends NewGuestSpec {
  source: number;
  sourceNode: string;
  full: boolean;
  storage?: string;
  template: boolean;
  settings: PveParams;
  resize?: { disk: string; sizeGB: number };
  start: boolean;
  verify: PveParams;
}

const sizeOf = (drive: string): number => {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(drive);
  const unit: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };
  return m ? Number(m[1]) * unit[m[2]] : 0;
};

export const vmClone: Capability<VmCloneRequest> = {
  kind: 'vm.clone',
  title: 'Clone VMs',
  description:
    "Clone a VM, container (name is its hostname; no cloud-init fields) or template (the seed's POST /vms/{id}/clone body plus sourceVmId), count times with a {index} name: full or linked (from a template only), with overrides applied before the first start. Success means the clone task ended OK, the VM is ours and configured, and running if start was asked; otherwise it is removed again.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `clone ${r.sourceVmId}${r.count && r.count > 1 ? ` ${r.count}x` : ''}${r.name ? ` as ${r.name}` : ''}`,
  destructive: () => false,
  undoFailed: true,
  taskTimeoutMs: () => CREATE_TASK_TIMEOUT_MS,
  names: { tool: 'clone_vm', verb: ['vm', 'clone'], cli: { positionalField: 'sourceVmId', aliases: { 'new-id': 'newVmId', full: 'fullClone', 'memory-mb': 'memoryMB', 'disk-size-gb': 'diskSizeGB' } } },
  hints: { destructive: false, idempotent: false },

  async plan(input, req) {
    const inv = input.inventory;
    const src = inv.vms.find((v) => v.vmid === req.sourceVmId);
    if (!src) throw new RequestError('sourceVmId', `VM ${req.sourceVmId} does not exist in this cluster`);
    // A container is cloned with pct clone: its own planner (hostname, rootdir storage, no cloud-init).
    if (src.type === 'lxc') return { targets: await planContainerClone(input, req, src), blocked: new Set() };
    checkNode(inv, src.node, 'sourceVmId');
    const targetNode = req.targetNode ?? src.node;
    checkNode(inv, targetNode, 'targetNode');
    const count = req.count ?? 1;
    if (req.newVmId !== undefined && count > 1) throw new RequestError('newVmId', 'give no newVmId when count > 1: every clone takes the next free id');
    if (req.newVmId !== undefined && inv.vms.some((v) => v.vmid === req.newVmId)) throw new RequestError('newVmId', `VM ${req.newVmId} already exists (PVE: "unable to create VM ${req.newVmId}: config file already exists"); choose another or leave it out`);
    checkDescription(req.description);
    await checkPool(input.client, req.pool);

    const config = (await getQemuConfig(input.client, src.node, src.vmid)) as Record<string, unknown>;
    const template = src.template;
    const full = req.fullClone ?? true;
    if (!full && !template) throw new RequestError('fullClone', `a linked clone needs a template, and VM ${src.vmid} (${src.name}) is not one (PVE: "Linked clone feature is not supported"); use fullClone: true or convert it to a template`);
    const drives = Object.entries(config).filter(([k, v]) => DRIVE_KEY.test(k) && typeof v === 'string' && v !== 'none' && !/^(none|cdrom),/.test(v));
    const storagesOf = [...new Set(drives.map(([, v]) => String(v).split(',')[0].split(':')[0]).filter(Boolean))];
    let storage = req.targetStorage;
    let storageNote = '';
    if (!full && storage !== undefined) {
      // PVE refuses `storage` on a linked clone; the clone lands on the template's storage anyway.
      if (storagesOf.length === 1 && storagesOf[0] === storage) {
        storageNote = ` (linked: stays on ${storage}, the template's storage, so targetStorage is not sent)`;
        storage = undefined;
      } else throw new RequestError('targetStorage', `a linked clone stays on the template's storage (${storagesOf.join(', ')}); PVE refuses storage for linked clones ("parameter 'storage' not allowed for linked clones"): leave targetStorage out or use fullClone: true`);
    }
    if (targetNode !== src.node) {
      const local = storagesOf.filter((s) => !inv.storages.some((x) => x.storage === s && x.shared));
      if (local.length) throw new RequestError('targetNode', `VM ${src.vmid} uses local storage (${local.join(', ')}), so it can only be cloned on ${src.node} (PVE: "can't clone VM to node '${targetNode}' (VM uses local storage)")`);
      // A clone keeps the source's NICs: on a node without one of their bridges it could never start.
      const bad = await nicBridgeProblem(input.client, targetNode, netValues(config));
      if (bad) throw new RequestError('targetNode', `${bad.problem} (VM ${src.vmid}'s ${bad.nic} names it)`);
    }
    if (storage !== undefined) {
      const { shared } = checkImageStorage(inv, targetNode, storage, 'targetStorage');
      if (targetNode !== src.node && !shared) throw new RequestError('targetStorage', `'${storage}' is not shared; a clone onto another node needs shared storage (PVE: "can't clone to non-shared storage '${storage}'")`);
    }

    const settings: PveParams = { ...cloudInitParams(req) };
    if (req.cores !== undefined) settings.cores = req.cores;
    if (req.memoryMB !== undefined) settings.memory = req.memoryMB;
    const tags = tagList(req.tags);
    if (tags.length) settings.tags = tags.join(';');
    let resize: Spec['resize'];
    if (req.diskSizeGB !== undefined) {
      const first = drives.find(([k, v]) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !/media=cdrom/.test(String(v)));
      if (!first) throw new RequestError('diskSizeGB', `VM ${src.vmid} has no disk to grow`);
      const bytes = sizeOf(String(first[1]));
      if (req.diskSizeGB * GiB < bytes) throw new RequestError('diskSizeGB', `${req.diskSizeGB} GiB is smaller than ${first[0]} of VM ${src.vmid} (${Math.ceil(bytes / GiB)} GiB); disks are never shrunk`);
      if (req.diskSizeGB * GiB > bytes) resize = { disk: first[0], sizeGB: req.diskSizeGB };
    }
    const defaultName = `Copy-of-VM-${String(config.name ?? src.vmid)}`;
    const names = req.name !== undefined ? renderNames(req.name, count) : count > 1 ? renderNames(`${defaultName}-{index}`, count) : [defaultName];
    const what = `${full ? 'full' : 'linked'} clone of ${src.vmid} (${src.name})${targetNode !== src.node ? ` onto ${targetNode}` : ''}${storage ? ` on ${storage}` : storageNote}`;
    const extras = [...(Object.keys(settings).length ? [`set ${Object.keys(settings).join(', ')}`] : []), ...(resize ? [`grow ${resize.disk} to ${resize.sizeGB} GiB`] : []), ...(req.start ? ['start'] : [])];
    const targets = newGuestTargets<Spec>(
      inv,
      names,
      { guestType: 'qemu', vmid: req.newVmId, node: targetNode },
      (name) => `${name}: ${what}${extras.length ? `, then ${extras.join(', ')}` : ''}${req.newVmId === undefined ? ', next free id' : ''}${req.cloudInitPassword ? ' (password set, not recorded)' : ''}`,
      (name) => ({
        source: src.vmid,
        sourceNode: src.node,
        full,
        storage,
        template,
        settings,
        resize,
        start: req.start === true,
        verify: verifiable({ ...settings, name }, ['name', 'cores', 'memory', 'tags', 'ciuser', 'nameserver', 'searchdomain', 'sshkeys']),
      }),
    );
    return { targets, blocked: new Set() };
  },

  phases(target, req) {
    if (target.guestType === 'lxc') return containerClonePhases(target, req.description, req.pool);
    const spec = target.spec as unknown as Spec;
    const send = (client: Parameters<typeof postQemuClone>[0], vmid: number) =>
      postQemuClone(client, spec.sourceNode, spec.source, {
        newid: vmid,
        name: spec.name,
        description: describeCreated(req.description, spec.token),
        full: spec.full,
        ...(spec.node !== spec.sourceNode ? { target: spec.node } : {}),
        ...(spec.storage ? { storage: spec.storage } : {}),
        ...(req.pool ? { pool: req.pool } : {}),
      });
    const secret = (): PveParams => (req.cloudInitPassword ? { cipassword: req.cloudInitPassword } : {});
    const configure = Object.keys(spec.settings).length > 0 || req.cloudInitPassword !== undefined;
    return [
      makePhase({ name: 'clone', target, spec, taskType: 'qmclone', send, what: `cloned ${spec.source} as`, source: { node: spec.sourceNode, vmid: spec.source } }),
      ...(configure ? [configurePhase(target, spec.settings, secret)] : []),
      ...(spec.resize ? [resizePhase(target, spec.resize.disk, spec.resize.sizeGB)] : []),
      ...(spec.start ? [startPhase(target)] : []),
      verifyPhase(target, spec, { running: spec.start, keys: spec.verify }),
    ];
  },

  resources: (target, req) => {
    const spec = target.spec as unknown as Spec;
    return {
      guests: req.newVmId !== undefined ? [req.newVmId] : [],
      nodes: [...new Set([spec.sourceNode, spec.node])],
      storages: spec.storage ? [spec.storage] : [],
      template: spec.source,
    };
  },
};
