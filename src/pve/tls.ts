// TLS for PVE's self-signed cluster CA: verify by default, trust a CA file, or pin a SHA-256 fingerprint.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { PveError } from './errors.js';

export interface TlsOptions {
  /** SHA-256 in PVE's notation (colon-separated hex, as the GUI shows it). */
  fingerprint?: string;
  caFile?: string;
  /** PEM text instead of a file. */
  ca?: string;
  /** Accept any certificate. Only when set explicitly; the client warns. */
  insecure?: boolean;
}

/** Normalises `aa:bb..` / `AABB..` to PVE's `AA:BB:...`; throws naming the field when it is not 32 bytes of hex. */
export function normaliseFingerprint(value: string): string {
  const hex = value.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error(`tls.fingerprint must be a SHA-256 fingerprint: 32 bytes of hex, colon-separated as PVE shows it (got '${value.slice(0, 100)}')`);
  return hex.match(/../g)!.join(':');
}

/** A connector that can end the connections it is still making (see PveClient.close). */
export type PveConnector = buildConnector.connector & { destroyPending(): void };

export function createConnector(tls: TlsOptions, timeoutMs: number): PveConnector {
  const connect = connectorFor(tls, timeoutMs);
  // Sockets whose handshake has not ended: a host that accepts and never answers holds one until the connect
  // timeout, and with it the process, after every request on it was given up.
  const pending = new Set<Socket>();
  const tracked = (opts: buildConnector.Options, callback: buildConnector.Callback) => {
    const socket = connect(opts, (...args) => {
      pending.delete(socket);
      callback(...args);
    }) as unknown as Socket;
    if (socket) pending.add(socket);
    return socket;
  };
  return Object.assign(tracked as buildConnector.connector, {
    destroyPending: () => {
      for (const socket of pending) socket.destroy();
      pending.clear();
    },
  });
}

function connectorFor(tls: TlsOptions, timeoutMs: number): buildConnector.connector {
  if (tls.fingerprint) {
    const pin = normaliseFingerprint(tls.fingerprint);
    // Chain verification is replaced by the pin: a matching certificate passes, nothing else does.
    // No session resumption: a resumed TLS session carries no peer certificate to check against the pin.
    const base = buildConnector({ rejectUnauthorized: false, timeout: timeoutMs, maxCachedSessions: 0 });
    return (opts, callback) =>
      base(opts, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('connect failed'), null);
        const presented = (socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
        // Compare exactly: any other certificate, however valid its chain, is refused.
        if (presented !== pin) {
          socket.destroy();
          return callback(new PveError('tls', `TLS fingerprint mismatch for ${opts.hostname}: expected ${pin}, server presented ${presented ?? 'no certificate'}`, { hint: 'if the node certificate was renewed, update tls.fingerprint (PVE GUI: Node → System → Certificates, or `pvenode cert info` on the node); otherwise someone may be intercepting the connection' }), null);
        }
        callback(null, socket);
      });
  }
  if (tls.insecure) return buildConnector({ rejectUnauthorized: false, timeout: timeoutMs });
  const ca = tls.ca ?? (tls.caFile ? readCaFile(tls.caFile) : undefined);
  return buildConnector({ ...(ca ? { ca } : {}), rejectUnauthorized: true, timeout: timeoutMs });
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`tls.caFile: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); copy the cluster CA from /etc/pve/pve-root-ca.pem on any node`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`tls.caFile: ${path} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  return pem;
}
