// Who may talk to a moxxie listener (`moxxie serve`, `moxxie mcp --http`): the bearer token (read like a context's secrets: a private file or a
// command), TLS (a given pair, or a self-signed one kept in the context's state), and the Host check.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { assertPrivateFile, ConfigError, runSecretCommand } from '../config/secrets.js';

export const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** The token from `--token-file` (mode 0600, as the config's secrets) or `--token-command` (a password manager). */
export function readToken(opts: { tokenFile?: string; tokenCommand?: string }): string | undefined {
  if (opts.tokenCommand) return runSecretCommand(opts.tokenCommand, '--token-command');
  if (!opts.tokenFile) return undefined;
  let text: string;
  try {
    assertPrivateFile(opts.tokenFile, '--token-file');
    text = readFileSync(opts.tokenFile, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`--token-file: cannot read ${opts.tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const token = text.trim();
  if (token.length < 16) throw new ConfigError(`--token-file: the token in ${opts.tokenFile} is ${token ? 'shorter than 16 characters' : 'empty'}; use e.g. \`openssl rand -hex 32\``);
  return token;
}

export interface TlsPair {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, colon-separated upper-case hex (what a client pins). */
  fingerprint: string;
  selfSigned: boolean;
}

export function readTlsPair(certFile: string, keyFile: string): TlsPair {
  assertPrivateFile(keyFile, '--tls-key');
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: new X509Certificate(cert).fingerprint256, selfSigned: false };
}

/**
 * A self-signed pair for `host`, kept (mode 0600) at `file` so the fingerprint a client pinned stays the same
 * across restarts; made anew when the saved one does not cover the host.
 */
export async function selfSignedPair(file: string, host: string): Promise<TlsPair> {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { cert: string; key: string; host: string };
    if (saved.host === host) return { cert: saved.cert, key: saved.key, fingerprint: new X509Certificate(saved.cert).fingerprint256, selfSigned: true };
  } catch {
    // None yet (or unreadable): make one.
  }
  // `default` is module.exports both in Node and in the bundle (where named exports of a lazily loaded
  // CommonJS chunk do not exist).
  const { generate } = (await import('selfsigned')).default;
  const ip = /^[\d.]+$|:/.test(host);
  const altNames = [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, ...(WILDCARDS.has(host) ? [{ type: 2, value: hostname() }] : [ip ? { type: 7, ip: host } : { type: 2, value: host }])];
  const pems = await generate([{ name: 'commonName', value: WILDCARDS.has(host) ? hostname() : host }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 2 * 365 * 86400_000),
    extensions: [{ name: 'subjectAltName', altNames }],
  } as Parameters<typeof import('selfsigned').generate>[1]);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ cert: pems.cert, key: pems.private, host }), { mode: 0o600 });
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256, selfSigned: true };
}

/**
 * The Host names this server answers to: loopback names always; when bound elsewhere, the bound address (for
 * 0.0.0.0 every address of this machine and its hostname) and any --allowed-host. A page on another site that
 * resolves its own name to this machine (DNS rebinding) sends its own name and is refused.
 */
export function hostChecker(bind: string, extra: readonly string[] = []): (hostHeader: string) => boolean {
  const allowed = new Set<string>([...LOOPBACK_NAMES, ...extra.map((h) => h.toLowerCase())]);
  if (!isLoopback(bind)) {
    if (WILDCARDS.has(bind)) {
      allowed.add(hostname().toLowerCase());
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) allowed.add(a.address.toLowerCase());
    } else allowed.add(bind.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  }
  return (hostHeader) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader.trim());
    if (!m) return false;
    const name = m[1].replace(/^\[(.*)\]$/, '$1').toLowerCase();
    return allowed.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name);
  };
}
