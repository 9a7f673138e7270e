// Where a cloud-init VM's disk can come from: a template's disk (`local-zfs:base-9002-disk-0`) or a disk image in
// `import` content (`util-iso:import/debian-12-generic-amd64.qcow2`). PVE imports with `import-from` only on a
// node that can read the source, and only from images/import content (never an ISO). The seed writes images as
// `util-iso:images/…`, a form PVE cannot parse: it is mapped to the `import/` volume when that exists, and the
// plan says so. The listing (every front end's "which image sources exist") reads the same storages.
import type { Inventory } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import { getQemuConfig } from '../pve/endpoints/qemu.js';
import { getStorageContent } from '../pve/endpoints/storage.js';
import { RequestError } from './errors.js';

const GiB = 1024 ** 3;

export interface ResolvedImage {
  /** The volume id PVE's import-from gets. */
  volid: string;
  /** The node the import runs on (the target node when it can read the source). */
  importNode: string;
  sizeBytes: number;
  /** What the plan should tell the operator (a mapped spelling). */
  note?: string;
  /** The template whose disk this is (a clone source for the runner's per-template cap). */
  templateVmid?: number;
}

export interface ImageSourceList {
  templates: Array<{ vmid: number; name: string; node: string; disks: Array<{ key: string; volid: string; sizeGB: number; storage: string; shared: boolean }> }>;
  storages: Array<{ storage: string; shared: boolean; nodes: string[]; images: Array<{ volid: string; sizeGB: number; format?: string }>; isos: Array<{ volid: string; sizeGB: number }> }>;
}

const sizeOf = (drive: string): number => {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(drive);
  const unit: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };
  return m ? Number(m[1]) * unit[m[2]] : 0;
};
const gb = (bytes: number) => Math.round((bytes / GiB) * 100) / 100;

/** Nodes (online) that have `storage`, the target node first. */
function nodesWith(inv: Inventory, storage: string, first?: string): string[] {
  const online = new Set(inv.nodes.filter((n) => n.status === 'online').map((n) => n.node));
  const nodes = [...new Set(inv.storages.filter((s) => s.storage === storage && online.has(s.node)).map((s) => s.node))];
  return first && nodes.includes(first) ? [first, ...nodes.filter((n) => n !== first)] : nodes;
}

const isShared = (inv: Inventory, storage: string) => inv.storages.some((s) => s.storage === storage && s.shared);

/** The import/ volumes of `storage`, with the node that holds each. */
async function importVolumes(client: PveClient, inv: Inventory, storage: string, preferNode: string): Promise<Array<{ volid: string; size: number; node: string }>> {
  const out: Array<{ volid: string; size: number; node: string }> = [];
  const nodes = nodesWith(inv, storage, preferNode);
  for (const node of isShared(inv, storage) ? nodes.slice(0, 1) : nodes) {
    const items = await getStorageContent(client, node, storage, { content: 'import' }).catch(() => []);
    for (const it of items) out.push({ volid: it.volid, size: Number(it.size ?? 0), node });
  }
  return out;
}

/** Resolves `imageSource` for a VM to be created on `node`; refuses (naming imageSource) what PVE could not import. */
export async function resolveImageSource(client: PveClient, inv: Inventory, imageSource: string, node: string): Promise<ResolvedImage> {
  const m = /^([A-Za-z][A-Za-z0-9_.-]*):(.+)$/.exec(imageSource.trim());
  const hint = 'use a template disk such as local-zfs:base-9001-disk-0 or an image such as util-iso:import/debian-12-generic-amd64.qcow2 (list_image_sources / moxxie storage content shows them)';
  if (!m) throw new RequestError('imageSource', `'${imageSource}' is not a volume id (storage:volume); ${hint}`);
  const [, storage, volume] = m;
  if (!inv.storages.some((s) => s.storage === storage)) throw new RequestError('imageSource', `no storage '${storage}' in this cluster; ${hint}`);
  const shared = isShared(inv, storage);

  const disk = /^(?:base|vm)-(\d+)-disk-\d+$/.exec(volume);
  if (disk) {
    const owner = inv.vms.find((v) => v.vmid === Number(disk[1]) && v.type === 'qemu');
    if (!owner) throw new RequestError('imageSource', `'${imageSource}' belongs to VM ${disk[1]}, which does not exist; ${hint}`);
    const config = (await getQemuConfig(client, owner.node, owner.vmid)) as Record<string, unknown>;
    const drive = Object.values(config).map(String).find((v) => v.split(',')[0] === imageSource);
    if (!drive) throw new RequestError('imageSource', `VM ${owner.vmid} (${owner.name}) has no disk '${imageSource}'`);
    const importNode = shared ? node : owner.node;
    return { volid: imageSource, importNode, sizeBytes: sizeOf(drive), templateVmid: owner.template ? owner.vmid : undefined };
  }
  if (/^iso\//.test(volume)) throw new RequestError('imageSource', `'${imageSource}' is an ISO image; PVE imports only from images or import content ("has wrong type 'iso'"): download the disk image with content import, e.g. ${storage}:import/<name>.qcow2`);

  const file = volume.replace(/^(images|import)\//, '');
  const wanted = `${storage}:import/${file}`;
  const available = await importVolumes(client, inv, storage, node);
  const found = available.find((v) => v.volid === wanted);
  if (!found) {
    const list = available.map((v) => v.volid).join(', ');
    throw new RequestError('imageSource', `no image '${wanted}'${volume.startsWith('images/') ? ` (the seed's spelling ${imageSource} is mapped to the import/ volume)` : ''}; images on ${storage}: ${list || 'none'}`);
  }
  const note = volume.startsWith('import/') ? undefined : `imageSource ${imageSource} is not a volume PVE can parse; using ${wanted}`;
  return { volid: wanted, importNode: shared ? node : found.node, sizeBytes: found.size, note };
}

/** Templates (with their disks) and, per storage, the importable images and the ISOs. */
export async function listImageSources(client: PveClient, inv: Inventory): Promise<ImageSourceList> {
  const templates: ImageSourceList['templates'] = [];
  for (const t of inv.vms.filter((v) => v.template && v.type === 'qemu')) {
    const config = (await getQemuConfig(client, t.node, t.vmid).catch(() => ({}))) as Record<string, unknown>;
    const disks = Object.entries(config)
      .filter(([k, v]) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !/media=cdrom/.test(String(v)))
      .map(([key, v]) => {
        const volid = String(v).split(',')[0];
        const storage = volid.split(':')[0];
        return { key, volid, sizeGB: gb(sizeOf(String(v))), storage, shared: isShared(inv, storage) };
      });
    templates.push({ vmid: t.vmid, name: t.name, node: t.node, disks });
  }
  const storages: ImageSourceList['storages'] = [];
  for (const name of [...new Set(inv.storages.filter((s) => s.content.includes('import') || s.content.includes('iso')).map((s) => s.storage))].sort()) {
    const nodes = nodesWith(inv, name);
    const shared = isShared(inv, name);
    const images: ImageSourceList['storages'][number]['images'] = [];
    const isos: ImageSourceList['storages'][number]['isos'] = [];
    const seen = new Set<string>();
    for (const node of shared ? nodes.slice(0, 1) : nodes) {
      const items = await getStorageContent(client, node, name).catch(() => []);
      for (const it of items) {
        if (seen.has(it.volid)) continue;
        seen.add(it.volid);
        if (it.content === 'import') images.push({ volid: it.volid, sizeGB: gb(Number(it.size ?? 0)), format: it.format });
        else if (it.content === 'iso') isos.push({ volid: it.volid, sizeGB: gb(Number(it.size ?? 0)) });
      }
    }
    storages.push({ storage: name, shared, nodes, images, isos });
  }
  return { templates, storages };
}
