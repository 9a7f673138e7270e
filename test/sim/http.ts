// Raw HTTP against the simulator (these tests check the simulator itself, so they bypass moxxie's client).
import type { Simulator } from '../../src/sim/index.js';

export interface RawAnswer {
  status: number;
  statusText: string;
  body: { data?: unknown; errors?: Record<string, string>; message?: string; total?: number } | null;
}

export async function raw(sim: Simulator, method: string, path: string, opts: { headers?: Record<string, string>; form?: Record<string, string>; json?: unknown } = {}): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined;
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

export async function waitTask(sim: Simulator, upid: string): Promise<{ status: string; exitstatus?: string }> {
  for (let i = 0; i < 500; i++) {
    const t = sim.state.tasks().find((x) => x.upid === upid);
    if (t?.status === 'stopped') return t;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`task ${upid} did not stop`);
}
