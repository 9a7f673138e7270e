// /storage, node storages, storage content (list, details, notes/protected, delete) and download-url.
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimStorageRecord, SimVolumeRecord } from '../model.js';
import { splitList } from '../schema/formats.js';
import { DRIVE_RE, driveSize, isCdrom, volidOf } from '../vm-config.js';
import { awaitBriefly, bool, int, nowSec, requirePriv, str, taskUser, type HandlerContext, type HandlerTable } from './context.js';
import { storageUsage } from './resources.js';

const SUBDIRS: Record<string, string> = { backup: 'dump', iso: 'template/iso', vztmpl: 'template/cache', import: 'import', snippets: 'snippets' };

/** Where a storage keeps its files on a node, as PVE paths them. */
export function storagePath(s: SimStorageRecord): string {
  return s.path ?? (s.storage === 'local' ? '/var/lib/vz' : `/mnt/pve/${s.storage}`);
}

export function volumePath(s: SimStorageRecord, volid: string): string {
  const volname = volid.slice(volid.indexOf(':') + 1);
  const slash = volname.indexOf('/');
  const content = volname.slice(0, slash);
  return `${storagePath(s)}/${SUBDIRS[content] ?? content}/${volname.slice(slash + 1)}`;
}

/** VM disk volumes, which the simulator keeps in the VM configs rather than as separate records. */
function imageVolumes(sim: SimCluster, node: string, s: SimStorageRecord): SimVolumeRecord[] {
  const out: SimVolumeRecord[] = [];
  if (!s.content.includes('images') && !s.content.includes('rootdir')) return out;
  for (const vm of sim.vms.values()) {
    if (!s.shared && vm.node !== node) continue;
    for (const [k, raw] of Object.entries(vm.config)) {
      const v = String(raw);
      if ((!DRIVE_RE.test(k) && !/^unused\d+$/.test(k) && k !== 'rootfs') || isCdrom(v) || !v.startsWith(`${s.storage}:`)) continue;
      const volid = volidOf(v);
      if (volid.includes('/') || sim.removedImages.has(volid)) continue; // linked-clone child volumes are listed by their own name only on real storage
      const content = vm.type === 'lxc' ? 'rootdir' : 'images';
      out.push({ volid, storage: s.storage, node: s.shared ? undefined : node, content, format: volid.includes('subvol-') ? 'subvol' : 'raw', size: driveSize(v), ctime: 0, vmid: vm.vmid });
    }
  }
  return out;
}

function volumeView(v: SimVolumeRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { volid: v.volid, content: v.content, format: v.format, size: v.size };
  if (v.ctime) out.ctime = v.ctime;
  if (v.vmid !== undefined) out.vmid = v.vmid;
  if (v.content === 'backup') out.subtype = v.subtype ?? 'qemu';
  if (v.notes) out.notes = v.notes.split('\n')[0];
  if (v.protected) out.protected = 1;
  if (v.content === 'images' || v.content === 'rootdir') out.used = v.size;
  return out;
}

/** `{volume}` may be a full volid or the part after `storage:`. */
function volidFor(storage: string, volume: string): string {
  const colon = volume.indexOf(':');
  if (colon < 0) return `${storage}:${volume}`;
  const given = volume.slice(0, colon);
  if (given !== storage) throw paramError({ volume: `storage ID mismatch (${given} != ${storage})\n` });
  return volume;
}

function findVolume(sim: SimCluster, node: string, storage: string, volume: string): SimVolumeRecord {
  const volid = volidFor(storage, volume);
  const v = sim.volumes.get(volid);
  const s = sim.storage(storage);
  if (!v || (!s.shared && v.node !== node)) throw new SimApiError(500, `volume '${volid}' does not exist`);
  return v;
}

function storageStatus(sim: SimCluster, node: string, s: SimStorageRecord, used: Map<string, number>): Record<string, unknown> {
  const bytes = used.get(s.shared ? s.storage : `${node}/${s.storage}`) ?? 0;
  return {
    storage: s.storage,
    type: s.type,
    content: s.content.join(','),
    shared: s.shared ? 1 : 0,
    enabled: 1,
    active: 1,
    total: s.total,
    used: bytes,
    avail: s.total - bytes,
    used_fraction: Math.round((bytes / s.total) * 10000) / 10000,
  };
}

/** PVE::Tools::encode_text: task ids must not contain ':', '/' or whitespace. */
export function encodeTaskId(text: string): string {
  return text.replace(/[^-_.a-zA-Z0-9]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function nodeOf(ctx: HandlerContext): string {
  return String(ctx.params.node);
}

export const storageHandlers: HandlerTable = {
  'GET /storage': ({ sim, params }) => {
    const type = str(params, 'type');
    return [...sim.storages.values()]
      .filter((s) => !type || s.type === type)
      .map((s) => ({
        storage: s.storage,
        type: s.type,
        content: s.content.join(','),
        ...(s.shared ? { shared: 1 } : {}),
        ...(s.type === 'nfs' ? { server: '10.0.0.5', export: `/export/${s.storage}`, path: storagePath(s) } : s.type === 'dir' ? { path: storagePath(s) } : { pool: 'rpool/data', sparse: 1 }),
        ...(s.content.includes('backup') ? { 'prune-backups': 'keep-all=1' } : {}),
        digest: sim.digest({ storage: s.storage, type: s.type, content: s.content.join(',') }),
      }));
  },

  'GET /storage/{storage}': ({ sim, params }) => {
    const s = sim.storage(String(params.storage));
    return { storage: s.storage, type: s.type, content: s.content.join(','), ...(s.shared ? { shared: 1 } : {}), digest: sim.digest({ storage: s.storage }) };
  },

  'GET /nodes/{node}/storage': (ctx) => {
    const { sim, params } = ctx;
    const node = nodeOf(ctx);
    const content = str(params, 'content');
    const only = str(params, 'storage');
    const target = str(params, 'target');
    if (only && !sim.storages.has(only)) throw paramError({ storage: 'No such storage.' });
    if (target && !sim.nodes.has(target)) throw new SimApiError(500, `no such cluster node '${target}'`);
    const used = storageUsage(sim);
    return [...sim.storages.values()]
      .filter((s) => (!only || s.storage === only) && (!content || splitList(content).some((c) => s.content.includes(c))))
      .map((s) => storageStatus(sim, node, s, used));
  },

  'GET /nodes/{node}/storage/{storage}': ({ sim, params }) => {
    sim.storage(String(params.storage));
    return ['content', 'download-url', 'file-restore', 'prunebackups', 'rrd', 'rrddata', 'status', 'upload'].map((subdir) => ({ subdir }));
  },

  'GET /nodes/{node}/storage/{storage}/status': (ctx) => {
    const s = ctx.sim.storage(String(ctx.params.storage));
    return storageStatus(ctx.sim, nodeOf(ctx), s, storageUsage(ctx.sim));
  },

  'GET /nodes/{node}/storage/{storage}/content': (ctx) => {
    const { sim, params } = ctx;
    const node = nodeOf(ctx);
    const s = sim.storage(String(params.storage));
    const content = str(params, 'content');
    const vmid = int(params, 'vmid');
    if (content && !s.content.includes(content)) return [];
    return [...sim.volumesOn(node, s.storage), ...imageVolumes(sim, node, s)]
      .filter((v) => (!content || v.content === content) && (vmid === undefined || v.vmid === vmid))
      .map(volumeView);
  },

  'GET /nodes/{node}/storage/{storage}/content/{volume}': (ctx) => {
    const s = ctx.sim.storage(String(ctx.params.storage));
    const v = findVolume(ctx.sim, nodeOf(ctx), s.storage, String(ctx.params.volume));
    return { path: volumePath(s, v.volid), size: v.size, used: v.size, format: v.format, ...(v.notes ? { notes: v.notes } : {}), protected: v.protected ? 1 : 0 };
  },

  'PUT /nodes/{node}/storage/{storage}/content/{volume}': (ctx) => {
    requirePriv(ctx, `/storage/${String(ctx.params.storage)}`, 'Datastore.Allocate');
    const v = findVolume(ctx.sim, nodeOf(ctx), String(ctx.params.storage), String(ctx.params.volume));
    const notes = str(ctx.params, 'notes');
    // Only backups can be protected; notes may be set on any volume. Checked before anything changes.
    if (ctx.params.protected !== undefined && v.content !== 'backup') throw new SimApiError(500, "only backups support attribute 'protected'");
    if (notes !== undefined) v.notes = notes === '' ? undefined : notes;
    if (ctx.params.protected !== undefined) v.protected = bool(ctx.params, 'protected');
    ctx.sim.touch();
    return null;
  },

  'DELETE /nodes/{node}/storage/{storage}/content/{volume}': async (ctx) => {
    const { sim } = ctx;
    requirePriv(ctx, `/storage/${String(ctx.params.storage)}`, 'Datastore.Allocate');
    const s = sim.storage(String(ctx.params.storage));
    const node = nodeOf(ctx);
    const volid = volidFor(s.storage, String(ctx.params.volume));
    const found = sim.volumes.get(volid);
    const v = found && (s.shared || found.node === node) ? found : undefined;
    const volname = volid.slice(volid.indexOf(':') + 1);
    // PVE's storage API does not look at VM configs: a disk still attached is deleted all the same.
    const attached = v ? undefined : imageVolumes(sim, node, s).find((i) => i.volid === volid);
    const task = sim.startTask({
      node,
      type: 'imgdel',
      id: (v ?? attached)?.vmid !== undefined ? `${(v ?? attached)!.vmid}@${s.storage}` : s.storage,
      ...taskUser(ctx),
      work: async (w) => {
        await w.sleep();
        if (attached && !sim.removedImages.has(volid)) {
          sim.removedImages.add(volid);
          sim.touch();
          w.log(`Removed volume '${volid}'`);
          return;
        }
        if (!v || !sim.volumes.has(volid)) {
          w.warn(`disk image '${volumePath(s, volid)}' does not exist`);
          return;
        }
        // The protection check sits in free_image, inside the worker.
        if (v.protected) throw new SimTaskError(`cannot remove protected volume '${volname}' on '${s.storage}'`);
        sim.volumes.delete(volid);
        sim.touch();
        w.log(`Removed volume '${volid}'`);
      },
    });
    return awaitBriefly(ctx, task.upid, int(ctx.params, 'delay'));
  },
};
