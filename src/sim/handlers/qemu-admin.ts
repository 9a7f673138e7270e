// qemu destroy (purge, destroy-unreferenced-disks, protection), resize and template conversion, as
// qemu-server's destroy_vm, resize_vm and template API do them.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimVmRecord } from '../model.js';
import { DRIVE_RE, isCdrom, isCloudinit, volidOf } from '../vm-config.js';
import { bool, requirePriv, rootOnly, str, vmidOf, type HandlerTable } from './context.js';
import { guestTask, QEMU_GUEST, resizeVolume } from './guest.js';

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
    return guestTask(ctx, vm, 'qmdestroy', {
      begin: () => {
        QEMU_GUEST.lockCheck(ctx, vm, skiplock);
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
    });
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
    return guestTask(ctx, vm, 'resize', {
      begin: () => {
        if (digest !== undefined && digest !== sim.vmDigest(vm)) throw new SimTaskError('checksum mismatch (file change by other user?)');
        QEMU_GUEST.lockCheck(ctx, vm, skiplock);
        if (vm.config[disk] === undefined) throw new SimTaskError(`disk '${disk}' does not exist`);
        if (isCdrom(String(vm.config[disk]))) throw new SimTaskError("you can't resize a cdrom");
      },
      finish: () => (resizeVolume(ctx, vm, disk, size, 'shrinking disks is not supported') === undefined ? [] : ['Image resized.']),
    });
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
    return guestTask(ctx, vm, 'qmtemplate', {
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
    });
  },
};
