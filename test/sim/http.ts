// Raw HTTP against the simulator. These tests check the simulator itself, so they use plain fetch and
// never moxxie's client.
import type { Simulator } from '../../src/sim/index.js';

export interface RawAnswer {
  status: number;
  statusText: string;
  body: { data?: unknown; errors?: Record<string, string>; message?: string; total?: number } | null;
}

export interface RawOptions {
  headers?: Record<string, string>;
  form?: Record<string, string> | URLSearchParams;
  json?: unknown;
  body?: string;
}

export async function raw(sim: Simulator, method: string, path: string, opts: RawOptions = {}): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined = opts.body;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  } else if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(`${sim.url}/api2/json${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, statusText: res.statusText, body: text ? (JSON.parse(text) as RawAnswer['body']) : null };
}

/** PVE's API token header. */
export function tokenHeaders(sim: Simulator): Record<string, string> {
  return { authorization: `PVEAPIToken=${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` };
}

/** A small API client bound to the token, for terse tests. */
export function api(sim: Simulator) {
  const h = tokenHeaders(sim);
  return {
    get: (path: string) => raw(sim, 'GET', path, { headers: h }),
    post: (path: string, form: Record<string, string> = {}) => raw(sim, 'POST', path, { headers: h, form }),
    put: (path: string, form: Record<string, string> = {}) => raw(sim, 'PUT', path, { headers: h, form }),
    del: (path: string) => raw(sim, 'DELETE', path, { headers: h }),
    /** The `data` of a successful call; fails the test with PVE's message otherwise. */
    data: async <T = unknown>(answer: Promise<RawAnswer>): Promise<T> => {
      const res = await answer;
      if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.statusText}: ${JSON.stringify(res.body)}`);
      return res.body?.data as T;
    },
  };
}

/** Waits until the simulator's true state shows the task stopped. */
export async function waitTask(sim: Simulator, upid: string): Promise<{ status: string; exitstatus?: string; log: string[] }> {
  for (let i = 0; i < 1000; i++) {
    const t = sim.state.tasks().find((x) => x.upid === upid);
    if (t?.status === 'stopped') return t;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`task ${upid} did not stop`);
}

export async function login(sim: Simulator, username = 'root@pam', password = 'moxxie'): Promise<{ ticket: string; CSRFPreventionToken: string; cookie: string }> {
  const res = await raw(sim, 'POST', '/access/ticket', { form: { username, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.statusText}`);
  const data = res.body!.data as { ticket: string; CSRFPreventionToken: string };
  return { ...data, cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}` };
}

export const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;
