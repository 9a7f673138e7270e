// qemu create (incl. import-from, cloud-init drive, restore from a backup), clone, destroy, migrate, resize.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimConfig, SimVmRecord } from '../model.js';
import { withMac } from './qemu-config.js';
import { bool, requirePriv, str, taskUser, vmidOf, type HandlerTable } from './context.js';

const DISK_RE = /^(scsi|virtio|sata|ide)\d+$/;
const nowSec = () => Math.floor(Date.now() / 1000);

function diskStorages(config: SimConfig): string[] {
  return Object.entries(config)
    .filter(([k, v]) => DISK_RE.test(k) && !/media=cdrom/.test(String(v)) && !/cloudinit/.test(String(v)))
    .map(([, v]) => String(v).split(':')[0]);
}

function assertNewVmid(sim: SimCluster, vmid: number): void {
  const existing = sim.vms.get(vmid);
  if (existing) throw new SimApiError(500, `unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
}

function checkStorageFor(sim: SimCluster, storage: string, node: string, content: string): void {
  const s = sim.storages.get(storage);
  if (!s) throw new SimApiError(500, `storage '${storage}' does not exist`);
  if (!s.content.includes(content)) throw new SimApiError(400, 'Parameter verification failed.', { storage: `storage '${storage}' does not support vm images` });
  if (!sim.isOnline(node)) throw new SimApiError(500, `storage '${storage}' is not available on node '${node}'`);
}

/** Turns create-time drive specs (`local-zfs:20`, `import-from=`, `:cloudinit`) into stored volumes. */
function allocateDisks(sim: SimCluster, node: string, vmid: number, config: SimConfig): void {
  let n = 0;
  for (const [k, raw] of Object.entries(config)) {
    if (!DISK_RE.test(k)) continue;
    const v = String(raw);
    const [volPart, ...opts] = v.split(',');
    if (/^[a-z][a-z0-9\-_.]*[a-z0-9]:cloudinit$/i.test(volPart)) {
      const storage = volPart.split(':')[0];
      checkStorageFor(sim, storage, node, 'images');
      config[k] = `${storage}:vm-${vmid}-cloudinit,media=cdrom`;
      continue;
    }
    const alloc = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?)$/i.exec(volPart);
    if (!alloc) continue;
    const storage = alloc[1];
    checkStorageFor(sim, storage, node, 'images');
    let size = `${alloc[2]}G`;
    const rest: string[] = [];
    for (const o of opts) {
      const m = /^import-from=(.+)$/.exec(o);
      if (!m) {
        rest.push(o);
        continue;
      }
      const src = m[1];
      const vol = sim.volumes.get(src);
      const base = /^([^:]+):base-(\d+)-disk-\d+$/.exec(src);
      if (vol) {
        if (!vol.storage || (vol.node && vol.node !== node)) throw new SimApiError(500, `volume '${src}' does not exist`);
      } else if (base) {
        const tmpl = sim.vms.get(Number(base[2]));
        if (!tmpl) throw new SimApiError(500, `volume '${src}' does not exist`);
        const shared = sim.storages.get(base[1])?.shared;
        // import-from works only on the node that holds a local source volume.
        if (!shared && tmpl.node !== node) throw new SimApiError(500, `storage '${base[1]}' is not available on node '${node}': volume '${src}' does not exist`);
      } else {
        throw new SimApiError(500, `volume '${src}' does not exist`);
      }
      if (Number(alloc[2]) === 0) size = '2G';
    }
    config[k] = [`${storage}:vm-${vmid}-disk-${n++}`, ...rest, `size=${size}`].join(',');
  }
}

function newVm(node: string, vmid: number, config: SimConfig, pool?: string): SimVmRecord {
  return { vmid, node, type: 'qemu', state: 'stopped', config, snapshots: [], pool, cpuLoad: 0.1 + (vmid % 7) / 20, memLoad: 0.3 + (vmid % 5) / 10 };
}

export const qemuLifecycleHandlers: HandlerTable = {
  'POST /nodes/{node}/qemu': (ctx) => {
    const { sim, params } = ctx;
    const node = String(params.node);
    const vmid = Number(params.vmid);
    requirePriv(ctx, `/vms/${vmid}`, 'VM.Allocate');
    assertNewVmid(sim, vmid);
    const archive = str(params, 'archive');
    const pool = str(params, 'pool');
    if (pool && !sim.pools.has(pool)) throw new SimApiError(403, `Permission check failed (pool '${pool}' does not exist)`);
    const config: SimConfig = {};
    const skip = new Set(['node', 'vmid', 'archive', 'pool', 'start', 'storage', 'force', 'unique', 'bwlimit', 'live-restore']);
    for (const [k, v] of Object.entries(params)) if (!skip.has(k) && v !== undefined && v !== null) config[k] = /^(cores|sockets|onboot|protection|template)$/.test(k) ? Number(v) : String(v);
    for (const k of Object.keys(config)) if (/^net\d+$/.test(k)) config[k] = withMac(String(config[k]));
    if (config.tags) config.tags = String(config.tags).toLowerCase().split(/[;, ]+/).filter(Boolean).sort().join(';');
    if (archive) {
      const vol = sim.volumes.get(archive);
      if (!vol || vol.content !== 'backup') throw new SimApiError(500, `volume '${archive}' does not exist`);
      const src = vol.vmid !== undefined ? sim.vms.get(vol.vmid) : undefined;
      Object.assign(config, { name: src ? sim.nameOf(src) : `restored-${vmid}`, memory: '2048', cores: 2, scsi0: `${str(params, 'storage') ?? 'local-zfs'}:vm-${vmid}-disk-0,size=32G` }, config);
    } else {
      allocateDisks(sim, node, vmid, config);
    }
    const vm = newVm(node, vmid, config, pool);
    vm.config.lock = 'create';
    sim.vms.set(vmid, vm);
    sim.touch();
    const start = bool(params, 'start');
    return sim.startTask({
      node,
      type: archive ? 'qmrestore' : 'qmcreate',
      id: String(vmid),
      ...taskUser(ctx),
      vm,
      lock: 'create',
      finish: () => {
        if (start) {
          vm.state = 'running';
          vm.startedAt = nowSec();
        }
        sim.touch();
      },
    }).upid;
  },

  'POST /nodes/{node}/qemu/{vmid}/clone': (ctx) => {
    const { sim, params } = ctx;
    const src = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${src.vmid}`, 'VM.Clone');
    sim.assertUnlocked(src);
    const newid = Number(params.newid);
    if (sim.vms.has(newid)) throw new SimApiError(500, `unable to create VM ${newid}: config file already exists`);
    const isTemplate = !!src.config.template;
    const full = params.full === undefined ? !isTemplate : bool(params, 'full');
    const storage = str(params, 'storage');
    if (!full && storage) throw new SimApiError(500, "parameter 'storage' not allowed for linked clones");
    const targetNode = str(params, 'target') ?? src.node;
    if (!sim.nodes.has(targetNode)) throw new SimApiError(500, `no such cluster node '${targetNode}'`);
    if (targetNode !== src.node && diskStorages(src.config).some((s) => !sim.storages.get(s)?.shared)) {
      throw new SimApiError(500, `can't clone VM to node '${targetNode}' (VM uses local storage)`);
    }
    if (storage) checkStorageFor(sim, storage, targetNode, 'images');
    const pool = str(params, 'pool');
    if (pool && !sim.pools.has(pool)) throw new SimApiError(403, `Permission check failed (pool '${pool}' does not exist)`);
    const snapname = str(params, 'snapname');
    const base = snapname ? src.snapshots.find((s) => s.name === snapname)?.config : src.config;
    if (!base) throw new SimApiError(500, `snapshot '${snapname}' does not exist`);
    const config: SimConfig = { ...base, name: str(params, 'name') ?? `Copy-of-VM-${sim.nameOf(src)}` };
    delete config.template;
    delete config.lock;
    const desc = str(params, 'description');
    if (desc !== undefined) config.description = desc;
    for (const [k, v] of Object.entries(config)) {
      if (DISK_RE.test(k) && !/cloudinit|media=cdrom/.test(String(v))) {
        config[k] = String(v).replace(/^([^:]+):(?:base|vm)-\d+-disk-(\d+)/, (_m, st: string, d: string) => `${storage ?? st}:vm-${newid}-disk-${d}`);
      }
      if (/^net\d+$/.test(k)) config[k] = String(v).replace(/=([0-9A-F:]{17})/i, `=BC:24:11:${(newid % 256).toString(16).padStart(2, '0').toUpperCase()}:00:${k.slice(3).padStart(2, '0')}`);
    }
    const vm = newVm(targetNode, newid, config, pool);
    vm.config.lock = 'clone';
    sim.vms.set(newid, vm);
    sim.touch();
    return sim.startTask({ node: src.node, type: 'qmclone', id: String(src.vmid), ...taskUser(ctx), vm, lock: 'clone' }).upid;
  },

  'DELETE /nodes/{node}/qemu/{vmid}': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Allocate');
    sim.assertUnlocked(vm);
    if (Number(vm.config.protection) === 1) throw new SimApiError(500, `can't remove VM ${vm.vmid} - protection mode enabled`);
    return sim.startTask({
      node: vm.node,
      type: 'qmdestroy',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'destroyed',
      begin: () => {
        if (vm.state !== 'stopped') throw new SimTaskError(`VM ${vm.vmid} is running - destroy failed`);
      },
      finish: () => {
        sim.vms.delete(vm.vmid);
        sim.touch();
      },
    }).upid;
  },

  'GET /nodes/{node}/qemu/{vmid}/migrate': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    sim.assertUnlocked(vm);
    const locals = Object.entries(vm.config)
      .filter(([k, v]) => DISK_RE.test(k) && !sim.storages.get(String(v).split(':')[0])?.shared && !/cloudinit|media=cdrom/.test(String(v)))
      .map(([k, v]) => ({ drivename: k, volid: String(v).split(',')[0], size: 32 * 1024 ** 3, is_unused: 0, is_tpmstate: 0, is_vmstate: 0 }));
    const others = [...sim.nodes.keys()].filter((n) => n !== vm.node);
    const allowed = others.filter((n) => sim.isOnline(n));
    return {
      running: vm.state !== 'stopped' ? 1 : 0,
      allowed_nodes: allowed,
      not_allowed_nodes: Object.fromEntries(others.filter((n) => !allowed.includes(n)).map((n) => [n, { unavailable_storages: ['local-zfs'] }])),
      local_disks: locals,
      local_resources: [],
      'mapped-resources': [],
    };
  },

  'POST /nodes/{node}/qemu/{vmid}/migrate': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Migrate');
    const target = String(params.target);
    if (target === vm.node) throw new SimApiError(400, 'Parameter verification failed.', { target: 'target is local node.' });
    if (!sim.nodes.has(target)) throw new SimApiError(500, `no such cluster node '${target}'`);
    sim.assertUnlocked(vm);
    if (vm.state !== 'stopped' && !bool(params, 'online')) throw new SimApiError(500, `can't migrate running VM without --online`);
    const localDisks = diskStorages(vm.config).some((s) => !sim.storages.get(s)?.shared);
    if (localDisks && !bool(params, 'with-local-disks')) {
      throw new SimApiError(500, `can't migrate local disk '${diskStorages(vm.config)[0]}': local disks need --with-local-disks`);
    }
    const targetStorage = str(params, 'targetstorage');
    return sim.startTask({
      node: vm.node,
      type: 'qmigrate',
      id: String(vm.vmid),
      ...taskUser(ctx),
      vm,
      lock: 'migrate',
      begin: () => {
        if (!sim.isOnline(target)) throw new SimTaskError(`migration aborted: target node '${target}' is not online`);
      },
      finish: () => {
        vm.node = target;
        if (targetStorage) {
          for (const [k, v] of Object.entries(vm.config)) if (DISK_RE.test(k)) vm.config[k] = String(v).replace(/^[^:]+:/, `${targetStorage}:`);
        }
        sim.touch();
        return [`migration finished successfully`];
      },
    }).upid;
  },

  'PUT /nodes/{node}/qemu/{vmid}/resize': (ctx) => {
    const { sim, params } = ctx;
    const vm = sim.qemu(String(params.node), vmidOf(params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Config.Disk');
    const disk = String(params.disk);
    const size = String(params.size);
    if (params.digest !== undefined && params.digest !== sim.digest(vm.config)) throw new SimApiError(500, 'checksum mismatch (file change by other user?)');
    return sim.startTask({
      node: vm.node,
      type: 'resize',
      id: String(vm.vmid),
      ...taskUser(ctx),
      begin: () => {
        const lock = sim.lockOf(vm);
        if (lock) throw new SimTaskError(`VM is locked (${lock})`);
        if (vm.config[disk] === undefined) throw new SimTaskError(`disk '${disk}' does not exist`);
        if (/media=cdrom/.test(String(vm.config[disk]))) throw new SimTaskError("you can't resize a cdrom");
      },
      finish: () => {
        const cur = /size=(\d+)G/.exec(String(vm.config[disk]));
        const curG = cur ? Number(cur[1]) : 0;
        const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(size);
        if (!m) throw new SimTaskError(`invalid size '${size}'`);
        const mult: Record<string, number> = { K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 };
        const val = Number(m[2]) * (m[3] ? mult[m[3]] : 1 / 1024 ** 3);
        const next = Math.ceil(m[1] ? curG + val : val);
        if (next < curG) throw new SimTaskError('shrinking disks is not supported');
        vm.config[disk] = String(vm.config[disk]).replace(/size=\d+G/, `size=${next}G`);
        sim.touch();
      },
    }).upid;
  },
};

