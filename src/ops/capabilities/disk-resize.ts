// Grow a disk of the selected VMs: `size` absolute ("50G") or relative ("+10G"), as PVE writes it. The plan
// reads each disk's size and turns the request into one absolute target per VM, which is what is sent:
// a retry or a resume after a lost answer can never grow a disk twice. Shrinking is refused before
// anything runs (PVE cannot shrink disks); a disk already at the size is skipped. Growing cannot be undone.
import { z } from 'zod';
import { getGuestConfig, putGuestResize, refOf } from '../../pve/endpoints/guest.js';
import type { GuestType } from '../types.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { textField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { offlineReason, unsupportedReason } from '../safety.js';
import { CT_VOLUME_KEY_RE, DISK_KEY_RE, driveBytes, isCdromDrive, readConfigs, sizeText } from '../vm-configs.js';
import { bulkFields } from './bulk-fields.js';

const RESIZE_TASK_TIMEOUT_MS = 10 * 60_000;
const SIZE_RE = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/;
const UNIT: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const SIZE_HINT = 'a size such as "50G" (the new size) or "+10G" (grow by); units K, M, G, T (no unit: bytes; not GiB)';

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    disk: textField('required: the disk to grow, e.g. "scsi0", "virtio1", "sata0", or a container\'s "rootfs" or "mp0"')
      .refine((d) => DISK_KEY_RE.test(d) || CT_VOLUME_KEY_RE.test(d), {
        error: (iss) => `'${String(iss.input)}' is not a disk key; use scsiN, virtioN, sataN, ideN, efidisk0 or tpmstate0 for a VM, rootfs or mpN for a container`,
      })
      .describe('scsi0 … on a VM, rootfs or mpN on a container'),
    size: textField(`required: ${SIZE_HINT}`)
      .refine((s) => SIZE_RE.test(s), { error: (iss) => `'${String(iss.input)}' is not ${SIZE_HINT}` })
      .describe('"50G" or "+10G"; never shrinks'),
  }));
export type DiskResizeRequest = z.infer<ReturnType<typeof schema>>;

interface Spec {
  disk: string;
  /** The size to reach, in bytes. */
  bytes: number;
  before: number;
}

/** The size in bytes the request asks for, given the disk's current size. */
export function targetBytes(size: string, current: number): number {
  const m = SIZE_RE.exec(size);
  if (!m) throw new RequestError('size', `'${size}' is not ${SIZE_HINT}`);
  const bytes = Math.round(Number(m[2]) * (m[3] ? UNIT[m[3]] : 1));
  return m[1] ? current + bytes : bytes;
}

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];

/** A VM disk key on a container or a mount point on a VM: that guest is skipped, not failed (a bulk selection holds both). */
function wrongKind(type: GuestType, disk: string): string | undefined {
  if (type === 'lxc' && !CT_VOLUME_KEY_RE.test(disk)) return `a container: its volumes are rootfs and mpN, not ${disk}`;
  if (type === 'qemu' && !DISK_KEY_RE.test(disk)) return `a VM: ${disk} is a container mount point`;
  return undefined;
}

export const diskResize: Capability<DiskResizeRequest> = {
  kind: 'vm.resize',
  title: 'Resize a disk',
  description: 'Grow a disk of the selected VMs (or rootfs/mpN of containers, pct resize) to a size ("50G") or by an amount ("+10G"). Shrinking is refused (PVE cannot shrink disks). Success means the disk has the new size.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: (r) => `resize ${r.disk} ${String(r.size ?? '').startsWith('+') ? `by ${r.size}` : `to ${r.size}`}`,
  destructive: () => false,
  taskTimeoutMs: () => RESIZE_TASK_TIMEOUT_MS,
  names: { tool: 'resize_disk', verb: ['vm', 'resize'] },
  hints: { destructive: false, idempotent: false },

  async plan(input, req) {
    const offline = offlineNodesOf(input.inventory);
    const skipWhy = (vm: (typeof input.vms)[number]): string | undefined => unsupportedReason(vm, { allowTemplates: true, guestTypes: GUEST_TYPES }) ?? wrongKind(vm.type, req.disk);
    const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
    const configs = await readConfigs(input.client, candidates);
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const base = `resize ${req.disk}`;
      const skip = skipWhy(vm);
      const blocked = offlineReason(vm, offline);
      const read = configs.get(vm.vmid);
      if (skip) plan.skip(vm, base, skip);
      else if (blocked || !read) plan.block(vm, base, blocked ?? 'config not read');
      else if ('error' in read) plan.block(vm, base, read.error);
      else {
        const value = read.config[req.disk];
        const current = value === undefined ? undefined : driveBytes(String(value));
        if (value === undefined) plan.block(vm, base, `has no ${vm.type === 'lxc' ? 'mount point' : 'disk'} ${req.disk}`);
        else if (isCdromDrive(String(value))) plan.block(vm, base, `${req.disk} is a CD-ROM drive: PVE cannot resize it`);
        else if (current === undefined) plan.block(vm, base, `${req.disk} has no size in its config`);
        else {
          const bytes = targetBytes(req.size, current);
          const action = `resize ${req.disk} ${sizeText(current)} → ${sizeText(bytes)} (cannot be undone)`;
          if (bytes < current) plan.block(vm, action, `shrinking is refused: ${req.disk} is ${sizeText(current)}, ${sizeText(bytes)} would be smaller (PVE cannot shrink disks)`);
          else if (bytes === current) plan.skip(vm, action, `${req.disk} is already ${sizeText(current)}`);
          else plan.add(vm, action, { disk: req.disk, bytes, before: current } satisfies Spec);
        }
      }
    }
    return plan.build();
  },

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const guest = refOf(target);
    const sizeNow = async (t: { client: Parameters<typeof getGuestConfig>[0] }) => driveBytes(String((await getGuestConfig(t.client, guest))[spec.disk] ?? '')) ?? 0;
    return [
      {
        name: 'resize',
        taskType: 'resize',
        check: async (t) => ((await sizeNow(t)) >= spec.bytes ? `${spec.disk} is ${sizeText(spec.bytes)}` : undefined),
        run: async (t) => {
          // Absolute, never "+N": sent twice it still means the same size.
          const upid = await putGuestResize(t.client, guest, { disk: spec.disk, size: sizeText(spec.bytes) });
          // PVE 7 answered synchronously (null); since 8.0 it is a task.
          if (upid) await t.awaitTask(upid);
          return `${spec.disk} ${sizeText(spec.before)} → ${sizeText(spec.bytes)}`;
        },
      },
      {
        name: 'verify',
        changesNothing: true,
        run: async (t) => {
          const now = await sizeNow(t);
          if (now < spec.bytes) throw new StepFailure(`the resize task ended OK but ${spec.disk} is ${sizeText(now)}, not ${sizeText(spec.bytes)}`);
          return `${spec.disk} is ${sizeText(now)}`;
        },
      },
    ];
  },
};
