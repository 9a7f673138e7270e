// Runs the REST server for one context until SIGINT/SIGTERM: opens the core (front end 'api'), applies the
// token, TLS and Host rules, and writes the access log (text, or JSON lines with --json) to stdout.
import { join } from 'node:path';
import { ConfigError } from '../src/config/secrets.js';
import { openMoxxie } from '../src/open.js';
import { buildApp, type ServeLogEvent } from './app.js';
import { hostChecker, isLoopback, readToken, readTlsPair, selfSignedPair, type TlsPair } from '../src/net/listener-security.js';
import { untilStopSignal } from '../src/net/stop-signal.js';

export const REST_VERSION = '0.1.0';

export interface ServeOptions {
  host: string;
  port: number;
  context?: string;
  demo: boolean;
  readOnly: boolean;
  json: boolean;
  tokenFile?: string;
  tokenCommand?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowedHosts: string[];
}

export function logLine(e: ServeLogEvent, json: boolean, at = new Date()): string {
  if (json) return JSON.stringify({ at: at.toISOString(), ...e });
  const ts = at.toISOString();
  if (e.event === 'request') return `${ts} ${e.method} ${e.url} ${e.status} ${e.durationMs} ms${e.operationId ? ` ${e.operationId}` : ''}`;
  return e.event === 'error' ? `${ts} error  ${e.message}` : `${ts} ${e.message}`;
}

export async function serve(opts: ServeOptions): Promise<number> {
  const log = (e: ServeLogEvent) => process.stdout.write(`${logLine(e, opts.json)}\n`);
  let token: string | undefined;
  try {
    token = readToken(opts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`moxxie serve: ${err.message}\n`);
    return 2;
  }
  const session = await openMoxxie({ name: opts.context, demo: opts.demo, readOnly: opts.readOnly, frontEnd: 'api', logger: (line) => log({ event: 'info', message: line }) });
  try {
    let tls: TlsPair | undefined;
    if (opts.tlsCert && opts.tlsKey) tls = readTlsPair(opts.tlsCert, opts.tlsKey);
    else if (!isLoopback(opts.host)) tls = await selfSignedPair(join(session.context.stateDir, 'serve-tls.json'), opts.host);
    const app = await buildApp({
      core: session.core,
      jobs: session.jobs,
      history: session.history,
      token,
      hostAllowed: hostChecker(opts.host, opts.allowedHosts),
      log,
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      version: REST_VERSION,
    });
    const stop = untilStopSignal();
    const address = await app.listen({ host: opts.host, port: opts.port });
    const info = session.context.info;
    log({ event: 'info', message: `moxxie REST API for context ${info.name}${info.demo ? ' (demo cluster)' : ''}${info.readOnly ? ', read-only' : ''} at ${address}/api/v1${token ? ' (bearer token required)' : ''}` });
    if (tls?.selfSigned) log({ event: 'info', message: `self-signed TLS certificate, SHA-256 fingerprint ${tls.fingerprint} (pin it: curl --cacert, or compare before trusting)` });
    await stop;
    log({ event: 'info', message: 'stopping: no new requests; running operations get a few seconds to finish' });
    await app.close();
    return 0;
  } finally {
    await session.close();
  }
}
