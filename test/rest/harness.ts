// A real `moxxie serve` app over real HTTP on loopback, in front of a test simulator: what the REST tests use.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ServeLogEvent } from '../../rest/app.js';
import { hostChecker } from '../../src/net/listener-security.js';
import { HistoryStore } from '../../src/history/store.js';
import type { MoxxieCore } from '../../src/core.js';
import { createCore } from '../../src/ops/core.js';
import { JobManager } from '../../src/schedule/jobs.js';
import type { SimOptions } from '../../src/sim/index.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { removeTempDir, tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export interface RestHarness {
  cluster: TestCluster;
  /** The core the server runs on (the cluster's own, or one recording into `history`). */
  core: MoxxieCore;
  history: HistoryStore;
  jobs: JobManager;
  url: string;
  log: ServeLogEvent[];
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sim?: SimOptions;
  safeMode?: boolean;
  readOnly?: boolean;
  token?: string;
  allowedHosts?: string[];
  /** The core records its operations (and migrations) in the harness's history store, as `moxxie serve` does. */
  recordHistory?: boolean;
}

export async function startRest(opts: HarnessOptions = {}): Promise<RestHarness> {
  const cluster = await startCluster(opts.sim ?? {}, { context: { safeMode: opts.safeMode ?? false } });
  const dir = tempDir('rest');
  const history = new HistoryStore({ dir });
  const core = opts.readOnly || opts.recordHistory ? createCore({ context: { ...cluster.core.context, readOnly: opts.readOnly ?? false }, client: cluster.client, recorder: history, frontEnd: 'api', lockRetryDelayMs: 20 }) : cluster.core;
  const jobs = new JobManager(history, core, { frontEnd: 'api' });
  const log: ServeLogEvent[] = [];
  const app: FastifyInstance = await buildApp({ core, jobs, history, token: opts.token, hostAllowed: hostChecker('127.0.0.1', opts.allowedHosts), log: (e) => log.push(e), version: 'test' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text (a test asserting JSON fails on it)
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    cluster,
    core,
    history,
    jobs,
    url,
    log,
    api,
    close: async () => {
      await app.close();
      jobs.cancelAll();
      if (core !== cluster.core) await core.close();
      await cluster.close();
      await history.flush();
      removeTempDir(dir);
    },
  };
}

/** The operation once it has finished, read back through the API. */
export async function finished(h: RestHarness, id: string): Promise<any> {
  return until(`operation ${id} to finish`, async () => {
    const r = await h.api('GET', `/api/v1/operations/${id}`);
    return r.body.status !== 'running' && r.body;
  });
}
