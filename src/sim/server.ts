// The HTTP(S) front of the simulator: transport, auth, schema validation, fault injection, dispatch.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimApiError } from './api-error.js';
import type { SimAuth } from './auth.js';
import type { SimCluster } from './cluster.js';
import { checkFaultPatch } from './faults.js';
import { RawJson, WithTotal, type HandlerTable } from './handlers/context.js';
import { ticketLogin } from './handlers/access.js';
import { parseJsonBody, parseUrlencoded } from './request-params.js';
import { routeTable, splitApiPath, type HttpMethod } from './schema/routes.js';
import { validateRequest, type WireParams } from './schema/validate.js';

const MAX_BODY = 512 * 1024;
const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

export interface RequestStats {
  requests: number;
  byRoute: Record<string, number>;
}

export interface ServerDeps {
  sim: SimCluster;
  auth: SimAuth;
  handlers: HandlerTable;
  stats: RequestStats;
  rand: () => number;
  controlEndpoint: boolean;
  /** Read-only true-state snapshot for the control endpoint. */
  stateSnapshot: () => unknown;
}

function reasonPhrase(message: string): string {
  // The status line carries the message's first line; keep it to what HTTP allows.
  return (message.split('\n')[0] || 'error').replace(/[^\t\x20-\x7e]/g, '?').slice(0, 200);
}

function send(res: ServerResponse, status: number, message: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, reasonPhrase(message), {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'max-age=0',
  });
  res.end(body);
}

function sendError(res: ServerResponse, err: SimApiError): void {
  const body: Record<string, unknown> = { data: null };
  if (err.errors) body.errors = err.errors;
  if (err.status !== 401 || err.message === 'authentication failure') body.message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  send(res, err.status, err.message, err.status === 401 && err.message !== 'authentication failure' ? '' : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SimApiError(501, 'for data too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { sim, auth, handlers, stats, rand } = deps;
  const routes = routeTable();

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<void> {
    if (path === '/_sim/state' && req.method === 'GET') return send(res, 200, 'OK', JSON.stringify({ data: deps.stateSnapshot() }));
    if (path === '/_sim/faults' && req.method === 'GET') return send(res, 200, 'OK', JSON.stringify({ data: sim.faults }));
    if (path === '/_sim/faults' && (req.method === 'POST' || req.method === 'PUT')) {
      try {
        Object.assign(sim.faults, checkFaultPatch(JSON.parse(body || '{}') as Record<string, unknown>));
        sim.touch();
        return send(res, 200, 'OK', JSON.stringify({ data: sim.faults }));
      } catch (err) {
        return send(res, 400, 'bad fault settings', JSON.stringify({ data: null, message: (err as Error).message }));
      }
    }
    return send(res, 404, 'not found', JSON.stringify({ data: null, message: 'control endpoints: GET /_sim/state, GET|POST /_sim/faults' }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sim');
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(url.pathname);
    } catch {
      decodedPath = url.pathname;
    }
    const body = await readBody(req);

    if (decodedPath.startsWith('/_sim/')) {
      if (!deps.controlEndpoint) return sendError(res, new SimApiError(501, `Method '${method} ${decodedPath}' not implemented`));
      return handleControl(req, res, decodedPath, body);
    }
    const m = /^\/api2\/json(\/.*)?$/.exec(decodedPath);
    if (!m) return sendError(res, new SimApiError(501, `Method '${method} ${decodedPath}' not implemented`));
    const apiPath = m[1] ?? '/';

    stats.requests++;
    if (sim.faults.latencyMs > 0) await sleep(sim.faults.latencyMs);
    if (sim.faults.dropRate > 0 && rand() < sim.faults.dropRate) {
      req.socket.destroy();
      return;
    }
    if (sim.faults.errorRate > 0 && rand() < sim.faults.errorRate) {
      const status = sim.faults.errorStatus;
      return sendError(res, new SimApiError(status, status === 500 ? 'Internal Server Error (fault injection)' : status === 502 ? 'Bad Gateway (fault injection)' : 'Service Unavailable (fault injection)'));
    }
    if (!METHODS.includes(method as HttpMethod)) return sendError(res, new SimApiError(501, `Method '${method} ${apiPath}' not implemented`));
    if ((method === 'GET' || method === 'DELETE') && body.length > 0) return sendError(res, new SimApiError(501, `Unexpected content for method '${method}'`));

    const match = routes.match(splitApiPath(apiPath));
    const info = match?.entry.info[method as HttpMethod];
    if (!match || !info) return sendError(res, new SimApiError(501, `Method '${method} ${apiPath}' not implemented`));
    const routeKey = `${method} ${match.entry.path}`;
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;

    let params: WireParams = parseUrlencoded(url.search.slice(1));
    if (method === 'POST' || method === 'PUT') {
      const ctype = String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded');
      let fromBody: WireParams = {};
      if (/^application\/json/i.test(ctype)) {
        try {
          fromBody = parseJsonBody(body) ?? {};
        } catch {
          return sendError(res, new SimApiError(400, 'malformed JSON string'));
        }
      } else if (/^application\/x-www-form-urlencoded/i.test(ctype) || !body) {
        fromBody = parseUrlencoded(body);
      } else {
        return sendError(res, new SimApiError(506, `unsupported content type '${ctype}'`));
      }
      params = { ...fromBody, ...params };
    }

    if (routeKey === 'POST /access/ticket') {
      const checked = validateRequest(match.entry.path, info, match.pathParams, params);
      if (Object.keys(checked.errors).length) return sendError(res, new SimApiError(400, 'Parameter verification failed.', checked.errors));
      return send(res, 200, 'OK', JSON.stringify({ data: ticketLogin(auth, checked.params) }));
    }
    if (routeKey === 'GET /access/domains') {
      return send(res, 200, 'OK', JSON.stringify({ data: [{ realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' }, { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server', default: 1 }] }));
    }

    const who = auth.authenticate(method, req.headers);
    if (who.tokenid && info.allowtoken === 0) throw new SimApiError(403, `URI '${apiPath}' not available with API token, need proper ticket.`);
    const checked = validateRequest(match.entry.path, info, match.pathParams, params);
    if (Object.keys(checked.errors).length) return sendError(res, new SimApiError(400, 'Parameter verification failed.', checked.errors));

    const node = match.pathParams.node;
    if (node && sim.nodes.has(node) && !sim.isOnline(node)) {
      // pveproxy cannot reach the owning node: AnyEvent's pseudo-status with an empty body.
      return send(res, 595, 'No route to host', '');
    }
    const handler = handlers[routeKey];
    if (!handler) return sendError(res, new SimApiError(501, `Method '${method} ${apiPath}' not implemented in the simulator`));
    const result = handler({ sim, params: checked.params, auth: who });
    if (result instanceof RawJson) return send(res, 200, 'OK', result.body);
    if (result instanceof WithTotal) return send(res, 200, 'OK', JSON.stringify({ data: result.data, total: result.total }));
    return send(res, 200, 'OK', JSON.stringify({ data: result === undefined ? null : result }));
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof SimApiError) return sendError(res, err);
      const message = err instanceof Error ? err.message : String(err);
      sendError(res, new SimApiError(500, message));
    });
  };
}
