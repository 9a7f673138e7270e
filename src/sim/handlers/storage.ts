// /storage, node storages and content (list, delete, notes/protected), vzdump, download-url.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimVolumeRecord } from '../model.js';
import { splitList } from '../schema/validate.js';
import { bool, int, requirePriv, str, taskUser, type HandlerTable } from './context.js';

const nowSec = () => Math.floor(Date.now() / 1000);

function volumesOn(sim: SimCluster, node: string, storage: string): SimVolumeRecord[] {
  const s = sim.storages.get(storage);
  return [...sim.volumes.values()].filter((v) => v.storage === storage && (s?.shared || v.node === node));
}

function volumeView(v: SimVolumeRecord): Record<string, unknown> {
  return {
    volid: v.volid,
    content: v.content,
    format: v.format,
    size: v.size,
    ctime: v.ctime,
    ...(v.vmid !== undefined ? { vmid: v.vmid } : {}),
    ...(v.notes !== undefined ? { notes: v.notes } : {}),
    ...(v.content === 'backup' ? { protected: v.protected ? 1 : 0, subtype: 'qemu' } : {}),
  };
}

function findVolume(sim: SimCluster, storage: string, volume: string): SimVolumeRecord {
  const volid = volume.includes(':') ? volume : `${storage}:${volume}`;
  const v = sim.volumes.get(volid);
  if (!v || v.storage !== storage) throw new SimApiError(500, `volume '${volid}' does not exist`);
  return v;
}

export const storageHandlers: HandlerTable = {
  'GET /storage': ({ sim }) =>
    [...sim.storages.values()].map((s) => ({ storage: s.storage, type: s.type, content: s.content.join(','), shared: s.shared ? 1 : 0, digest: sim.digest({ s: s.storage }) })),

  'GET /nodes/{node}/storage': ({ sim, params }) => {
    const node = String(params.node);
    sim.node(node);
    const content = str(params, 'content');
    const only = str(params, 'storage');
    if (only && !sim.storages.has(only)) throw new SimApiError(400, 'Parameter verification failed.', { storage: 'No such storage.' });
    return [...sim.storages.values()]
      .filter((s) => (!only || s.storage === only) && (!content || splitList(content).some((c) => s.content.includes(c))))
      .map((s) => {
        const used = volumesOn(sim, node, s.storage).reduce((a, v) => a + v.size, 0);
        return { storage: s.storage, type: s.type, content: s.content.join(','), shared: s.shared ? 1 : 0, enabled: 1, active: 1, total: s.total, used, avail: s.total - used, used_fraction: used / s.total };
      });
  },

  'GET /nodes/{node}/storage/{storage}/content': ({ sim, params }) => {
    const node = String(params.node);
    const storage = String(params.storage);
    sim.storage(storage);
    const content = str(params, 'content');
    const vmid = int(params, 'vmid');
    return volumesOn(sim, node, storage)
      .filter((v) => (!content || v.content === content) && (vmid === undefined || v.vmid === vmid))
      .map(volumeView);
  },

  'GET /nodes/{node}/storage/{storage}/content/{volume}': ({ sim, params }) => {
    const v = findVolume(sim, String(params.storage), String(params.volume));
    return { path: `/mnt/pve/${v.storage}/${v.volid.split(':')[1]}`, size: v.size, used: v.size, format: v.format, ...(v.notes !== undefined ? { notes: v.notes } : {}), protected: v.protected ? 1 : 0 };
  },

  'PUT /nodes/{node}/storage/{storage}/content/{volume}': (ctx) => {
    requirePriv(ctx, `/storage/${String(ctx.params.storage)}`, 'Datastore.Allocate');
    const v = findVolume(ctx.sim, String(ctx.params.storage), String(ctx.params.volume));
    const notes = str(ctx.params, 'notes');
    if (notes !== undefined) v.notes = notes;
    if (ctx.params.protected !== undefined) v.protected = bool(ctx.params, 'protected');
    ctx.sim.touch();
    return null;
  },

  'DELETE /nodes/{node}/storage/{storage}/content/{volume}': (ctx) => {
    requirePriv(ctx, `/storage/${String(ctx.params.storage)}`, 'Datastore.Allocate');
    const v = findVolume(ctx.sim, String(ctx.params.storage), String(ctx.params.volume));
    if (v.protected) throw new SimApiError(500, `cannot remove protected volume '${v.volid}'`);
    return ctx.sim.startTask({
      node: String(ctx.params.node),
      type: 'imgdel',
      id: v.vmid !== undefined ? `${v.vmid}@${v.storage}` : v.storage,
      ...taskUser(ctx),
      finish: () => {
        ctx.sim.volumes.delete(v.volid);
        ctx.sim.touch();
      },
    }).upid;
  },

  'POST /nodes/{node}/vzdump': (ctx) => {
    const { sim, params } = ctx;
    const node = String(params.node);
    requirePriv(ctx, '/', 'VM.Backup');
    const storage = str(params, 'storage') ?? 'local';
    const st = sim.storage(storage);
    if (!st.content.includes('backup')) throw new SimApiError(500, `storage '${storage}' does not support backups`);
    const ids = params.all ? [...sim.vms.values()].filter((v) => v.node === node).map((v) => v.vmid) : splitList(str(params, 'vmid') ?? '').map(Number);
    const local = ids.map((id) => sim.vms.get(id)).filter((v): v is NonNullable<typeof v> => !!v && v.node === node);
    const compress = str(params, 'compress') ?? 'zstd';
    const ext = compress === '0' ? 'vma' : `vma.${compress === 'gzip' ? 'gz' : compress === 'lzo' ? 'lzo' : 'zst'}`;
    const notesTemplate = str(params, 'notes-template');
    const protect = bool(params, 'protected');
    const vm = local.length === 1 ? local[0] : undefined;
    return sim.startTask({
      node,
      type: 'vzdump',
      id: local.length === 1 ? String(local[0].vmid) : '',
      ...taskUser(ctx),
      durationMs: sim.faults.taskDurationMs * Math.max(1, local.length),
      vm,
      lock: vm ? 'backup' : undefined,
      begin: () => {
        if (vm) {
          const lock = sim.lockOf(vm);
          if (lock) throw new SimTaskError(`VM is locked (${lock})`);
        }
      },
      finish: () => {
        const lines: string[] = [];
        let failed = 0;
        for (const g of local) {
          lines.push(`INFO: Starting Backup of VM ${g.vmid} (${g.type})`);
          if (!sim.vms.has(g.vmid)) {
            failed++;
            lines.push(`ERROR: Backup of VM ${g.vmid} failed - unable to find VM '${g.vmid}'`);
            continue;
          }
          const d = new Date();
          const stamp = `${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}_${String(d.getUTCDate()).padStart(2, '0')}-${String(d.getUTCHours()).padStart(2, '0')}_${String(d.getUTCMinutes()).padStart(2, '0')}_${String(d.getUTCSeconds()).padStart(2, '0')}`;
          let volid = `${storage}:backup/vzdump-${g.type}-${g.vmid}-${stamp}.${ext}`;
          for (let i = 1; sim.volumes.has(volid); i++) volid = `${storage}:backup/vzdump-${g.type}-${g.vmid}-${stamp}-${i}.${ext}`;
          const notes = notesTemplate?.replace(/\{\{guestname\}\}/g, sim.nameOf(g)).replace(/\{\{vmid\}\}/g, String(g.vmid)).replace(/\{\{node\}\}/g, node).replace(/\{\{cluster\}\}/g, 'moxxie-sim');
          sim.volumes.set(volid, { volid, storage, node: st.shared ? undefined : node, content: 'backup', format: ext, size: 2 * 1024 ** 3, ctime: nowSec(), vmid: g.vmid, notes, protected: protect });
          lines.push(`INFO: Finished Backup of VM ${g.vmid}`);
        }
        sim.touch();
        if (failed) throw new SimTaskError('job errors');
        return lines;
      },
    }).upid;
  },

  'POST /nodes/{node}/storage/{storage}/download-url': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, `/storage/${String(params.storage)}`, 'Datastore.AllocateTemplate');
    const storage = String(params.storage);
    const st = sim.storage(storage);
    const content = String(params.content);
    if (!st.content.includes(content)) throw new SimApiError(500, `storage '${storage}' does not support content-type '${content}'`);
    const filename = String(params.filename);
    const volid = `${storage}:${content}/${filename}`;
    return sim.startTask({
      node: String(params.node),
      type: 'download',
      id: filename.replace(/[^A-Za-z0-9._-]/g, ''),
      ...taskUser(ctx),
      finish: () => {
        sim.volumes.set(volid, { volid, storage, node: st.shared ? undefined : String(params.node), content, format: filename.split('.').pop() ?? 'raw', size: 512 * 1024 ** 2, ctime: nowSec() });
        sim.touch();
        return [`downloading ${String(params.url)} to ${volid}`];
      },
    }).upid;
  },

  'GET /pools': ({ sim }) => [...sim.pools.values()].map((p) => ({ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}) })),

  'GET /pools/{poolid}': ({ sim, params }) => {
    const id = String(params.poolid);
    const p = sim.pools.get(id);
    if (!p) throw new SimApiError(500, `pool '${id}' does not exist`);
    const members = [...sim.vms.values()].filter((v) => v.pool === id).map((v) => ({ id: `${v.type}/${v.vmid}`, vmid: v.vmid, node: v.node, type: v.type, status: v.state, name: sim.nameOf(v) }));
    return { ...(p.comment ? { comment: p.comment } : {}), members };
  },

  'POST /pools': (ctx) => {
    requirePriv(ctx, '/pool', 'Pool.Allocate');
    const id = String(ctx.params.poolid);
    if (ctx.sim.pools.has(id)) throw new SimApiError(500, `pool '${id}' already exists`);
    ctx.sim.pools.set(id, { poolid: id, comment: str(ctx.params, 'comment') });
    ctx.sim.touch();
    return null;
  },
};
