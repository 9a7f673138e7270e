// qemu destroy (purge, destroy-unreferenced-disks, protection), resize and template conversion, as
// qemu-server's destroy_vm, resize_vm and template API do them.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimVmRecord } from '../model.js';
import { DRIVE_RE, driveSize, formatSize, isCdrom, isCloudinit, volidOf } from '../vm-config.js';
import { bool, requirePriv, rootOnly, str, taskUser, vmidOf, type HandlerTable } from './context.js';

/** Every volume the config names (drives and unusedN, cloud-init included; CD-ROM media excluded). */
function referencedVolumes(vm: SimVmRecord): Array<[string, string]> {
  return Object.entries(vm.config)
    .map(([k, v]) => [k, String(v)] as [string, string])
    .filter(([k, v]) => (DRIVE_RE.test(k) || /^unused\d+$/.test(k)) && (!isCdrom(v) || isCloudinit(v)) && v.includes(':'));
}

/** A template's base volume that a linked clone's volume (`base-9001-disk-0/vm-850-disk-0`) builds on. */
function linkedCloneOf(sim: SimCluster, volid: string, self: SimVmRecord): SimVmRecord | undefined {
  for (const vm of sim.vms.values()) {
    if (vm === self) continue;
    if (referencedVolumes(vm).some(([, v]) => volidOf(v).startsWith(`${volid}/`))) return vm;
  }
  return undefined;
}

const ownerOf = (volid: string): number | undefined => {
  const m = /(?:^|[:/])(?:vm|base|subvol)-(\d+)-[^/]*$/.exec(volid);
  return m ? Number(m[1]) : undefined;
};

export const qemuAdminHandlers: HandlerTable = {
  'DELETE /nodes/{node}/qemu/{vmid}': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Allocate');
    rootOnly(ctx, 'skiplock');
    // Early checks before the worker forks, as qemu-server's destroy_vm API does.
    if (Number(vm.config.protection) === 1) throw new SimApiError(500, `can't remove VM ${vm.vmid} - protection mode enabled`);
    if (vm.state !== 'stopped') throw new SimApiError(500, `VM ${vm.vmid} is running - destroy failed`);
    const skiplock = bool(params, 'skiplock');
    const purge = bool(params, 'purge');
    if (!purge && sim.ha.managed(vm.vmid)) throw new SimApiError(500, `unable to remove VM ${vm.vmid} - used in HA resources and purge parameter not set.`);
    const unreferenced = bool(params, 'destroy-unreferenced-disks');
    return sim.startTask({
      node: vm.node,
      type: 'qmdestroy',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => {
        const lock = sim.lockOf(vm);
        if (lock && !skiplock) throw new SimTaskError(`VM is locked (${lock})`);
        if (vm.state !== 'stopped') throw new SimTaskError(`VM ${vm.vmid} is running - destroy failed`);
        if (vm.config.template) {
          for (const [, v] of referencedVolumes(vm)) {
            if (linkedCloneOf(sim, volidOf(v), vm)) throw new SimTaskError(`base volume '${volidOf(v)}' is still in use by linked cloned`);
          }
        }
      },
      vm,
      lock: 'destroyed',
      work: async (w) => {
        await w.sleep();
        const freed = new Set<string>();
        for (const [, v] of referencedVolumes(vm)) {
          const volid = volidOf(v);
          // Only volumes the VM owns are freed (a linked clone's base belongs to the template).
          if (ownerOf(volid) !== vm.vmid || freed.has(volid)) continue;
          freed.add(volid);
          sim.volumes.delete(volid);
          // A disk deleted earlier through the storage API: PVE warns and goes on.
          if (sim.removedImages.delete(volid)) w.warn(`Could not remove disk '${volid}', check manually: volume does not exist`);
          else w.log(`Removing image: 100% complete...done.`);
        }
        if (unreferenced) {
          for (const other of [...sim.volumes.values()]) {
            const local = !sim.storages.get(other.storage)?.shared;
            if (other.content !== 'images' && other.content !== 'rootdir') continue;
            if ((other.vmid ?? ownerOf(other.volid)) !== vm.vmid || freed.has(other.volid) || (local && other.node !== vm.node)) continue;
            sim.volumes.delete(other.volid);
            w.log(`Removing unreferenced volume '${other.volid}'`);
          }
        }
        if (purge) w.log(`purging VM ${vm.vmid} from related configurations..`);
        if (purge && sim.ha.resources.delete(vm.vmid)) sim.ha.rules = sim.ha.rules.map((r) => ({ ...r, resources: r.resources.filter((s) => s !== `vm:${vm.vmid}`) })).filter((r) => r.resources.length > 0);
        if (sim.vms.get(vm.vmid) === vm) sim.vms.delete(vm.vmid);
        sim.touch();
      },
    }).upid;
  },

  'PUT /nodes/{node}/qemu/{vmid}/resize': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Disk');
    rootOnly(ctx, 'skiplock');
    const disk = String(params.disk);
    const size = String(params.size);
    const digest = str(params, 'digest');
    const skiplock = bool(params, 'skiplock');
    return sim.startTask({
      node: vm.node,
      type: 'resize',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => {
        if (digest !== undefined && digest !== sim.vmDigest(vm)) throw new SimTaskError('checksum mismatch (file change by other user?)');
        const lock = sim.lockOf(vm);
        if (lock && !skiplock) throw new SimTaskError(`VM is locked (${lock})`);
        if (vm.config[disk] === undefined) throw new SimTaskError(`disk '${disk}' does not exist`);
        if (isCdrom(String(vm.config[disk]))) throw new SimTaskError("you can't resize a cdrom");
      },
      finish: () => resizeDrive(sim, vm, disk, size),
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/template': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Allocate');
    const disk = str(params, 'disk');
    // Synchronous, under the config lock, as qemu-server's template API checks.
    sim.assertUnlocked(vm);
    if (vm.snapshots.length) throw new SimApiError(500, 'unable to create template, because VM contains snapshots');
    if (vm.config.template && !disk) throw new SimApiError(500, "you can't convert a template to a template");
    if (vm.state !== 'stopped') throw new SimApiError(500, "you can't convert a VM to template if VM is running");
    if (disk && vm.config[disk] === undefined) throw new SimApiError(500, `disk '${disk}' does not exist`);
    return sim.startTask({
      node: vm.node,
      type: 'qmtemplate',
      id: String(vm.vmid),
      ...taskUser(ctx),
      finish: () => {
        const lines: string[] = [];
        for (const [k, v] of referencedVolumes(vm)) {
          if (disk && k !== disk) continue;
          if (isCloudinit(v) || /^unused\d+$/.test(k)) continue;
          // template_create turns each disk into a base volume: vm-100-disk-0 becomes base-100-disk-0.
          const renamed = v.replace(/^([^:]+):vm-(\d+)-disk-/, '$1:base-$2-disk-');
          if (renamed !== v) {
            vm.config[k] = renamed;
            lines.push(`renamed volume '${volidOf(v)}' to '${volidOf(renamed)}'`);
          }
        }
        if (!disk) vm.config.template = 1;
        sim.touch();
        return lines;
      },
    }).upid;
  },
};

/** Applies `+10G` (grow by) or `40G` (absolute); no unit means bytes. */
function resizeDrive(sim: SimCluster, vm: SimVmRecord, disk: string, size: string): string[] {
  const value = String(vm.config[disk]);
  const current = driveSize(value);
  const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(size);
  if (!m) throw new SimTaskError(`invalid size '${size}'`);
  const unit: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
  const bytes = Math.round(Number(m[2]) * (m[3] ? unit[m[3]] : 1));
  const next = m[1] ? current + bytes : bytes;
  if (next < current) throw new SimTaskError('shrinking disks is not supported');
  if (next === current) return [];
  const sized = /(?:^|,)size=/.test(value) ? value.replace(/size=[^,]+/, `size=${formatSize(next)}`) : `${value},size=${formatSize(next)}`;
  vm.config[disk] = sized;
  sim.touch();
  return [`Image resized.`];
}
