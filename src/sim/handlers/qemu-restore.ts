// POST /nodes/{node}/qemu with `archive`: qmrestore as qemu-server's create_vm does it. Synchronous: a drive
// option beside `archive` (400 "option conflicts with option 'archive'"), an archive this node cannot see, an
// id in use without `force`. In the worker (a task error, nothing changed): an overwrite onto a running,
// protected or locked VM, and a container archive, which only pct restores.
import { SimApiError, SimTaskError, configMissing, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimConfig, SimVmRecord, SimVolumeRecord } from '../model.js';
import { DRIVE_RE, configValue, isCdrom, isCloudinit } from '../vm-config.js';
import { bool, isRootUser, nowSec, requirePriv, str, taskUser, type HandlerContext } from './context.js';

/** Parameters of a restore that are not VM options. */
const RESTORE_CONTROL = new Set(['node', 'vmid', 'archive', 'pool', 'start', 'storage', 'force', 'unique', 'bwlimit', 'live-restore', 'import-working-storage']);

/** A backup archive `node` can read (any node for a shared storage), or PVE's "does not exist". */
export function backupArchive(sim: SimCluster, node: string, volid: string): SimVolumeRecord {
  const vol = sim.volumes.get(volid);
  const shared = !!vol && !!sim.storages.get(vol.storage)?.shared;
  if (!vol || vol.content !== 'backup' || (!shared && vol.node !== node)) throw new SimApiError(500, `volume '${volid}' does not exist`);
  return vol;
}

/** The guest type an archive holds: recorded at backup time, else read from its name (vzdump-lxc-…). */
export function archiveGuestType(vol: SimVolumeRecord): 'qemu' | 'lxc' {
  return vol.subtype ?? (/vzdump-lxc-|\/ct\//.test(vol.volid) ? 'lxc' : 'qemu');
}

const storageOf = (value: string): string => value.slice(0, value.indexOf(':'));

/** Each disk gets a volume of the new guest, on `storage` when given; cloud-init drives are made anew. */
function restoredDisks(config: SimConfig, vmid: number, storage: string | undefined): void {
  let n = 0;
  for (const [k, raw] of Object.entries(config)) {
    const v = String(raw);
    if (!DRIVE_RE.test(k) || isCdrom(v)) continue;
    if (isCloudinit(v)) config[k] = `${storage ?? storageOf(v)}:vm-${vmid}-cloudinit,media=cdrom`;
    else config[k] = [`${storage ?? storageOf(v)}:vm-${vmid}-disk-${n++}`, ...v.split(',').slice(1)].join(',');
  }
}

export function restoreQemu(ctx: HandlerContext): string {
  const { sim, params } = ctx;
  const node = String(params.node);
  const vmid = Number(params.vmid);
  const archive = String(params.archive);
  for (const k of Object.keys(params)) if (DRIVE_RE.test(k)) throw paramError({ [k]: "option conflicts with option 'archive'" });
  const force = bool(params, 'force');
  const existing = sim.vms.get(vmid);
  // Without force an id in use is refused at once; with force only a VM on this node may be overwritten.
  if (existing && !force) throw new SimApiError(500, `unable to restore VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
  if (existing && (existing.node !== node || existing.type !== 'qemu')) throw new SimApiError(500, `unable to restore VM ${vmid} - ${configMissing(node, vmid).message}`);
  requirePriv(ctx, `/vms/${vmid}`, existing ? 'VM.Backup' : 'VM.Allocate');
  const pool = str(params, 'pool');
  if (pool && !sim.pools.has(pool)) throw new SimApiError(403, `Permission check failed (pool '${pool}' does not exist)`);
  const storage = str(params, 'storage');
  if (storage && !sim.storage(storage).content.includes('images')) throw paramError({ storage: `storage '${storage}' does not support vm images` });
  const vol = backupArchive(sim, node, archive);

  const fromArchive = vol.config ?? { name: `restored-${vmid}`, memory: '2048', cores: 2, scsi0: `local-zfs:vm-${vmid}-disk-0,size=32G` };
  const { lock: _lock, template: _template, ...restored } = fromArchive;
  const config: SimConfig = { ...restored };
  restoredDisks(config, vmid, storage);
  if (bool(params, 'unique')) {
    for (const [k, v] of Object.entries(config)) if (/^net\d+$/.test(k)) config[k] = String(v).replace(/^([a-z0-9-_]+)=[0-9A-Fa-f:]{17}/, (_m, model: string) => `${model}=${sim.newMac()}`);
  }
  // Options given with a restore override the archive's values, as qmrestore does.
  for (const [k, v] of Object.entries(params)) {
    if (RESTORE_CONTROL.has(k) || v === undefined || v === null) continue;
    config[k] = configValue(sim, node, vmid, k, v, config, isRootUser(ctx));
  }
  config.lock = 'create';
  const vm: SimVmRecord = { vmid, node, type: 'qemu', state: 'stopped', config, snapshots: [], pool, cpuLoad: 0.05 + (vmid % 7) / 20, memLoad: 0.3 + (vmid % 5) / 10 };
  // A new id is taken at once (a second create of it is refused); an overwrite replaces the VM only once the worker's checks pass.
  if (!existing) {
    sim.vms.set(vmid, vm);
    sim.touch();
  }
  const start = bool(params, 'start');
  return sim.startTask({
    node,
    type: 'qmrestore',
    id: String(vmid),
    ...taskUser(ctx),
    begin: () => {
      if (existing) {
        const why = `unable to restore VM ${vmid} -`;
        if (Number(existing.config.protection) === 1) throw new SimTaskError(`${why} protection mode enabled`);
        if (existing.state !== 'stopped') throw new SimTaskError(`${why} VM is running`);
        const lock = sim.lockOf(existing);
        if (lock) throw new SimTaskError(`VM is locked (${lock})`);
        sim.vms.set(vmid, vm);
        sim.touch();
      }
    },
    vm,
    lock: 'create',
    onError: () => {
      if (sim.vms.get(vmid) === vm) sim.vms.delete(vmid);
      sim.touch();
    },
    work: async (w) => {
      // qmrestore reads a VM archive (vma, or a PBS vm snapshot); a container's tar has no qemu-server.conf.
      if (archiveGuestType(vol) === 'lxc') throw new SimTaskError(`unable to restore VM ${vmid} - archive '${archive}' is a container backup: restore it with pct (POST /nodes/${node}/lxc)`);
      w.log(`restore vma archive: zstd -q -d -c ${archive} | vma extract -v -r /var/tmp/vzdumptmp.fifo - /var/tmp/vzdumptmp`);
      await w.sleep();
      w.log('rescan volumes...');
      if (start) {
        vm.state = 'running';
        vm.startedAt = nowSec();
        sim.touch();
      }
    },
  }).upid;
}
