// GET/DELETE /nodes/{node}/storage/{storage}/prunebackups (pve-storage API2/Storage/PruneBackups.pm) and
// GET /nodes/{node}/time (the zone prune periods are counted in). GET previews the marks; DELETE starts a
// 'prunebackups' task that removes the 'remove' ones, logging each, as Plugin.pm's prune_backups does.
import { SimApiError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import { archiveKind, markBackups, parseRetention } from '../prune.js';
import { int, nowSec, requirePriv, str, taskUser, type HandlerContext, type HandlerTable } from './context.js';

/** What the storage config says when the request names no retention (the simulator's storages: keep-all=1). */
const STORAGE_RETENTION = 'keep-all=1';

interface PruneEntry {
  volid: string;
  ctime: number;
  mark: string;
  type: string;
  vmid?: number;
}

function pruneList(sim: SimCluster, ctx: HandlerContext): PruneEntry[] {
  const { params } = ctx;
  const node = String(params.node);
  const s = sim.storage(String(params.storage));
  if (!s.content.includes('backup')) throw new SimApiError(500, `storage '${s.storage}' does not support backups`);
  const vmid = int(params, 'vmid');
  const type = str(params, 'type');
  const retention = parseRetention(str(params, 'prune-backups') ?? STORAGE_RETENTION);
  const volumes = sim
    .volumesOn(node, s.storage)
    .filter((v) => v.content === 'backup' && (vmid === undefined || v.vmid === vmid))
    .filter((v) => type === undefined || archiveKind(v.volid).type === type);
  const marks = markBackups(volumes, retention);
  return volumes.map((v) => {
    const kind = archiveKind(v.volid);
    const entry: PruneEntry = { volid: v.volid, ctime: v.ctime, mark: marks.get(v.volid) ?? 'keep', type: kind.type };
    const id = kind.vmid ?? v.vmid;
    if (id !== undefined) entry.vmid = id;
    return entry;
  });
}

export const pruneBackupsHandlers: HandlerTable = {
  'GET /nodes/{node}/time': () => {
    const time = nowSec();
    return { time, localtime: time, timezone: 'UTC' };
  },

  'GET /nodes/{node}/storage/{storage}/prunebackups': (ctx) => pruneList(ctx.sim, ctx),

  'DELETE /nodes/{node}/storage/{storage}/prunebackups': (ctx) => {
    const { sim, params } = ctx;
    const storage = String(params.storage);
    const vmid = int(params, 'vmid');
    requirePriv(ctx, vmid === undefined ? `/storage/${storage}` : `/vms/${vmid}`, vmid === undefined ? 'Datastore.Allocate' : 'VM.Backup');
    // PVE computes the list inside the worker; a storage without backups fails the task, not the call.
    return sim.startTask({
      node: String(params.node),
      type: 'prunebackups',
      id: `${vmid !== undefined ? `${vmid}@` : ''}${storage}`,
      ...taskUser(ctx),
      work: async (w) => {
        await w.sleep();
        const list = pruneList(sim, ctx);
        for (const entry of list) {
          if (entry.mark !== 'remove') continue;
          w.log(`removing backup '${entry.volid}'`);
          sim.volumes.delete(entry.volid);
        }
        sim.touch();
      },
    }).upid;
  },
};
