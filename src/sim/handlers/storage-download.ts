// POST /nodes/{node}/storage/{storage}/download-url (pve-storage Status.pm, PVE::Tools::download_file_from_url)
// and POST .../content (allocating a disk image). The download takes time and logs progress; its body is
// derived from the URL (download-body.ts), so a checksum is really verified: a mismatch fails the task
// with PVE's message and leaves no file.
import { createHash } from 'node:crypto';
import { SimApiError, SimTaskError, paramError } from '../api-error.js';
import { simDownloadBody, simVolumeChecksum, type DownloadAlgorithm } from '../download-body.js';
import { nowSec, requirePriv, str, taskUser, type HandlerTable } from './context.js';
import { encodeTaskId, volumePath } from './storage.js';

const FILE_BASED = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'glusterfs', 'btrfs']);
/** The extensions pve-storage accepts per content type (Status.pm, download_url). */
const EXTENSIONS: Record<string, RegExp> = { iso: /\.(iso|img)$/i, vztmpl: /\.(tar\.gz|tar\.xz|tar\.zst)$/i, import: /\.(qcow2|raw|vmdk|ova)$/i };
/** Progress lines the simulated wget prints while the body "arrives". */
const PROGRESS_STEPS = 4;

export const storageDownloadHandlers: HandlerTable = {
  'POST /nodes/{node}/storage/{storage}/download-url': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, `/storage/${String(params.storage)}`, 'Datastore.AllocateTemplate');
    const node = String(params.node);
    const st = sim.storage(String(params.storage));
    const content = String(params.content);
    if (!FILE_BASED.has(st.type)) throw new SimApiError(500, `can't upload to storage type '${st.type}', not a file based storage!`);
    if (!st.content.includes(content)) throw new SimApiError(500, `storage '${st.storage}' is not configured for content-type '${content}'`);
    const filename = String(params.filename).replace(/[^-a-zA-Z0-9_.]/g, '_');
    if (!EXTENSIONS[content]?.test(filename)) throw paramError({ filename: 'wrong file extension' });
    if (params.compression !== undefined && content !== 'iso') throw paramError({ compression: 'decompression only supported for ISO images' });
    const volid = `${st.storage}:${content}/${filename}`;
    const path = volumePath(st, volid);
    const url = String(params.url);
    const checksum = str(params, 'checksum');
    const algorithm = str(params, 'checksum-algorithm') as DownloadAlgorithm | undefined;
    return sim.startTask({
      node,
      type: 'download',
      id: encodeTaskId(filename),
      ...taskUser(ctx),
      work: async (w) => {
        const existing = sim.volumes.get(volid);
        if (existing && (st.shared || existing.node === node)) {
          // download_file_from_url: an existing file is kept only when a checksum was given and matches.
          if (checksum && algorithm) {
            w.log('checksum of existing file...');
            if (simVolumeChecksum(existing, algorithm).toLowerCase() === checksum.toLowerCase()) {
              w.log(`file already exists ${path}, and checksum matches - skipping download`);
              return;
            }
          }
          throw new SimTaskError(`refusing to override existing file '${path}'`);
        }
        const body = simDownloadBody(url);
        w.log(`downloading ${url} to ${path}`);
        const step = Math.max(1, Math.floor(sim.faults.taskDurationMs / PROGRESS_STEPS));
        for (let i = 1; i <= PROGRESS_STEPS; i++) {
          await w.sleep(step);
          const done = Math.round((body.length * i) / PROGRESS_STEPS / 1024);
          w.log(`${String(done).padStart(8)}K ........ ........ ........ ........ ${String((100 * i) / PROGRESS_STEPS).padStart(3)}%`);
        }
        if (checksum && algorithm) {
          const got = createHash(algorithm).update(body).digest('hex');
          // The temporary file is removed before the error: nothing is left on the storage.
          if (got.toLowerCase() !== checksum.toLowerCase()) {
            w.log('calculating checksum...');
            throw new SimTaskError(`checksum mismatch: got '${got}' != expect '${checksum}'`);
          }
          w.log('calculating checksum...OK, checksum verified');
        }
        w.log(`download of '${url}' to '${path}' finished`);
        sim.volumes.set(volid, { volid, storage: st.storage, node: st.shared ? undefined : node, content, format: filename.split('.').pop() ?? 'raw', size: body.length, ctime: nowSec(), source: url });
        sim.touch();
      },
    }).upid;
  },

  // Allocating a disk image (pve-storage Content.pm, create): how a disk no VM config names comes to exist.
  'POST /nodes/{node}/storage/{storage}/content': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, `/storage/${String(params.storage)}`, 'Datastore.AllocateSpace');
    const node = String(params.node);
    const st = sim.storage(String(params.storage));
    const vmid = Number(params.vmid);
    const name = String(params.filename);
    if (!st.content.includes('images')) throw new SimApiError(500, `storage '${st.storage}' does not support vm images`);
    const m = /^(\d+)([MG])?$/.exec(String(params.size));
    if (!m) throw paramError({ size: 'unable to parse size' });
    const kib = Number(m[1]) * (m[2] === 'G' ? 1024 ** 2 : m[2] === 'M' ? 1024 : 1);
    if (!/^vm-(\d+)-/.test(name) || Number(/^vm-(\d+)-/.exec(name)![1]) !== vmid) throw new SimApiError(500, `illegal name '${name}' - should be 'vm-${vmid}-*'`);
    const volid = `${st.storage}:${name}`;
    if (sim.volumes.has(volid)) throw new SimApiError(500, `volume '${volid}' already exists`);
    sim.volumes.set(volid, { volid, storage: st.storage, node: st.shared ? undefined : node, content: 'images', format: str(params, 'format') ?? 'raw', size: kib * 1024, ctime: nowSec(), vmid });
    sim.removedImages.delete(volid);
    sim.touch();
    return volid;
  },
};
