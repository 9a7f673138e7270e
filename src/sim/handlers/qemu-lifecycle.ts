// qemu create (incl. import-from, cloud-init drive, restore from a backup archive), clone. Destroy, resize and
// template are in qemu-admin.ts.
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimConfig, SimVmRecord } from '../model.js';
import { DRIVE_RE, configValue, driveSize, formatSize, isCdrom, isCloudinit, volidOf } from '../vm-config.js';
import { bool, isRootUser, nowSec, requirePriv, str, type HandlerTable } from './context.js';
import { cloneRequest, guestTask, QEMU_GUEST } from './guest.js';
import { restoreQemu } from './qemu-restore.js';
import { addCreateDefaults, assertBridges, canonicalConfig, checkImportDrives, importDriveKeys, importFailure, renewCloneIds } from '../new-vm-config.js';

/** clone_vm locks its source's config file with a 1 s timeout (shared when stopped, exclusive when running). */
export const CLONE_SOURCE_FLOCK_TIMEOUT_MS = 1_000;
/** cluster_lock_storage's default: lock_file_full's 10 s (local storage) and cfs_lock's 10 s (shared). */
export const STORAGE_LOCK_TIMEOUT_MS = 10_000;
/** A full clone allocates each volume under the storage lock, then copies outside it: the allocation's share. */
const FULL_CLONE_ALLOC_SHARE = 0.2;

/** Parameters of POST /nodes/{node}/qemu that are not VM options. */
const CREATE_CONTROL = new Set(['node', 'vmid', 'archive', 'pool', 'start', 'storage', 'force', 'unique', 'bwlimit', 'live-restore', 'import-working-storage']);

function disks(config: SimConfig): Array<[string, string]> {
  return Object.entries(config)
    .map(([k, v]) => [k, String(v)] as [string, string])
    // A cloud-init drive is a CD-ROM that belongs to the VM: clone and restore copy it, destroy removes it.
    .filter(([k, v]) => DRIVE_RE.test(k) && (!isCdrom(v) || isCloudinit(v)));
}

const storageOf = (value: string): string => value.slice(0, value.indexOf(':'));

function assertPool(sim: SimCluster, pool: string | undefined): void {
  if (pool && !sim.pools.has(pool)) throw new SimApiError(403, `Permission check failed (pool '${pool}' does not exist)`);
}

function newVm(sim: SimCluster, node: string, vmid: number, config: SimConfig, pool?: string): SimVmRecord {
  // Load figures are deterministic per VMID, like the generator's.
  return { vmid, node, type: 'qemu', state: 'stopped', config, snapshots: [], pool, cpuLoad: 0.05 + (vmid % 7) / 20, memLoad: 0.3 + (vmid % 5) / 10 };
}

function removeVm(sim: SimCluster, vmid: number, vm: SimVmRecord): void {
  if (sim.vms.get(vmid) === vm) sim.vms.delete(vmid);
  sim.touch();
}

/** Replaces each disk's volume with one of the new VM, on `storage` when given (full clone / restore). */
function copyDisks(config: SimConfig, vmid: number, storage?: string): void {
  let n = 0;
  for (const [k, v] of disks(config)) {
    if (isCloudinit(v)) {
      config[k] = `${storage ?? storageOf(v)}:vm-${vmid}-cloudinit,media=cdrom`;
      continue;
    }
    const opts = v.split(',').slice(1);
    config[k] = [`${storage ?? storageOf(v)}:vm-${vmid}-disk-${n++}`, ...opts].join(',');
  }
}

function freshMacs(sim: SimCluster, config: SimConfig): void {
  for (const [k, v] of Object.entries(config)) {
    if (/^net\d+$/.test(k)) config[k] = String(v).replace(/^([a-z0-9-_]+)=[0-9A-Fa-f:]{17}/, (_m, model: string) => `${model}=${sim.newMac()}`);
  }
}

export const qemuLifecycleHandlers: HandlerTable = {
  'POST /nodes/{node}/qemu': (ctx) => {
    if (ctx.params.archive !== undefined) return restoreQemu(ctx);
    const { sim, params } = ctx;
    const node = String(params.node);
    const vmid = Number(params.vmid);
    requirePriv(ctx, `/vms/${vmid}`, 'VM.Allocate');
    const archive = str(params, 'archive');
    const force = bool(params, 'force');
    const existing = sim.vms.get(vmid);
    if (existing && !(archive && force && existing.node === node)) {
      throw new SimApiError(500, `unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
    }
    if (existing && existing.state !== 'stopped') throw new SimApiError(500, `unable to restore VM ${vmid} - VM is running`);
    const pool = str(params, 'pool');
    assertPool(sim, pool);
    const restoreStorage = str(params, 'storage');
    if (restoreStorage) {
      const s = sim.storage(restoreStorage);
      if (!s.content.includes('images')) throw paramError({ storage: `storage '${restoreStorage}' does not support vm images` });
    }

    // create_vm's synchronous checks of import-from drives, before the config file exists.
    if (!archive) checkImportDrives(sim, params);
    const imports = archive ? [] : importDriveKeys(params);
    for (const k of imports) {
      const s = /^([^:,]+):/.exec(String(params[k]))?.[1];
      if (s) {
        const st = sim.storages.get(s);
        if (st && !st.content.includes('images')) throw paramError({ storage: `storage '${s}' does not support vm images` });
      }
    }
    let config: SimConfig = {};
    if (archive) {
      const vol = sim.volumes.get(archive);
      const shared = !!vol && !!sim.storages.get(vol.storage)?.shared;
      if (!vol || vol.content !== 'backup' || (!shared && vol.node !== node)) throw new SimApiError(500, `volume '${archive}' does not exist`);
      const source = vol.config ?? (vol.vmid !== undefined ? sim.vms.get(vol.vmid)?.config : undefined) ?? { name: `restored-${vmid}`, memory: '2048', cores: 2, scsi0: `local-zfs:vm-${vmid}-disk-0,size=32G` };
      const { lock: _lock, template: _template, ...restored } = source;
      config = { ...restored };
      copyDisks(config, vmid, restoreStorage);
      if (params.unique === undefined || bool(params, 'unique')) freshMacs(sim, config);
    }
    // Options given with a restore override the archive's values, as qmrestore does.
    for (const [k, v] of Object.entries(params)) {
      if (CREATE_CONTROL.has(k) || v === undefined || v === null || imports.includes(k)) continue;
      config[k] = configValue(sim, node, vmid, k, v, config, isRootUser(ctx));
    }
    // Until the worker writes the config, the file holds only the lock (create_and_lock_config).
    const vm = newVm(sim, node, vmid, { lock: 'create' }, pool);
    if (existing) sim.vms.delete(vmid);
    sim.vms.set(vmid, vm);
    sim.touch();
    const start = bool(params, 'start');
    return guestTask(ctx, vm, archive ? 'qmrestore' : 'qmcreate', {
      vm,
      lock: 'create',
      onError: () => removeVm(sim, vmid, vm),
      work: async (w) => {
        if (archive) w.log(`restore vma archive: zstd -q -d -c ${archive} | vma extract -v -r /var/tmp/vzdumptmp.fifo - /var/tmp/vzdumptmp`);
        for (const k of imports) {
          const value = String(params[k]);
          try {
            config[k] = configValue(sim, node, vmid, k, value, config, isRootUser(ctx));
          } catch (err) {
            if (err instanceof SimApiError && err.status === 500) throw importFailure(value);
            throw err;
          }
          const m = /(?:^|,)import-from=([^,]+)/.exec(value);
          const size = formatSize(driveSize(String(config[k])));
          w.log(`importing disk '${m?.[1]}' to VM ${vmid} ...`, `transferred ${size} of ${size} (100.00%)`, `${k}: successfully created disk '${String(config[k])}'`);
        }
        await w.sleep();
        if (!archive) addCreateDefaults(config, nowSec());
        canonicalConfig(config);
        vm.config = { ...config, lock: 'create' };
        w.lock(vm, 'create');
        sim.touch();
        if (start) {
          // create_vm's autostart: a failed start is a warning of the create task; the VM stays stopped.
          w.log('Execute autostart');
          try {
            assertBridges(sim, node, vm.config);
          } catch (err) {
            w.warn(err instanceof Error ? err.message : String(err));
            return;
          }
          vm.state = 'running';
          vm.startedAt = nowSec();
          sim.touch();
        }
      },
    });
  },

  'POST /nodes/{node}/qemu/{vmid}/clone': (ctx) => {
    const { sim, params } = ctx;
    const { src, newid, base, isTemplate, full, storage } = cloneRequest(ctx, QEMU_GUEST);
    if (!full && params.format !== undefined) throw new SimApiError(500, "parameter 'format' not allowed for linked clones");
    const targetNode = str(params, 'target') ?? src.node;
    if (!sim.nodes.has(targetNode)) throw new SimApiError(500, `no such cluster node '${targetNode}'`);
    if (targetNode !== src.node && disks(base).some(([, v]) => !sim.storages.get(storageOf(v))?.shared && !isCloudinit(v))) {
      throw new SimApiError(500, `can't clone VM to node '${targetNode}' (VM uses local storage)`);
    }
    if (storage) {
      const s = sim.storage(storage);
      if (!s.content.includes('images')) throw paramError({ storage: `storage '${storage}' does not support vm images` });
      if (targetNode !== src.node && !s.shared) throw new SimApiError(500, `can't clone to non-shared storage '${storage}'`);
    }
    const pool = str(params, 'pool');
    assertPool(sim, pool);
    sim.assertUnlocked(src);

    const sourceDrives = disks(base).filter(([, v]) => !isCloudinit(v));
    // A linked clone needs the 'clone' feature of each volume, which only a template's base volumes have:
    // clone_vm checks it before forking, so this is a synchronous error.
    if (!full && !isTemplate && sourceDrives.length) throw new SimApiError(500, `Linked clone feature is not supported for drive '${sourceDrives.map(([k]) => k).sort()[0]}'`);

    const { lock: _lock, template: _template, ...config } = base;
    config.name = str(params, 'name') ?? `Copy-of-VM-${base.name ?? src.vmid}`;
    const description = str(params, 'description');
    if (description !== undefined) config.description = description;
    const sourceDisks = disks(config);
    if (full) copyDisks(config, newid, storage);
    else {
      // A linked clone keeps pointing at the template's base volumes.
      let n = 0;
      for (const [k, v] of sourceDisks) {
        if (isCloudinit(v)) config[k] = `${storageOf(v)}:vm-${newid}-cloudinit,media=cdrom`;
        else config[k] = [`${volidOf(v)}/vm-${newid}-disk-${n++}`, ...v.split(',').slice(1)].join(',');
      }
    }
    freshMacs(sim, config);
    renewCloneIds(config);
    canonicalConfig(config);
    // Until the worker writes the config, the new VM's file holds only the lock ("# qmclone temporary file").
    const vm = newVm(sim, targetNode, newid, { lock: 'clone' }, pool);
    sim.vms.set(newid, vm);
    sim.touch();
    return guestTask(ctx, src, 'qmclone', {
      vm,
      lock: 'clone',
      onError: () => removeVm(sim, newid, vm),
      work: async (w) => {
        // As clone_vm: the source's config lock, shared while it is stopped (a template: concurrent clones
        // coexist) and exclusive while it runs, taken with a 1 s timeout and held for the whole clone; then per
        // volume PVE::Storage's storage lock (vdisk_clone for a linked clone, vdisk_alloc for a full one), a
        // flock on the node for local storage and pmxcfs's cluster-wide lock for shared storage, 10 s timeout.
        // Concurrent clones onto one storage queue there, and one waiting past the timeout fails as on PVE
        // ("clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-zfs' - got timeout").
        const sourceMode = src.state === 'stopped' ? 'shared' : 'exclusive';
        await w.flock(`${src.node}:qemu-config:${src.vmid}`, sourceMode, CLONE_SOURCE_FLOCK_TIMEOUT_MS, `can't lock file '/var/lock/qemu-server/lock-${src.vmid}.conf' - got timeout`, async () => {
          const step = sourceDisks.length ? 1 / sourceDisks.length : 1;
          const duration = sim.faults.taskDurationMs;
          if (!sourceDisks.length) await w.sleep();
          for (const [k, v] of sourceDisks) {
            const target = isCloudinit(v) || full ? (storage ?? storageOf(v)) : storageOf(v);
            const shared = !!sim.storages.get(target)?.shared;
            const lockKey = shared ? `cfs:storage-${target}` : `${src.node}:pve-storage-${target}`;
            const timeoutText = shared ? `clone failed: cfs-lock 'storage-${target}' error: got lock request timeout` : `clone failed: can't lock file '/var/lock/pve-manager/pve-storage-${target}' - got timeout`;
            const linked = !full && !isCloudinit(v);
            w.log(`create ${isCloudinit(v) || full ? 'full' : 'linked'} clone of drive ${k} (${volidOf(v)})`);
            const held = duration * step * (linked ? 1 : FULL_CLONE_ALLOC_SHARE);
            await w.flock(lockKey, 'exclusive', STORAGE_LOCK_TIMEOUT_MS, timeoutText, () => w.sleep(held));
            if (!linked) await w.sleep(duration * step - held);
          }
        });
        if (full) w.log('transferred 100% of disks');
        vm.config = { ...config, lock: 'clone' };
        w.lock(vm, 'clone');
        sim.touch();
      },
    });
  },
};
