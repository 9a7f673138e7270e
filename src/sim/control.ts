// The simulator's own control interface over HTTP, outside /api2 and off unless enabled: read the true
// state, read and change fault settings, and set guest behaviour. Plain JSON in and out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkFaultPatch, type FaultSettings } from './faults.js';

/** What a test may make a guest do: ignore ACPI shutdown, fail its live migration. */
export interface GuestBehaviour {
  ignoresShutdown?: boolean;
  failsOnlineMigration?: boolean;
}

export interface ControlDeps {
  faults(): FaultSettings;
  setFaults(patch: Partial<FaultSettings>): void;
  resetFaults(): void;
  stateSnapshot(): unknown;
  setGuestBehaviour(vmid: number, behaviour: GuestBehaviour): boolean;
}

export const CONTROL_USAGE = 'control endpoints: GET /_sim/state, GET /_sim/faults, POST /_sim/faults (JSON patch), POST /_sim/faults/reset, POST /_sim/guests/{vmid} {"ignoresShutdown":true,"failsOnlineMigration":true}';

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function parseObject(body: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(body || '{}');
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function handleControl(deps: ControlDeps, req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
  const method = req.method ?? 'GET';
  try {
    if (path === '/_sim/state' && method === 'GET') return reply(res, 200, { data: deps.stateSnapshot() });
    if (path === '/_sim/faults' && method === 'GET') return reply(res, 200, { data: deps.faults() });
    if (path === '/_sim/faults' && (method === 'POST' || method === 'PUT')) {
      deps.setFaults(checkFaultPatch(parseObject(body)));
      return reply(res, 200, { data: deps.faults() });
    }
    if (path === '/_sim/faults/reset' && method === 'POST') {
      deps.resetFaults();
      return reply(res, 200, { data: deps.faults() });
    }
    const guest = /^\/_sim\/guests\/(\d+)$/.exec(path);
    if (guest && method === 'POST') {
      const patch = parseObject(body);
      for (const [k, v] of Object.entries(patch)) {
        if (k !== 'ignoresShutdown' && k !== 'failsOnlineMigration') throw new Error(`unknown guest behaviour '${k}'; valid: ignoresShutdown, failsOnlineMigration`);
        if (typeof v !== 'boolean') throw new Error(`${k} must be true or false`);
      }
      if (!deps.setGuestBehaviour(Number(guest[1]), patch as GuestBehaviour)) {
        return reply(res, 404, { data: null, message: `no guest ${guest[1]}` });
      }
      return reply(res, 200, { data: null });
    }
  } catch (err) {
    return reply(res, 400, { data: null, message: err instanceof Error ? err.message : String(err) });
  }
  return reply(res, 404, { data: null, message: CONTROL_USAGE });
}
