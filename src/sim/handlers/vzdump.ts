// POST /nodes/{node}/vzdump: backs up the node's guests one after another into a storage's content, with
// notes, protection and pruning; one vzdump per node at a time, as PVE's global lock does.
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimStorageRecord, SimVmRecord } from '../model.js';
import { markBackups, parseRetention } from '../prune.js';
import type { TaskWorker } from '../task-engine.js';
import { splitList } from '../schema/formats.js';
import { bool, nowSec, requirePriv, rootOnly, str, taskUser, type HandlerTable } from './context.js';
import { volumePath } from './storage.js';

const GiB = 1024 ** 3;

function stampOf(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}-${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}`;
}

const hms = (seconds: number): string => [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');

/** Expands a notes template; PVE knows {{cluster}}, {{guestname}}, {{node}}, {{vmid}} and the escapes \n and \\. */
function renderNotes(template: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\') {
      const next = template[i + 1];
      if (next === 'n') out += '\n';
      else if (next === '\\') out += '\\';
      else throw new Error(`found unknown: escape sequence '\\${next ?? ''}' at char ${i}`);
      i++;
    } else if (template.startsWith('{{', i)) {
      const end = template.indexOf('}}', i);
      const name = end < 0 ? template.slice(i + 2) : template.slice(i + 2, end);
      if (end < 0 || vars[name] === undefined) throw new Error(`found unknown: variable '${name}' at char ${i}`);
      out += vars[name];
      i = end + 1;
    } else out += c;
  }
  return out;
}

function selectGuests(sim: SimCluster, node: string, params: Record<string, unknown>): { local: number[]; orphaned: number[] } {
  const local: number[] = [];
  const orphaned: number[] = [];
  const exclude = new Set(splitList(String(params.exclude ?? '')).map(Number));
  if (params.all === '1' || params.all === true || params.all === 1 || params.exclude !== undefined) {
    for (const vm of sim.vms.values()) if (vm.node === node && !exclude.has(vm.vmid)) local.push(vm.vmid);
  } else if (params.pool !== undefined) {
    const pool = String(params.pool);
    if (!sim.pools.has(pool)) throw new SimApiError(500, `pool '${pool}' does not exist`);
    for (const vm of sim.vms.values()) if (vm.pool === pool && vm.node === node) local.push(vm.vmid);
  } else {
    for (const id of splitList(String(params.vmid ?? '')).map(Number)) {
      const vm = sim.vms.get(id);
      if (!vm) orphaned.push(id);
      else if (vm.node === node) local.push(id);
    }
  }
  return { local: local.sort((a, b) => a - b), orphaned };
}

export const vzdumpHandlers: HandlerTable = {
  'POST /nodes/{node}/vzdump': (ctx) => {
    const { sim, params } = ctx;
    const node = String(params.node);
    requirePriv(ctx, '/', 'VM.Backup');
    for (const p of ['all', 'exclude', 'pool']) if (params[p] !== undefined && params.vmid !== undefined && (p !== 'all' || bool(params, 'all'))) throw paramError({ [p]: "option conflicts with option 'vmid'" });
    if (params.vmid === undefined && !bool(params, 'all') && params.exclude === undefined && params.pool === undefined && !bool(params, 'stop')) {
      throw paramError({ vmid: 'property is missing' });
    }
    rootOnly(ctx, 'tmpdir', 'dumpdir', 'script', 'job-id');
    const storageId = str(params, 'storage') ?? 'local';
    // A storage that is missing or holds no backups fails the task, not the request: PVE::VZDump->new collects it as a job error.
    const st = sim.storages.get(storageId);
    const storageProblem = !st
      ? `could not get storage information for '${storageId}': storage '${storageId}' does not exist`
      : !st.content.includes('backup')
        ? `could not get storage information for '${storageId}': can't use storage '${storageId}' for backups - wrong content type`
        : undefined;
    const { local, orphaned } = selectGuests(sim, node, params);
    // Quirk kept from PVE: nothing local to back up answers "OK" and starts no task.
    if (!local.length && !orphaned.length && !bool(params, 'all')) return 'OK';
    const ids = [...local, ...orphaned];
    const compress = str(params, 'compress') ?? '0';
    const zext = compress === '0' ? '' : compress === 'gzip' ? '.gz' : compress === 'zstd' ? '.zst' : '.lzo';
    const notesTemplate = str(params, 'notes-template');
    // The template is checked before any task starts: an unknown variable or escape is a 400 naming it.
    if (notesTemplate !== undefined) {
      try {
        renderNotes(notesTemplate, { cluster: '', guestname: '', node: '', vmid: '' });
      } catch (err) {
        throw paramError({ 'notes-template': (err as Error).message });
      }
    }
    const protect = bool(params, 'protected');
    const remove = params.remove === undefined || bool(params, 'remove');
    const retention = parseRetention(str(params, 'prune-backups'));
    const mode = str(params, 'mode') ?? 'snapshot';
    const commandLine = `vzdump ${ids.join(' ')} --storage ${storageId} --mode ${mode}${compress !== '0' ? ` --compress ${compress}` : ''}${notesTemplate ? ` --notes-template '${notesTemplate}'` : ''}`;

    return sim.startTask({
      node,
      type: 'vzdump',
      id: ids.length === 1 ? String(ids[0]) : '',
      ...taskUser(ctx),
      work: async (w) => {
        await w.exclusive(
          `vzdump:${node}`,
          () => w.log('INFO: trying to get global lock - waiting...'),
          async () => {
            w.log(`INFO: starting new backup job: ${commandLine}`);
            if (storageProblem || !st) throw new SimTaskError(storageProblem ?? `storage '${storageId}' does not exist`);
            let failed = 0;
            for (const id of ids) {
              const vm = sim.vms.get(id);
              const type = vm?.type ?? 'qemu';
              w.log(`INFO: Starting Backup of VM ${id} (${type})`);
              const began = nowSec();
              w.log(`INFO: Backup started at ${new Date().toISOString().replace('T', ' ').slice(0, 19)}`);
              const error = await backupOne(sim, w, vm, id, node, st);
              if (error) {
                failed++;
                w.log(`ERROR: Backup of VM ${id} failed - ${error}`);
                continue;
              }
              w.log(`INFO: Finished Backup of VM ${id} (${hms(Math.max(1, nowSec() - began))})`);
            }
            if (failed) throw new Error('job errors');
            w.log('INFO: Backup job finished successfully');
          },
        );
      },
    }).upid;

    async function backupOne(sim: SimCluster, w: TaskWorker, vm: SimVmRecord | undefined, id: number, node: string, st: SimStorageRecord): Promise<string | undefined> {
      if (!vm || vm.node !== node) return `unable to find configuration file for VM ${id} on node '${node}'`;
      const lock = sim.lockOf(vm);
      if (lock) return `VM is locked (${lock})`;
      let notes: string | undefined;
      if (notesTemplate) {
        try {
          notes = renderNotes(notesTemplate, { cluster: sim.clusterName, guestname: sim.nameOf(vm), node, vmid: String(vm.vmid) });
        } catch (err) {
          return (err as Error).message;
        }
      }
      if (protect && st.maxProtectedBackups !== undefined && st.maxProtectedBackups >= 0) {
        const count = [...sim.volumes.values()].filter((v) => v.storage === st.storage && v.vmid === vm.vmid && v.protected).length;
        if (count >= st.maxProtectedBackups) return `The number of protected backups per guest is limited to ${st.maxProtectedBackups} on storage '${st.storage}'`;
      }
      w.lock(vm, 'backup');
      if (mode === 'stop' && vm.state !== 'stopped') w.log('INFO: stopping virtual guest');
      if (mode === 'suspend' && vm.state === 'running') w.log('INFO: suspending guest');
      const format = vm.type === 'lxc' ? `tar${zext}` : `vma${zext}`;
      let ctime = nowSec();
      let volid = `${st.storage}:backup/vzdump-${vm.type}-${vm.vmid}-${stampOf(ctime)}.${format}`;
      // Two backups of one guest in the same second would share a name; real ones take longer than that.
      while (sim.volumes.has(volid)) volid = `${st.storage}:backup/vzdump-${vm.type}-${vm.vmid}-${stampOf(++ctime)}.${format}`;
      w.log(`INFO: creating vzdump archive '${volumePath(st, volid)}'`);
      await w.sleep();
      const { lock: _lock, ...config } = vm.config;
      const size = Math.round((1 + (vm.vmid % 7) * 0.5) * GiB);
      sim.volumes.set(volid, { volid, storage: st.storage, node: st.shared ? undefined : node, content: 'backup', format, size, ctime, vmid: vm.vmid, notes, protected: protect || undefined, config, subtype: vm.type });
      w.log(`INFO: archive file size: ${(size / GiB).toFixed(2)}GB`);
      if (notes !== undefined) w.log('INFO: adding notes to backup');
      if (protect) w.log('INFO: marking backup as protected');
      w.unlock(vm);
      if (mode === 'stop' && vm.state !== 'stopped') w.log('INFO: restarting vm');
      if (mode === 'suspend' && vm.state === 'running') w.log('INFO: resuming vm');
      if (remove && retention !== 'all') {
        w.log(`INFO: prune older backups with retention: ${str(params, 'prune-backups')}`);
        const group = [...sim.volumes.values()].filter((v) => v.storage === st.storage && v.content === 'backup' && v.vmid === vm.vmid && (st.shared || v.node === node));
        const marks = markBackups(group, retention);
        let pruned = 0;
        for (const [victim, mark] of marks) {
          if (mark !== 'remove') continue;
          sim.volumes.delete(victim);
          w.log(`INFO: removing backup '${victim}'`);
          pruned++;
        }
        w.log(`INFO: pruned ${pruned} backup(s)${pruned ? '' : ' not covered by keep-retention policy'}`);
      }
      sim.touch();
      return undefined;
    }
  },
};
