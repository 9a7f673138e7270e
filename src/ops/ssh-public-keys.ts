// SSH public keys for cloud-init: one OpenSSH key per line, checked before anything runs (PVE has ssh-keygen
// read each line and refuses the whole value otherwise), and encoded as PVE requires: URL-encoded with %20
// for spaces, inside the form body (encodeConfigParams in pve/endpoints/qemu.ts does the encoding).
import { RequestError } from './errors.js';

const KEY_TYPES = ['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];
/** Bounded so a request cannot grow without limit; PVE's config line has room for far fewer. */
export const MAX_SSH_KEYS = 64;
export const MAX_SSH_KEYS_TEXT = 65_536;

/** Why one line is not a usable OpenSSH public key, or undefined. */
function lineProblem(line: string): string | undefined {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => KEY_TYPES.includes(w));
  if (at < 0) return `does not name a key type (${KEY_TYPES.slice(0, 3).join(', ')} …)`;
  const type = words[at];
  const blob = words[at + 1];
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return `'${type}' is not followed by the key's base64 data${blob ? ` (got '${blob.slice(0, 24)}')` : ''}`;
  const bytes = Buffer.from(blob, 'base64');
  // The blob starts with its own type name, length-prefixed: a key cut short or pasted wrong fails here.
  if (bytes.length < 4 || bytes.readUInt32BE(0) > bytes.length - 4 || bytes.subarray(4, 4 + bytes.readUInt32BE(0)).toString('latin1') !== type) {
    return `the base64 data is not a complete ${type} key (cut short or pasted wrongly)`;
  }
  return undefined;
}

/** The keys, one per line, each checked; blank lines dropped. Throws a RequestError naming the line. */
export function parseSshKeys(text: string, field = 'sshKeys'): string[] {
  const keys = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!keys.length) throw new RequestError(field, 'give at least one OpenSSH public key, e.g. "ssh-ed25519 AAAA… user@host" (several: one per line)');
  if (keys.length > MAX_SSH_KEYS) throw new RequestError(field, `at most ${MAX_SSH_KEYS} keys (got ${keys.length})`);
  keys.forEach((key, i) => {
    const problem = lineProblem(key);
    if (problem) throw new RequestError(field, `line ${i + 1} ('${key.length > 48 ? `${key.slice(0, 45)}...` : key}') is not an OpenSSH public key: ${problem}`);
  });
  return keys;
}

/** The keys as PVE stores them in `sshkeys` (URL-encoded, one per line). */
export const encodeSshKeys = (keys: readonly string[]): string => encodeURIComponent(`${keys.join('\n')}\n`);

/** The keys of a stored `sshkeys` value. */
export function decodeSshKeys(stored: unknown): string[] {
  if (typeof stored !== 'string' || !stored) return [];
  let text = stored;
  try {
    text = decodeURIComponent(stored);
  } catch {
    // Not encoded after all: read as it is.
  }
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}
