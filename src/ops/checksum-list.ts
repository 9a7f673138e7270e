// A published checksum list (SHA512SUMS, SHA256SUMS, …) read by moxxie itself: PVE's download-url takes only
// a checksum, so for `checksumUrl` moxxie fetches the list and picks the line for the file. Both GNU
// (`<hex>  <name>`, `*<name>` for binary) and BSD (`SHA512 (<name>) = <hex>`) lines are understood.
import { RequestError } from './errors.js';

/** By hex length: what a checksum of that length was made with. */
const BY_LENGTH: Record<number, string> = { 32: 'md5', 40: 'sha1', 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' };
const FETCH_TIMEOUT_MS = 30_000;
/** Checksum lists are small; a bigger answer is not one. */
const MAX_LIST_BYTES = 4 * 1024 * 1024;

export interface ListedChecksum {
  checksum: string;
  algorithm: string;
  /** The name the line gives. */
  name: string;
}

export function algorithmOfLength(hex: string): string | undefined {
  return /^[0-9a-f]+$/i.test(hex) ? BY_LENGTH[hex.length] : undefined;
}

/** The line for the first of `names` the list has; throws naming what it lists otherwise. */
export function pickChecksum(text: string, names: readonly string[], source: string): ListedChecksum {
  const entries: ListedChecksum[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const gnu = /^([0-9a-fA-F]{32,128})\s+\*?(.+)$/.exec(line);
    const bsd = /^([A-Z0-9-]+)\s*\((.+)\)\s*=\s*([0-9a-fA-F]{32,128})$/.exec(line);
    if (gnu) entries.push({ checksum: gnu[1].toLowerCase(), algorithm: algorithmOfLength(gnu[1]) ?? '', name: gnu[2].trim().replace(/^\.\//, '') });
    else if (bsd) entries.push({ checksum: bsd[3].toLowerCase(), algorithm: bsd[1].toLowerCase().replace('-', ''), name: bsd[2].trim() });
  }
  for (const name of names) {
    const hit = entries.find((e) => e.name === name || e.name.endsWith(`/${name}`));
    if (hit) return hit;
  }
  const listed = entries.slice(0, 8).map((e) => e.name).join(', ');
  throw new RequestError('checksumUrl', `${source} has no line for ${names.map((n) => `'${n}'`).join(' or ')}${entries.length ? ` (it lists ${listed}${entries.length > 8 ? ' …' : ''})` : ' (no checksum lines found in it)'}`);
}

/** Fetches the list over HTTP(S); failures name the URL and what went wrong. */
export async function fetchChecksumList(url: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) : AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestError('checksumUrl', `could not read ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok) throw new RequestError('checksumUrl', `could not read ${url}: HTTP ${res.status} ${res.statusText}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_LIST_BYTES) throw new RequestError('checksumUrl', `${url} is ${length} bytes: not a checksum list (at most ${MAX_LIST_BYTES})`);
  const text = await res.text();
  if (text.length > MAX_LIST_BYTES) throw new RequestError('checksumUrl', `${url} is too large for a checksum list (at most ${MAX_LIST_BYTES} bytes)`);
  return text;
}
