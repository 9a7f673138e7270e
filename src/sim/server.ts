// The HTTP(S) front of the simulator, close to pveproxy's order: checks on the request head (before any
// body is read: a body too large is refused unread), reading the body, fault injection, auth, routing
// (501), token restrictions, proxying to the node (595 when offline), schema validation (400), then the
// handler.
// Answers use PVE's envelope and put the error's first line in the status line. As pveproxy does, every
// answer of 400 or more closes the connection (`Connection: close`), so a body left unread never meets the
// next request on a reused connection. A lost-answer fault lets the handler run and then loses its answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimApiError, paramError, unknownMethod } from './api-error.js';
import type { SimAuth } from './auth.js';
import type { SimCluster } from './cluster.js';
import { handleControl, type ControlDeps } from './control.js';
import { ticketLogin } from './handlers/access.js';
import { RawJson, WithTotal, type HandlerTable } from './handlers/context.js';
import { parseJsonBody, parseUrlencoded } from './request-params.js';
import { routeTable, splitApiPath, type HttpMethod } from './schema/routes.js';
import { validateRequest, type WireParams } from './schema/validate.js';

const MAX_BODY = 512 * 1024;
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'DELETE']);
/** Endpoints PVE serves without authentication. */
const UNAUTHENTICATED = new Set(['GET /access/domains', 'GET /access/ticket', 'POST /access/ticket']);

export interface RequestStats {
  requests: number;
  /** Keyed by method and schema path, e.g. 'GET /nodes/{node}/tasks'. */
  byRoute: Record<string, number>;
  /** Faults injected so far: errors and drops before anything ran, answers lost after the handler ran. */
  injected: { errors: number; drops: number; lostAnswers: number };
}

/** One request as the client sent it: for tests that check every request against the schema. */
export interface SimRequestRecord {
  method: string;
  /** Below /api2/json, as sent. */
  path: string;
  /** The schema path it matched; undefined when no schema entry has it (PVE answers 501). */
  route?: string;
  /** Query and body parameters as sent (path placeholders not included). */
  params: WireParams;
}

export interface ServerDeps {
  sim: SimCluster;
  auth: SimAuth;
  handlers: HandlerTable;
  stats: RequestStats;
  rand: () => number;
  /** Set when the control endpoint is enabled. */
  control?: ControlDeps;
  /** Sees every authenticated API request before validation. */
  onRequest?: (record: SimRequestRecord) => void;
}

function reasonPhrase(message: string): string {
  // The status line carries the message's first line; keep it to what HTTP allows.
  return (message.split('\n')[0] || 'error').replace(/[^\t\x20-\x7e]/g, '?').slice(0, 200);
}

/** Answers a lost-answer fault swallows: the handler has run, the client learns nothing of it. */
const lostAnswers = new WeakMap<ServerResponse, 'drop' | '502'>();

/** What nginx in front of pveproxy answers when its upstream connection breaks. */
const PROXY_502_BODY = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function send(res: ServerResponse, status: number, message: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  const lost = lostAnswers.get(res);
  if (lost === 'drop') {
    res.socket?.destroy();
    return;
  }
  if (lost === '502') {
    res.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(PROXY_502_BODY), Server: 'nginx' });
    res.end(PROXY_502_BODY);
    return;
  }
  res.writeHead(status, reasonPhrase(message), {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'max-age=0',
    Pragma: 'no-cache',
    // pve-http-server (AnyEvent.pm, response): keep_alive = 0 for any code >= 400.
    Connection: status >= 400 ? 'close' : 'Keep-Alive',
  });
  res.end(body);
}

function sendError(res: ServerResponse, err: SimApiError): void {
  // Auth failures and proxy errors come with an empty body; everything else with PVE 8.4's envelope.
  if ((err.status === 401 && err.message !== 'authentication failure') || err.status >= 595) return send(res, err.status, err.message, '');
  const body: Record<string, unknown> = { data: null };
  if (err.errors) body.errors = err.errors;
  body.message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  send(res, err.status, err.message, JSON.stringify(body));
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

function pick<T>(list: T | T[], rand: () => number): T {
  return Array.isArray(list) ? list[Math.min(list.length - 1, Math.floor(rand() * list.length))] : list;
}

function faultMessage(status: number): string {
  return status === 502 ? 'Bad Gateway (fault injection)' : status === 503 ? 'Service Unavailable (fault injection)' : 'Internal Server Error (fault injection)';
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { sim, auth, handlers, stats, rand } = deps;

  async function parseParams(method: string, req: IncomingMessage, query: string, body: string): Promise<WireParams> {
    const fromQuery = parseUrlencoded(query);
    if (method !== 'POST' && method !== 'PUT') return fromQuery;
    const ctype = String(req.headers['content-type'] ?? '');
    let fromBody: WireParams = {};
    if (/^application\/json/i.test(ctype)) {
      try {
        fromBody = parseJsonBody(body || '{}') ?? {};
      } catch {
        throw new SimApiError(400, 'malformed JSON string');
      }
    } else if (!ctype || /^application\/x-www-form-urlencoded/i.test(ctype) || !body) {
      fromBody = parseUrlencoded(body);
    } else {
      throw new SimApiError(506, `unsupported content type '${ctype.split(';')[0]}'`);
    }
    // Query parameters win over body ones, as pve-http-server merges them.
    return { ...fromBody, ...fromQuery };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = decodePath(url.pathname);

    if (path.startsWith('/_sim/')) {
      if (!deps.control) return send(res, 404, 'Not Found', '');
      return handleControl(deps.control, req, res, path, await readBody(req));
    }
    const api = /^\/api2\/([^/]+)(\/.*)?$/.exec(path);
    if (!api) return send(res, 404, 'Not Found', '');
    const relPath = `/${splitApiPath(api[2] ?? '/').join('/')}`;
    if (api[1] !== 'json') throw new SimApiError(501, `no formatter for uri ${relPath}, ${method}`);

    stats.requests++;
    if (!METHODS.has(method)) throw unknownMethod(method, relPath);
    // The request head decides these before any body is read (pve-http-server AnyEvent.pm, unshift_read_header).
    const te = req.headers['transfer-encoding'];
    if (te) throw new SimApiError(501, /^chunked$/i.test(te.trim()) ? 'chunked transfer encoding not supported' : `Unknown transfer encoding '${te}'`);
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > 0 && method !== 'POST' && method !== 'PUT') throw new SimApiError(501, `Unexpected content for method '${method}'`);
    // Refused unread; the answer closes the connection, so the unread body cannot stall the next request.
    if (length > MAX_BODY) throw new SimApiError(501, 'for data too large');
    // The whole request is in before anything acts on it: a client that gives up while the call runs (a
    // timeout, a cancel) does not stop it, as it does not stop PVE.
    const body = await readBody(req);

    const faults = sim.faults;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.dropRate > 0 && rand() < faults.dropRate) {
      stats.injected.drops++;
      req.socket.destroy();
      return;
    }
    if (faults.errorRate > 0 && rand() < faults.errorRate) {
      stats.injected.errors++;
      const status = pick(faults.errorStatus, rand);
      throw new SimApiError(status, faultMessage(status));
    }
    if (faults.lostAnswerRate > 0 && (faults.lostAnswerMethods as string[]).includes(method) && rand() < faults.lostAnswerRate) {
      // Decided now, applied when the answer is sent: whatever the request does happens in full.
      stats.injected.lostAnswers++;
      lostAnswers.set(res, faults.lostAnswerMode === 'mixed' ? (rand() < 0.5 ? 'drop' : '502') : faults.lostAnswerMode);
    }

    const segs = splitApiPath(api[2] ?? '/');
    // The schema is parsed on the first request (once per process): a simulator answers sooner after start.
    const match = routeTable(sim.profile.name).match(segs);
    const info = match?.entry.info[method as HttpMethod];
    const routeKey = match ? `${method} ${match.entry.path}` : undefined;
    const who = routeKey && UNAUTHENTICATED.has(routeKey) ? undefined : auth.authenticate(method, req.headers);

    if (!match || !info || !routeKey) {
      deps.onRequest?.({ method, path: relPath, params: parseUrlencoded(url.search.slice(1)) });
      throw unknownMethod(method, relPath);
    }
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;
    if (who?.tokenid && info.allowtoken === 0) throw new SimApiError(403, `URI '${relPath}' not available with API token, need proper ticket.`);

    // pveproxy forwards node calls before the node's daemon validates anything.
    if (info.proxyto === 'node') {
      const node = match.pathParams.node;
      if (node && !sim.nodes.has(node)) sim.node(node);
      if (node && !sim.isOnline(node)) throw new SimApiError(595, 'No route to host');
    }

    const params = await parseParams(method, req, url.search.slice(1), body);
    deps.onRequest?.({ method, path: relPath, route: match.entry.path, params: { ...params } });
    const checked = validateRequest(match.entry.path, info, match.pathParams, params);
    if (Object.keys(checked.errors).length) throw paramError(checked.errors);

    if (routeKey === 'POST /access/ticket') return send(res, 200, 'OK', JSON.stringify({ data: ticketLogin(auth, checked.params) }));
    if (routeKey === 'GET /access/ticket') return send(res, 200, 'OK', JSON.stringify({ data: null }));
    const handler = handlers[routeKey];
    // A valid PVE endpoint moxxie never calls: answered like an unknown method, with the reason.
    if (!handler) throw new SimApiError(501, `Method '${method} ${relPath}' is outside the moxxie simulator's scope (a real PVE ${sim.profile.version.release} offers it)`);
    const result = await handler({ sim, params: checked.params, auth: who ?? { user: '', viaTicket: false, admin: false } });
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
