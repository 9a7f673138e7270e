// qemu migrate: the GET precondition check and the POST that runs a qmigrate task.
import { haTaskType } from '../ha.js';
import type { TaskSpec, TaskWorker } from '../task-engine.js';
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimVmRecord } from '../model.js';
import { splitList } from '../schema/formats.js';
import { DRIVE_RE, driveSize, isCdrom, isCloudinit, volidOf } from '../vm-config.js';
import { bool, int, requirePriv, rootOnly, str, taskUser, vmidOf, type HandlerTable } from './context.js';
import { haMigrateTask } from './guest.js';

interface LocalDisk {
  volid: string;
  size: number;
  drivename?: string;
  cdrom?: number;
  is_attached: number;
  referenced_in_config: number;
  is_unused?: number;
}

const storageOf = (value: string): string => value.slice(0, value.indexOf(':'));

/** Every volume of the VM on non-shared storage: disks, CD images and unused volumes. */
function localDisks(sim: SimCluster, vm: SimVmRecord): LocalDisk[] {
  const out: LocalDisk[] = [];
  for (const [k, raw] of Object.entries(vm.config)) {
    const v = String(raw);
    const unused = /^unused\d+$/.test(k);
    if (!DRIVE_RE.test(k) && !unused) continue;
    const storage = storageOf(v);
    if (!storage || sim.storages.get(storage)?.shared) continue;
    if (isCdrom(v) && !/:iso\//.test(v)) continue;
    const disk: LocalDisk = { volid: volidOf(v), size: driveSize(v), is_attached: unused ? 0 : 1, referenced_in_config: 1 };
    if (!unused) disk.drivename = k;
    else disk.is_unused = 1;
    if (isCdrom(v)) {
      disk.cdrom = 1;
      disk.size = sim.volumes.get(volidOf(v))?.size ?? disk.size;
    }
    out.push(disk);
  }
  return out;
}

/** Passthrough devices that pin a VM to its node. */
function localResources(vm: SimVmRecord): string[] {
  return Object.keys(vm.config).filter((k) => /^(hostpci|usb)\d+$/.test(k) || k === 'ivshmem');
}

/**
 * `targetstorage`: `target` or `src:dst,...`; `1` keeps the same storage ID. Checked before the worker
 * forks, as PVE's check_storage_access_migrate does for every target storage: it must exist and hold images.
 */
function storageMap(sim: SimCluster, value: string | undefined): (source: string) => string {
  if (!value) return (s) => s;
  const pairs = splitList(value);
  let fallback: string | undefined;
  const map = new Map<string, string>();
  for (const p of pairs) {
    const [a, b] = p.split(':');
    if (b === undefined) fallback = a;
    else map.set(a, b);
  }
  for (const dst of [...map.values(), ...(fallback ? [fallback] : [])]) {
    if (dst === '1') continue;
    if (!sim.storage(dst).content.includes('images')) throw new SimApiError(500, `storage '${dst}' does not support vm images`);
  }
  return (s) => {
    const dst = map.get(s) ?? fallback ?? s;
    return dst === '1' ? s : dst;
  };
}

const GiB = 1024 ** 3;
/** The simulated link: 1 GiB/s (in KiB/s, bwlimit's unit). */
const LINK_KIBPS = 1024 * 1024;

/** How long moving `bytes` takes: migrationMsPerGiB per GiB at link speed, stretched by a lower bwlimit. */
export function migrationMs(bytes: number, msPerGiB: number, bwlimitKiBps?: number): number {
  const slowdown = bwlimitKiBps && bwlimitKiBps > 0 ? Math.max(1, LINK_KIBPS / bwlimitKiBps) : 1;
  return (bytes / GiB) * msPerGiB * slowdown;
}

/** Guest RAM in bytes, from the config's `memory` (MiB; PVE's default 512). */
const memoryBytes = (vm: SimVmRecord): number => Number(String(vm.config.memory ?? '512').replace(/^.*current=/, '').split(',')[0]) * 1024 ** 2;

const hms = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
};

const stamp = (): string => new Date().toISOString().replace('T', ' ').slice(0, 19);

export const qemuMigrateHandlers: HandlerTable = {
  'GET /nodes/{node}/qemu/{vmid}/migrate': ({ sim, params }) => {
    const vm = sim.qemu(String(params.node), vmidOf(params));
    sim.assertUnlocked(vm);
    // PVE's precondition reads configuration only: `target` is accepted and ignored, every other node of the
    // cluster config is listed (an offline one too: its storages are configured there), and local devices
    // are reported in local_resources without barring any node (only missing resource mappings would).
    const others = [...sim.nodes.keys()].filter((n) => n !== vm.node);
    return {
      running: vm.state !== 'stopped' ? 1 : 0,
      allowed_nodes: others,
      not_allowed_nodes: {},
      local_disks: localDisks(sim, vm),
      local_resources: localResources(vm),
      'mapped-resources': [],
      'mapped-resource-info': {},
    };
  },

  'POST /nodes/{node}/qemu/{vmid}/migrate': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Migrate');
    rootOnly(ctx, 'force', 'migration_type', 'migration_network');
    const target = String(params.target);
    if (target === vm.node) throw paramError({ target: 'target is local node.' });
    if (!sim.nodes.has(target)) throw new SimApiError(500, `no such cluster node '${target}'`);
    sim.assertUnlocked(vm);
    const running = vm.state !== 'stopped';
    if (running && !bool(params, 'online')) throw new SimApiError(500, "can't migrate running VM without --online");
    const mapStorage = storageMap(sim, str(params, 'targetstorage'));
    if (haTaskType(sim, vm, 'qmigrate') === 'hamigrate') return haMigrateTask(ctx, vm, target);
    return sim.startTask({
      node: vm.node,
      type: 'qmigrate',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'migrate',
      work: migrationWork(sim, vm, target, { running, withLocalDisks: bool(params, 'with-local-disks'), force: bool(params, 'force'), bwlimit: int(params, 'bwlimit'), mapStorage }),
    }).upid;
  },
};

/**
 * The HA manager's LRM's qmigrate of `vm` (ha-manager.ts runs it): online if the VM runs, with local disks and
 * force, whatever the request asked (pve-ha-manager's PVEVM migrate); built from the guest and target alone.
 */
export function haQemuMigration(sim: SimCluster, vm: SimVmRecord, target: string): Pick<TaskSpec, 'type' | 'work'> {
  return { type: 'qmigrate', work: migrationWork(sim, vm, target, { running: vm.state !== 'stopped', withLocalDisks: true, force: true, mapStorage: (storage) => storage }) };
}

/** How one qmigrate task moves the VM (the API's, or the HA manager's LRM's). */
interface MigrationRun {
  running: boolean;
  withLocalDisks: boolean;
  force: boolean;
  bwlimit?: number;
  mapStorage: (source: string) => string;
}

/** The qmigrate worker: checks inside the task, local disks then RAM moved at the simulated link speed, then the VM is on `target`. */
function migrationWork(sim: SimCluster, vm: SimVmRecord, target: string, o: MigrationRun): (w: TaskWorker) => Promise<void> {
  const { running, withLocalDisks, force, bwlimit, mapStorage } = o;
  return async (w) => {
    const started = Date.now();
    w.log(`${stamp()} starting migration of VM ${vm.vmid} to node '${target}' (10.0.0.${[...sim.nodes.keys()].indexOf(target) + 11})`);
    const abort = (reason: string): SimTaskError => {
      w.log(`${stamp()} ERROR: migration aborted (duration ${hms(Date.now() - started)}): ${reason}`);
      return new SimTaskError('migration aborted');
    };
    if (!sim.isOnline(target)) throw abort(`Can't connect to destination address using public key`);
    const devices = localResources(vm).filter((r) => r.startsWith('hostpci'));
    if (devices.length && !force) throw abort(`can't migrate VM which uses local devices: ${devices.join(', ')}`);
    const locals = localDisks(sim, vm).filter((d) => !d.cdrom);
    if (running && locals.length && !withLocalDisks) throw abort("can't live migrate attached local disks without with-local-disks option");
    for (const d of locals) w.log(`${stamp()} found local disk '${d.volid}' (${d.drivename ? `in current VM config` : 'unused'})`);
    // Local disks are copied (offline always, online with with-local-disks), then a live VM's RAM.
    const diskBytes = locals.reduce((n, d) => n + d.size, 0);
    const msPerGiB = sim.faults.migrationMsPerGiB;
    if (bwlimit) w.log(`${stamp()} using a bandwidth limit of ${bwlimit} KiB/s`);
    await w.sleep(sim.faults.taskDurationMs + migrationMs(diskBytes, msPerGiB, bwlimit));
    if (running) {
      w.log(`${stamp()} starting online/live migration on unix:/run/qemu-server/${vm.vmid}.migrate`);
      await w.sleep(migrationMs(memoryBytes(vm), msPerGiB, bwlimit));
      if (sim.failsOnlineMigration.has(vm.vmid)) {
        w.log(`${stamp()} ERROR: online migrate failure - VM ${vm.vmid} qmp command 'migrate' failed - dirty memory does not converge`);
        throw abort('online migrate failure');
      }
    }
    // The target may have gone away while the data moved.
    if (!sim.isOnline(target)) throw abort(`Can't connect to destination address using public key`);
    for (const [k, raw] of Object.entries(vm.config)) {
      const v = String(raw);
      if ((DRIVE_RE.test(k) || /^unused\d+$/.test(k)) && !isCdrom(v) && !isCloudinit(v)) {
        const storage = storageOf(v);
        if (!sim.storages.get(storage)?.shared) vm.config[k] = `${mapStorage(storage)}${v.slice(storage.length)}`;
      }
    }
    vm.node = target;
    sim.touch();
    if (running) w.log(`${stamp()} migration status: completed`);
    w.log(`${stamp()} migration finished successfully (duration ${hms(Date.now() - started)})`);
  };
}
