// A cloud-init VM from a disk image or a template's disk (the seed's POST /vms/cloud-init, all four examples):
// imported with `import-from` on the node that can read the source (then migrated to `node` when that is
// another), grown to diskSizeGB (never below the image; omitted keeps the image's size), a cloud-init drive
// attached, user, password (never recorded: added at run time from the live request), SSH keys (URL-encoded as
// PVE requires), ip configs, DNS, agent, disk options, start. Phases: create → migrate? → resize? → start? → verify.
import { z } from 'zod';
import { postQemu } from '../../pve/endpoints/qemu.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import {
  agentParam,
  checkDescription,
  checkImageStorage,
  checkNode,
  checkPool,
  cloudInitFields,
  cloudInitParams,
  diskOptionsSchema,
  driveOptions,
  intFieldGB,
  networkFields,
  newGuestTargets,
  nicParams,
  renderNames,
  tagList,
  type PveParams,
} from '../guest-config.js';
import { resolveImageSource } from '../image-sources.js';
import { refuseMissingBridges } from '../node-bridges.js';
import { makePhase, migratePhase, resizePhase, startPhase, verifyPhase, type NewGuestSpec } from '../new-guest-phases.js';
import { textField } from '../request-schema.js';
import { describeCreated } from '../vmid-allocator.js';
import { createFields, CREATE_TASK_TIMEOUT_MS, verifiable } from './vm-create.js';

const GiB = 1024 ** 3;

const schema = lazySchema(() =>
  z.strictObject({
    ...createFields,
    imageSource: textField('required: a template disk (local-zfs:base-9001-disk-0) or an image (util-iso:import/debian-12-generic-amd64.qcow2)').describe(
      "a template's disk (local-zfs:base-9001-disk-0) or an import image (util-iso:import/x.qcow2); list_image_sources lists them",
    ),
    targetStorage: textField('required: the storage for the VM disk and the cloud-init drive, e.g. "local-zfs"').describe('for the disk and the cloud-init drive'),
    diskSizeGB: intFieldGB.optional().describe("grow the disk to this size (never shrinks)"),
    ...cloudInitFields,
    ...networkFields,
    diskOptions: diskOptionsSchema.optional(),
    qemuAgent: z.boolean({ error: 'must be true or false' }).optional().describe('QEMU guest agent option'),
  }));
export type VmCloudInitRequest = z.infer<ReturnType<typeof schema>>;

interface Spec extends NewGuestSpec {
  importNode: string;
  params: PveParams;
  resizeGB?: number;
  start: boolean;
  verify: PveParams;
  templateVmid?: number;
}

export const vmCloudInit: Capability<VmCloudInitRequest> = {
  kind: 'vm.cloud-init',
  title: 'Create cloud-init VMs from an image',
  description:
    "Create a VM (or count VMs named by a {index} pattern) from a disk image or a template's disk with cloud-init (the seed's POST /vms/cloud-init body): imported, moved to node, grown, given a cloud-init drive, optionally started. Success means every phase ended OK and the VM is ours; otherwise it is removed again.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu'],
  label: (r) => `create ${r.count && r.count > 1 ? `${r.count} VMs ${r.name}` : `VM ${r.name}`} from ${r.imageSource} on ${r.node}`,
  destructive: () => false,
  undoFailed: true,
  taskTimeoutMs: () => CREATE_TASK_TIMEOUT_MS,
  names: { tool: 'create_cloud_init_vm', verb: ['vm', 'create-cloud-init'], cli: { aliases: { 'memory-mb': 'memoryMB', 'disk-size-gb': 'diskSizeGB' } } },
  hints: { destructive: false, idempotent: false },

  async plan(input, req) {
    const inv = input.inventory;
    checkNode(inv, req.node);
    if (req.vmid !== undefined && (req.count ?? 1) > 1) throw new RequestError('vmid', 'give no vmid when count > 1: every VM takes the next free id');
    if (req.vmid !== undefined && inv.vms.some((v) => v.vmid === req.vmid)) throw new RequestError('vmid', `VM ${req.vmid} already exists; choose another id or leave vmid out for the next free one`);
    checkDescription(req.description);
    const image = await resolveImageSource(input.client, inv, req.imageSource, req.node);
    checkImageStorage(inv, req.node, req.targetStorage, 'targetStorage');
    if (image.importNode !== req.node) checkImageStorage(inv, image.importNode, req.targetStorage, 'targetStorage');
    const imageGB = Math.ceil(image.sizeBytes / GiB);
    if (req.diskSizeGB !== undefined && req.diskSizeGB * GiB < image.sizeBytes) {
      throw new RequestError('diskSizeGB', `${req.diskSizeGB} GiB is smaller than the image (${imageGB} GiB); a disk is never shrunk: give at least ${imageGB} or leave diskSizeGB out to keep the image's size`);
    }
    await checkPool(input.client, req.pool);

    const params: PveParams = {
      scsihw: 'virtio-scsi-single',
      scsi0: [`${req.targetStorage}:0`, `import-from=${image.volid}`, ...driveOptions(req.diskOptions ?? {}, 'scsi', 'diskOptions')].join(','),
      ide2: `${req.targetStorage}:cloudinit`,
      ...nicParams(req),
      ...cloudInitParams(req),
      ...agentParam(req.qemuAgent),
    };
    if (req.cores !== undefined) params.cores = req.cores;
    if (req.memoryMB !== undefined) params.memory = req.memoryMB;
    if (req.cpuType !== undefined) params.cpu = req.cpuType;
    const tags = tagList(req.tags);
    if (tags.length) params.tags = tags.join(';');
    // The VM runs on node (an import elsewhere only moves it there): its NICs' bridges must be there.
    await refuseMissingBridges(input.client, req.node, params, (i) => (req.networks ? `networks[${i}].bridge` : 'network.bridge'));
    const resizeGB = req.diskSizeGB !== undefined && req.diskSizeGB * GiB > image.sizeBytes ? req.diskSizeGB : undefined;
    const names = renderNames(req.name, req.count);
    const steps = [
      image.importNode !== req.node ? `import on ${image.importNode} (it holds ${image.volid}), then migrate to ${req.node}` : `import ${image.volid}`,
      resizeGB ? `grow scsi0 to ${resizeGB} GiB` : `disk keeps the image's ${imageGB} GiB`,
      `cloud-init drive on ${req.targetStorage}`,
      ...(req.start ? ['start'] : []),
    ];
    const targets = newGuestTargets<Spec>(
      inv,
      names,
      { guestType: 'qemu', vmid: req.vmid, node: req.node },
      (name) => `create ${name}: ${steps.join(', ')}${image.note ? ` [${image.note}]` : ''}${req.cloudInitPassword ? ' (password set, not recorded)' : ''}`,
      (name) => ({
        importNode: image.importNode,
        params,
        resizeGB,
        start: req.start === true,
        verify: verifiable({ ...params, name }, ['name', 'cores', 'memory', 'cpu', 'tags', 'ciuser', 'nameserver', 'searchdomain', 'sshkeys']),
        templateVmid: image.templateVmid,
      }),
    );
    return { targets, blocked: new Set() };
  },

  phases(target, req) {
    const spec = target.spec as unknown as Spec;
    const send = (client: Parameters<typeof postQemu>[0], vmid: number) =>
      postQemu(client, spec.importNode, {
        ...spec.params,
        vmid,
        name: spec.name,
        description: describeCreated(req.description, spec.token),
        ...(req.pool ? { pool: req.pool } : {}),
        // The password comes from the live request only: it is in no plan, journal or history.
        ...(req.cloudInitPassword ? { cipassword: req.cloudInitPassword } : {}),
      });
    return [
      makePhase({ name: 'create', target, spec, taskType: 'qmcreate', send, what: 'created', madeOn: spec.importNode }),
      ...(spec.importNode !== spec.node ? [migratePhase(target, spec.importNode, spec.node)] : []),
      ...(spec.resizeGB ? [resizePhase(target, 'scsi0', spec.resizeGB)] : []),
      ...(spec.start ? [startPhase(target)] : []),
      verifyPhase(target, spec, { running: spec.start, keys: spec.verify }),
    ];
  },

  resources: (target, req) => {
    const spec = target.spec as unknown as Spec;
    return {
      guests: req.vmid !== undefined ? [req.vmid] : [],
      nodes: [...new Set([spec.importNode, spec.node])],
      storages: [req.targetStorage],
      ...(spec.templateVmid !== undefined ? { template: spec.templateVmid } : {}),
    };
  },
};
