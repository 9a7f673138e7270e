// A self-signed certificate for the simulator's HTTPS, like a PVE node's own pve-ssl.pem.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SimCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 in PVE's notation: colon-separated upper-case hex. */
  fingerprint: string;
}

let processCert: Promise<SimCertificate> | undefined;

async function create(): Promise<SimCertificate> {
  // Loaded only when a certificate is made: its X.509 stack costs ~200 ms of start-up otherwise.
  // `default` is module.exports both in Node and in the bundle (where named exports of a lazily loaded
  // CommonJS chunk do not exist).
  const { generate } = (await import('selfsigned')).default;
  const pems = await generate([{ name: 'commonName', value: 'pve-sim.moxxie.local' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 5 * 365 * 86400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] }],
  } as Parameters<typeof import('selfsigned').generate>[1]);
  return { certPem: pems.cert, keyPem: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/**
 * One key pair per process (RSA generation costs ~0.4 s), or one persisted at `file` so a demo cluster
 * keeps its fingerprint between runs and a pinned context stays valid.
 */
export async function simCertificate(file?: string): Promise<SimCertificate> {
  if (file) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { certPem: string; keyPem: string };
      return { ...saved, fingerprint: new X509Certificate(saved.certPem).fingerprint256 };
    } catch {
      const cert = await create();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ certPem: cert.certPem, keyPem: cert.keyPem }), { mode: 0o600 });
      return cert;
    }
  }
  processCert ??= create();
  return processCert;
}
