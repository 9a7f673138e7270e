// POST /nodes/{node}/lxc: pct create from an OS template (task `vzcreate`) or pct restore from a container
// backup (`restore=1`, `ostemplate` = the archive; task `vzrestore`), as pve-container's create_vm does it.
// Synchronous: an id in use (unless restore + force onto a stopped, unprotected container of this node), a
// root or mount-point storage without `rootdir` content, a missing pool. In the worker: a template or archive
// that is not there, and a VM archive, which pct cannot read. Passwords and SSH keys never reach the config.
import { SimApiError, SimTaskError, configMissing, paramError } from '../api-error.js';
import type { SimConfig, SimVmRecord, SimVolumeRecord } from '../model.js';
import { bool, nowSec, requirePriv, str, taskUser, type HandlerContext, type HandlerTable } from './context.js';
import { archiveGuestType } from './qemu-restore.js';
import { volumePath } from './storage.js';

/** Parameters that steer the create and are not container options (or must never be stored: password, ssh-public-keys). */
const CONTROL = new Set(['node', 'vmid', 'ostemplate', 'restore', 'force', 'unique', 'storage', 'pool', 'start', 'bwlimit', 'ignore-unpack-errors', 'password', 'ssh-public-keys', 'ha-managed']);
const VOLUME_KEY = /^(rootfs|mp\d+)$/;
/** A new volume in PVE's `STORAGE:SIZE_IN_GiB` syntax (optionally as volume=…). */
const NEW_VOLUME = /^(?:volume=)?([a-zA-Z][-\w.]*):(\d+(?:\.\d+)?)(?=,|$)/;

const OSTYPES = ['debian', 'devuan', 'ubuntu', 'centos', 'fedora', 'opensuse', 'archlinux', 'alpine', 'gentoo', 'nixos'];

function ostypeOf(volid: string): string {
  const file = volid.slice(volid.lastIndexOf('/') + 1).toLowerCase();
  return OSTYPES.find((o) => file.startsWith(o)) ?? 'unmanaged';
}

function sizeGiBOf(value: string): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(value);
  if (!m) return 8;
  const factor: Record<string, number> = { '': 1 / 1024 ** 3, K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 };
  return Math.max(1, Math.ceil(Number(m[1]) * factor[m[2]]));
}

export const lxcCreateHandlers: HandlerTable = {
  'POST /nodes/{node}/lxc': (ctx: HandlerContext) => {
    const { sim, params } = ctx;
    const node = String(params.node);
    const vmid = Number(params.vmid);
    const restore = bool(params, 'restore');
    const force = bool(params, 'force');
    const ostemplate = String(params.ostemplate);
    const existing = sim.vms.get(vmid);
    if (existing && !(restore && force)) throw new SimApiError(500, `${existing.type === 'lxc' ? 'CT' : 'VM'} ${vmid} already exists on node '${existing.node}'`);
    if (existing) {
      if (existing.node !== node || existing.type !== 'lxc') throw configMissing(node, vmid, 'lxc');
      if (existing.state !== 'stopped') throw new SimApiError(500, "can't overwrite running container");
      if (Number(existing.config.protection) === 1) throw new SimApiError(500, `unable to restore CT ${vmid} - protection mode enabled`);
      sim.assertUnlocked(existing);
    }
    requirePriv(ctx, `/vms/${vmid}`, existing ? 'VM.Backup' : 'VM.Allocate');
    const pool = str(params, 'pool');
    if (pool && !sim.pools.has(pool)) throw new SimApiError(403, `Permission check failed (pool '${pool}' does not exist)`);
    const storage = str(params, 'storage') ?? 'local';
    if (!sim.storages.has(storage)) throw new SimApiError(500, `storage '${storage}' does not exist`);

    // The archive's config (a restore) is the base; options given override it, as pct restore does.
    const vol: SimVolumeRecord | undefined = sim.volumes.get(ostemplate);
    const visible = !!vol && (sim.storages.get(vol.storage)?.shared || vol.node === node);
    const fromArchive: SimConfig = restore && visible && vol?.config ? { ...vol.config } : {};
    delete fromArchive.lock;
    delete fromArchive.template;
    // pct create makes an unprivileged CT unless told otherwise (the schema: "For creation, the default is 1").
    const config: SimConfig = restore ? fromArchive : { arch: 'amd64', ostype: ostypeOf(ostemplate), hostname: `CT${vmid}`, memory: 512, swap: 512, cores: 1, unprivileged: 1 };
    for (const [k, v] of Object.entries(params)) {
      if (CONTROL.has(k) || v === undefined || v === null) continue;
      config[k] = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' ? v : String(v);
    }
    if (config.rootfs === undefined || (restore && params.rootfs === undefined)) {
      config.rootfs = `${storage}:${restore && fromArchive.rootfs !== undefined ? sizeGiBOf(String(fromArchive.rootfs)) : 4}`;
    }
    // Every new volume's storage must hold container directories (PVE checks this before it forks).
    let disk = 0;
    for (const [k, raw] of Object.entries(config)) {
      if (!VOLUME_KEY.test(k)) continue;
      const value = String(raw);
      const m = NEW_VOLUME.exec(value);
      if (!m) continue;
      const st = sim.storages.get(m[1]);
      if (!st) throw new SimApiError(500, `storage '${m[1]}' does not exist`);
      if (!st.content.includes('rootdir')) throw paramError({ storage: `storage '${m[1]}' does not support container directories` });
      const name = st.type === 'zfspool' ? `subvol-${vmid}-disk-${disk++}` : `vm-${vmid}-disk-${disk++}`;
      config[k] = [`${m[1]}:${name}`, ...value.slice(m[0].length).split(',').filter((p) => p && !p.startsWith('size=')), `size=${m[2]}G`].join(',');
    }
    for (const [k, raw] of Object.entries(config)) {
      if (!/^net\d+$/.test(k)) continue;
      const value = String(raw);
      if (!/(?:^|,)hwaddr=/.test(value) || (restore && bool(params, 'unique'))) config[k] = `${value.replace(/,?hwaddr=[^,]*/, '')},hwaddr=${sim.newMac()}`;
    }
    config.lock = 'create';
    const vm: SimVmRecord = { vmid, node, type: 'lxc', state: 'stopped', config, snapshots: [], pool, cpuLoad: 0.02 + (vmid % 5) / 50, memLoad: 0.2 + (vmid % 4) / 10 };
    sim.vms.set(vmid, vm);
    sim.touch();
    const start = bool(params, 'start');
    return sim.startTask({
      node,
      type: restore ? 'vzrestore' : 'vzcreate',
      id: String(vmid),
      ...taskUser(ctx),
      vm,
      lock: 'create',
      onError: () => {
        // A failed create leaves nothing behind; a failed overwrite leaves the old container, as its volumes are only freed on success.
        if (sim.vms.get(vmid) === vm) {
          if (existing) sim.vms.set(vmid, existing);
          else sim.vms.delete(vmid);
        }
        sim.touch();
      },
      work: async (w) => {
        if (!vol || !visible) throw new SimTaskError(`volume '${ostemplate}' does not exist`);
        if (restore && (vol.content !== 'backup' || archiveGuestType(vol) !== 'lxc')) {
          throw new SimTaskError(`unable to restore CT ${vmid} - archive '${ostemplate}' is not a container backup (tar: This does not look like a tar archive)`);
        }
        if (!restore && vol.content !== 'vztmpl' && vol.content !== 'backup') throw new SimTaskError(`volume '${ostemplate}' is not a container template`);
        const st = sim.storages.get(vol.storage);
        w.log(`extracting archive '${st ? volumePath(st, vol.volid) : ostemplate}'`);
        await w.sleep();
        w.log(`Total bytes read: ${vol.size} (${(vol.size / 1024 ** 2).toFixed(0)}MiB)`);
        if (restore) w.log('merging backed-up and given configuration..');
        else w.log(`Detected container architecture: ${String(config.arch ?? 'amd64')}`);
        if (bool(params, 'ha-managed')) {
          // PVE 9.1's ha-managed: the new CT becomes an HA resource, requested started when start was asked.
          sim.ha.resources.set(vmid, { vmid, state: start ? 'started' : 'stopped', maxRestart: 1, maxRelocate: 1, failback: true });
          w.log(`added CT ${vmid} as HA resource ct:${vmid}`);
        }
        if (start) {
          vm.state = 'running';
          vm.startedAt = nowSec();
          sim.touch();
        }
      },
    }).upid;
  },
};
