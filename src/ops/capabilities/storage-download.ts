// Download an image, ISO or container template to a storage (PVE's download-url), with the seed's body
// verbatim: url, filename, checksum + checksumAlgorithm, or checksumUrl (moxxie reads the list and picks the
// line for the file). The content type follows from the file name unless given: .iso → iso, .tar.* →
// vztmpl, .qcow2/.raw/.vmdk/.ova → import; an .img cloud image goes to import saved as .qcow2 (PVE accepts
// no .img there), and the plan says so. It plans from the request alone (no VM selection). The download
// task is awaited with its progress; a checksum mismatch fails it and PVE leaves no file.
import { posix } from 'node:path';
import { z } from 'zod';
import type { Inventory } from '../../inventory/model.js';
import { deleteStorageContent, getStorageContent, postDownloadUrl } from '../../pve/endpoints/storage.js';
import type { PveClient } from '../../pve/client.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { algorithmOfLength, fetchChecksumList, pickChecksum } from '../checksum-list.js';
import { RequestError } from '../errors.js';
import { boolField, enumField, textField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import type { OperationTarget } from '../types.js';

export const DOWNLOAD_CONTENTS = ['iso', 'vztmpl', 'import'] as const;
export type DownloadContent = (typeof DOWNLOAD_CONTENTS)[number];
const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
/** What pve-storage accepts per content type. */
const EXTENSIONS: Record<DownloadContent, RegExp> = { iso: /\.(iso|img)$/i, vztmpl: /\.(tar\.gz|tar\.xz|tar\.zst)$/i, import: /\.(qcow2|raw|vmdk|ova)$/i };
const EXTENSION_TEXT: Record<DownloadContent, string> = { iso: '.iso or .img', vztmpl: '.tar.gz, .tar.xz or .tar.zst', import: '.qcow2, .raw, .vmdk or .ova' };
const FILE_BASED = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'glusterfs', 'btrfs']);
/** A large image over a slow link takes long. */
const DOWNLOAD_TASK_TIMEOUT_MS = 6 * 60 * 60_000;
const PROGRESS_POLL_MS = 1000;

const schema = lazySchema(() =>
  z
    .strictObject({
      storage: textField('required: the storage to download to, e.g. "util-iso" (moxxie storage list)').describe('file based, with the content type'),
      node: textField('a node name, e.g. "pve1"').optional().describe('required for a local storage'),
      url: textField('required: an http:// or https:// URL')
        .refine((u) => /^https?:\/\/\S+$/.test(u), { error: (iss) => `'${String(iss.input)}' is not an http:// or https:// URL` })
        .describe('where to download from'),
      filename: textField('a file name such as "debian-12-generic-amd64.qcow2"').max(255, { error: 'at most 255 characters' }).optional().describe("default: the URL's last part"),
      content: enumField(DOWNLOAD_CONTENTS).optional().describe('default: from the file name'),
      checksum: textField('a hex checksum').optional().describe('the expected checksum'),
      checksumAlgorithm: enumField(ALGORITHMS).optional().describe("default: from the checksum's length"),
      checksumUrl: textField('an http:// or https:// URL of a checksum list such as SHA512SUMS')
        .refine((u) => /^https?:\/\/\S+$/.test(u), { error: (iss) => `'${String(iss.input)}' is not an http:// or https:// URL` })
        .optional()
        .describe("a checksum list (SHA512SUMS …) to take the file's line from"),
      verifyCertificates: boolField().optional().describe('default true'),
      dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
    })
    .superRefine((r, ctx) => {
      if (r.checksum && r.checksumUrl) ctx.addIssue({ code: 'custom', path: ['checksumUrl'], message: 'give checksum or checksumUrl, not both' });
      if (r.checksumAlgorithm && !r.checksum && !r.checksumUrl) ctx.addIssue({ code: 'custom', path: ['checksumAlgorithm'], message: 'needs checksum or checksumUrl' });
    }));
export type StorageDownloadRequest = z.infer<ReturnType<typeof schema>>;

interface Spec {
  storage: string;
  url: string;
  filename: string;
  content: DownloadContent;
  volid: string;
  checksum?: string;
  algorithm?: string;
  verifyCertificates?: boolean;
}

/** The last part of the URL's path, decoded. */
function urlFileName(url: string): string {
  try {
    return decodeURIComponent(posix.basename(new URL(url).pathname));
  } catch {
    return '';
  }
}

function contentOf(filename: string): DownloadContent | undefined {
  if (EXTENSIONS.import.test(filename) || /\.img$/i.test(filename)) return 'import';
  if (/\.iso$/i.test(filename)) return 'iso';
  if (EXTENSIONS.vztmpl.test(filename)) return 'vztmpl';
  return undefined;
}

/** The node that downloads: the one asked for, else (shared storage) the first online node that has it. */
function chooseNode(inv: Inventory, storage: string, node: string | undefined): { node: string; shared: boolean; type: string; content: string[] } {
  const entries = inv.storages.filter((s) => s.storage === storage);
  if (!entries.length) {
    const names = [...new Set(inv.storages.map((s) => s.storage))].sort();
    throw new RequestError('storage', `no storage '${storage}' in the cluster (storages: ${names.join(', ')})`);
  }
  // What the storage is decides first: no node choice makes a zfspool storage take a file.
  const kind = entries[0];
  if (!FILE_BASED.has(kind.plugintype)) throw new RequestError('storage', `'${storage}' is a ${kind.plugintype} storage: PVE downloads only to file based storages (dir, nfs, cifs, cephfs …)`);
  const online = new Set(inv.nodes.filter((n) => n.status === 'online').map((n) => n.node));
  const shared = entries.some((s) => s.shared);
  if (node !== undefined) {
    const here = entries.find((s) => s.node === node);
    if (!inv.nodes.some((n) => n.node === node)) throw new RequestError('node', `no node '${node}' (nodes: ${inv.nodes.map((n) => n.node).join(', ')})`);
    if (!here) throw new RequestError('node', `storage '${storage}' is not available on ${node} (it is on ${entries.map((s) => s.node).join(', ')})`);
    if (!online.has(node)) throw new RequestError('node', `node ${node} is offline`);
    return { node, shared, type: here.plugintype, content: here.content };
  }
  if (!shared) throw new RequestError('node', `storage '${storage}' is local to each node: name the node that downloads (${entries.map((s) => s.node).join(', ')})`);
  const pick = entries.find((s) => online.has(s.node));
  if (!pick) throw new RequestError('node', `no online node has storage '${storage}'`);
  return { node: pick.node, shared, type: pick.plugintype, content: pick.content };
}

async function volumeExists(client: PveClient | PhaseTools['client'], node: string, spec: Pick<Spec, 'storage' | 'content' | 'volid'>): Promise<boolean> {
  return (await getStorageContent(client, node, spec.storage, { content: spec.content })).some((v) => v.volid === spec.volid);
}

/** Follows the task's log while it runs, reporting its latest progress line. */
function followProgress(t: PhaseTools, upid: string): () => void {
  let stopped = false;
  let start = 0;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const { lines } = await t.client.taskLog(upid, { start, limit: 500 });
      start += lines.length;
      const latest = [...lines].reverse().find((l) => /\d+%/.test(l.t));
      if (latest && !stopped) t.progress(`downloading: ${latest.t.trim().replace(/\s+/g, ' ')}`);
    } catch {
      // Progress is a courtesy; the task's end is what counts.
    }
    if (!stopped) timer = setTimeout(() => void poll(), PROGRESS_POLL_MS).unref();
  };
  timer = setTimeout(() => void poll(), PROGRESS_POLL_MS).unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

export const storageDownload: Capability<StorageDownloadRequest> = {
  kind: 'storage.download',
  title: 'Download to a storage',
  description:
    'Download an ISO, a container template or a disk image (import content: .qcow2 .raw .vmdk .ova; an .img cloud image is saved as .qcow2) from a URL to a storage, verified by checksum or by a checksum list (checksumUrl). Success means PVE\'s download task ended OK and the file is on the storage.',
  get schema() {
    return schema();
  },
  guestTypes: ['qemu'],
  label: (r) => `download ${r.filename ?? urlFileName(r.url)} to ${r.storage}`,
  destructive: () => false,
  taskTimeoutMs: () => DOWNLOAD_TASK_TIMEOUT_MS,
  names: { tool: 'download_to_storage', verb: ['storage', 'download'] },
  hints: { destructive: false, idempotent: true },

  async plan(input, req) {
    const notes: string[] = [];
    const asked = req.filename ?? urlFileName(req.url);
    if (!asked) throw new RequestError('filename', `the URL ${req.url} names no file: give filename`);
    // PVE normalizes the name this way; the plan shows the name the file will really have.
    let filename = asked.replace(/[^-a-zA-Z0-9_.]/g, '_');
    if (filename !== asked) notes.push(`saved as ${filename} (PVE allows only letters, digits, - _ .)`);
    const content = req.content ?? contentOf(filename);
    if (!content) throw new RequestError('filename', `cannot tell the content type from '${filename}': give content (iso, vztmpl or import) and a matching extension`);
    if (content === 'import' && /\.img$/i.test(filename)) {
      filename = filename.replace(/\.img$/i, '.qcow2');
      notes.push(`saved as ${filename}: an .img cloud image is a qcow2 disk image, and PVE accepts no .img in import content`);
    }
    if (!EXTENSIONS[content].test(filename)) throw new RequestError('filename', `'${filename}' has the wrong extension for ${content} content: use ${EXTENSION_TEXT[content]}`);
    const where = chooseNode(input.inventory, req.storage, req.node);
    if (!where.content.includes(content)) throw new RequestError('storage', `'${req.storage}' is not configured for ${content} content (it holds ${where.content.join(', ')})`);

    const volid = `${req.storage}:${content}/${filename}`;
    // An existing file is never overwritten (PVE refuses): said before any checksum list is fetched.
    if (await volumeExists(input.client, where.node, { storage: req.storage, content, volid })) {
      const skipped: OperationTarget = {
        id: `download-${volid}`,
        kind: 'volume',
        vmid: 0,
        name: volid,
        node: where.node,
        state: 'skipped',
        action: `download ${req.url} → ${volid} on ${where.node}`,
        message: `${volid} already exists (PVE refuses to overwrite a file: delete it first to download it again)`,
        phases: [],
      };
      return { targets: [skipped], blocked: new Set<string>() };
    }

    let checksum = req.checksum?.toLowerCase();
    let algorithm: string | undefined = req.checksumAlgorithm;
    if (checksum) {
      algorithm ??= algorithmOfLength(checksum);
      if (!algorithm) throw new RequestError('checksumAlgorithm', `give checksumAlgorithm (${ALGORITHMS.join(', ')}): a checksum of ${checksum.length} characters does not tell it`);
    } else if (req.checksumUrl) {
      const listed = pickChecksum(await fetchChecksumList(req.checksumUrl), [...new Set([asked, urlFileName(req.url)])], req.checksumUrl);
      checksum = listed.checksum;
      if (algorithm && listed.algorithm && listed.algorithm !== algorithm) {
        throw new RequestError('checksumAlgorithm', `'${algorithm}' does not fit the list's ${listed.algorithm} checksum for ${listed.name}`);
      }
      algorithm ??= listed.algorithm;
      if (!algorithm) throw new RequestError('checksumAlgorithm', `give checksumAlgorithm: the checksum for ${listed.name} in ${req.checksumUrl} does not tell it`);
      notes.push(`${algorithm} from ${req.checksumUrl} (line for ${listed.name})`);
    }
    if (!checksum) notes.push('no checksum: the file is not verified');

    const spec: Spec = { storage: req.storage, url: req.url, filename, content, volid, checksum, algorithm, verifyCertificates: req.verifyCertificates };
    const target: OperationTarget = {
      id: `download-${volid}`,
      kind: 'volume',
      vmid: 0,
      name: volid,
      node: where.node,
      state: 'planned',
      action: `download ${req.url} → ${volid} on ${where.node}${checksum ? `, ${algorithm} verified` : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`,
      phases: [],
      spec: { ...spec },
    };
    return { targets: [target], blocked: new Set<string>() };
  },

  resources: (target, req) => ({ guests: [], nodes: [target.node], storages: [req.storage] }),

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const node = target.node;
    return [
      {
        name: 'download',
        taskType: 'download',
        // PVE's task id is the file name, encoded as PVE::Tools::encode_text does.
        taskId: spec.filename.replace(/[^-_.a-zA-Z0-9]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`),
        check: async (t) => ((await volumeExists(t.client, node, spec)) ? `${spec.volid} is on the storage` : undefined),
        run: async (t) => {
          const upid = await postDownloadUrl(t.client, node, spec.storage, {
            url: spec.url,
            filename: spec.filename,
            content: spec.content,
            ...(spec.checksum ? { checksum: spec.checksum, 'checksum-algorithm': spec.algorithm } : {}),
            ...(spec.verifyCertificates === false ? { 'verify-certificates': false } : {}),
          });
          const stop = followProgress(t, upid);
          try {
            await t.awaitTask(upid);
          } finally {
            stop();
          }
          return `downloaded ${spec.volid}${spec.checksum ? ' (checksum verified)' : ''}`;
        },
        undo: async (t) => {
          if (!(await volumeExists(t.client, node, spec))) return 'already gone';
          const upid = await deleteStorageContent(t.client, node, spec.storage, spec.volid);
          if (upid) await t.awaitTask(upid);
          return `deleted ${spec.volid}`;
        },
      },
      {
        name: 'verify',
        changesNothing: true,
        run: async (t) => {
          if (!(await volumeExists(t.client, node, spec))) throw new StepFailure(`the download task ended OK but ${spec.volid} is not on ${spec.storage}`);
          return `${spec.volid} is on ${spec.storage}`;
        },
      },
    ];
  },
};
