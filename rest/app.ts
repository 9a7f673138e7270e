// The Fastify application: strict zod validation with the core's wording, one JSON error shape, the Host and
// bearer-token checks, the access log, the OpenAPI document, and the route tables turned into routes.
import { createHash, timingSafeEqual } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RequestError } from '../src/ops/errors.js';
import { issueMessage } from '../src/ops/request-schema.js';
import { ALWAYS_ON_TAG, PROTECTION_SKIP } from '../src/ops/safety.js';
import type { Operation } from '../src/ops/types.js';
import { conflict, errorAnswer, failureStatus, HttpError } from './errors.js';
import { isCapabilityRoute, type Answer, type CapabilityRoute, type HandlerRoute, type RestDeps, type RestRoute, type RouteInput } from './route-table.js';
import { REST_ROUTES } from './routes/index.js';
import { controlQuery, errorSchema, operationSchema } from './schemas.js';
import { checked } from './vm-lookup.js';
import { InventoryReads } from './inventory-reads.js';
import { acceptsGzip, etagMatches } from './shared-answer.js';

export const API_PREFIX = '/api/v1';

/** One line of the access log (or a server event), written as text or as a JSON object per line. */
export type ServeLogEvent =
  | { event: 'request'; method: string; url: string; status: number; durationMs: number; operationId?: string }
  | { event: 'info'; message: string }
  | { event: 'error'; message: string };

export interface AppOptions extends Omit<RestDeps, 'reads'> {
  /** Requests must send `Authorization: Bearer <token>` (all but /health). */
  token?: string;
  /** Whether a Host header names this server (DNS rebinding: a browser page must not reach a loopback API). */
  hostAllowed(host: string): boolean;
  log(event: ServeLogEvent): void;
  https?: { key: string; cert: string };
  version: string;
}

/** Skip reasons that are the core's safety rules refusing the one VM a call named: a 403, not a quiet skip. */
function safetyRefusal(message: string | undefined): boolean {
  const m = message ?? '';
  return m.startsWith('safe mode:') || m === PROTECTION_SKIP || m.startsWith('PVE protection is on') || m.startsWith(`tagged '${ALWAYS_ON_TAG}'`);
}

const operationIds = new WeakMap<FastifyRequest, string>();

async function runCapability(deps: RestDeps, route: CapabilityRoute, input: RouteInput, request: FastifyRequest): Promise<Answer> {
  const query = input.query as { wait?: boolean; dryRun?: boolean };
  const dryRun = query.dryRun === true;
  const wait = query.wait ?? !route.long;
  const vmid = route.vm?.(input);
  if (vmid !== undefined) {
    // A read of its own, not a shared one: the lock must be PVE's state now.
    const vm = checked((await deps.core.inventory()).vms.find((v) => v.vmid === vmid), vmid);
    if (vm.lock && !dryRun) throw conflict(`VM ${vmid} is locked (${vm.lock}): PVE is running a ${vm.lock} task on it; retry once it has finished`);
    await route.check?.(deps, input, vmid);
  }
  await route.precheck?.(deps, input);
  const capabilityRequest = { ...route.request(input), ...(dryRun ? { dryRun: true } : {}) };
  // Not the HTTP request's signal: a client that hangs up must not cancel work PVE has begun.
  const op: Operation = await deps.core.run(route.kind, capabilityRequest, { frontEnd: 'api', detach: !wait });
  operationIds.set(request, op.id);
  if (op.dryRun) return { body: op };
  if (route.present) {
    const shown = await route.present(op, baseUrl(request));
    if (wait && shown.failed) throw new HttpError(502, 'pve-failed', shown.failed, { operation: shown.body });
    return { status: wait ? 200 : 202, body: shown.body, headers: { location: shown.location } };
  }
  const location = { location: `${API_PREFIX}/operations/${op.id}` };
  const target = (vmid !== undefined ? op.targets.find((t) => t.vmid === vmid) : undefined) ?? (route.single && op.targets.length === 1 ? op.targets[0] : undefined);
  const subject = vmid !== undefined && target?.vmid === vmid ? `VM ${vmid}` : target?.name;
  if (target?.state === 'skipped' && safetyRefusal(target.message)) {
    throw new HttpError(403, 'refused', `${subject}: ${target.message}`, { operation: op });
  }
  if (wait && target?.state === 'failed') {
    const { status, code } = failureStatus(target.message);
    throw new HttpError(status, code, `${subject}: ${target.message ?? 'failed'}`, { operation: op });
  }
  return { status: wait ? 200 : 202, body: op, headers: location };
}

/** This server's URL as the client called it (the Host header was checked in onRequest). */
export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}${API_PREFIX}`;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}

function schemaOf(route: RestRoute) {
  // A route without query parameters still refuses unknown ones: `?dryRun=true` on a call without a dry run
  // must not quietly do the real thing.
  const query = isCapabilityRoute(route) ? z.strictObject({ ...(route.method === 'GET' ? {} : controlQuery), ...route.queryFields }) : (route.query ?? z.strictObject({}));
  const answer = isCapabilityRoute(route)
    ? route.response
      ? { 200: z.union([route.response, operationSchema]).describe('?wait=true: the result; dryRun: the plan (an operation)'), 202: route.response }
      : { 200: operationSchema, 202: operationSchema }
    : { 200: route.response ?? z.unknown() };
  return {
    summary: route.summary,
    tags: [route.group],
    ...(route.params ? { params: route.params } : {}),
    ...(query ? { querystring: query } : {}),
    ...(route.body ? { body: route.body } : {}),
    response: { ...answer, default: errorSchema },
  };
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const serverOptions: FastifyServerOptions = { logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true, return503OnClosing: true };
  const app = (opts.https ? Fastify({ ...serverOptions, https: opts.https } as FastifyServerOptions) : Fastify(serverOptions)) as unknown as FastifyInstance;

  // Validation in the core's words: the field, what is valid, and the nearest name for an unknown one.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zs = schema as z.ZodType;
    const prefix = httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : undefined;
    return (data: unknown) => {
      const value = data === null ? undefined : data;
      const parsed = zs.safeParse(value);
      if (parsed.success) return { value: parsed.data };
      if (value === undefined && httpPart === 'body') return { error: new RequestError('body', 'required: a JSON object (Content-Type: application/json); /api/v1/openapi.json shows its fields') };
      // A misspelt field first: the missing field it was meant to be is then named by its nearest match.
      const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0];
      const { field, message } = issueMessage(zs, issue, prefix);
      return { error: new RequestError(field === '(request)' ? (prefix ?? 'body') : field, message) };
    };
  });
  // Answers are plain data the routes built; the response schemas document them (and are not re-checked).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'moxxie REST API', version: opts.version, description: 'The seed (Moxxie) REST API over the moxxie core: every mutation goes through the core, where read-only, safe mode, PVE protection and always-on are enforced.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      ...(opts.token ? { security: [{ bearer: [] }] } : {}),
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host ?? '';
    if (!opts.hostAllowed(host)) {
      return reply.code(403).send({ error: 'forbidden-host', message: `Host '${host}' is not a name of this server; use its address (or start it with --allowed-host ${host.replace(/:\d+$/, '')})` });
    }
    if (opts.token && request.url !== '/health' && !bearerMatches(request.headers.authorization, opts.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'send "Authorization: Bearer <token>" with the token this server was started with' });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const opId = operationIds.get(request);
    opts.log({ event: 'request', method: request.method, url: request.url, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10, ...(opId ? { operationId: opId } : {}) });
  });

  app.setErrorHandler((err, _request, reply: FastifyReply) => {
    const { status, body, unexpected } = errorAnswer(err);
    if (unexpected) opts.log({ event: 'error', message: err instanceof Error ? err.message : String(err) });
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not-found', message: `no endpoint ${request.method} ${request.url.replace(/\?.*/, '')}; ${API_PREFIX}/openapi.json lists them` }),
  );

  const deps: RestDeps = { core: opts.core, jobs: opts.jobs, history: opts.history, reads: new InventoryReads(opts.core) };
  app.addHook('onClose', async () => deps.reads.close());
  app.get('/health', { schema: { summary: 'Liveness and the context served', tags: ['Server'] } }, async () => ({
    status: 'ok',
    context: opts.core.context.name,
    readOnly: opts.core.context.readOnly,
    safeMode: opts.core.context.safeMode,
    demo: opts.core.context.demo,
    version: opts.version,
  }));
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  for (const route of REST_ROUTES) {
    app.route({
      method: route.method,
      url: `${API_PREFIX}${route.url}`,
      schema: schemaOf(route),
      handler: async (request, reply) => {
        const input: RouteInput = { params: request.params, query: request.query ?? {}, body: request.body, base: baseUrl(request) };
        const answer = isCapabilityRoute(route) ? await runCapability(deps, route, input, request) : await (route as HandlerRoute).handle(deps, input);
        if (answer.headers) reply.headers(answer.headers);
        const shared = answer.shared;
        if (!shared) return reply.code(answer.status ?? 200).type('application/json').send(answer.body);
        reply.headers({ ...shared.headers, etag: shared.etag, vary: 'accept-encoding' }).type('application/json');
        if (etagMatches(request.headers['if-none-match'], shared.etag)) return reply.code(304).send();
        const gzipped = acceptsGzip(request.headers['accept-encoding']) ? shared.gzip() : undefined;
        if (gzipped) return reply.code(answer.status ?? 200).header('content-encoding', 'gzip').send(await gzipped);
        return reply.code(answer.status ?? 200).send(shared.raw);
      },
    });
  }
  return app;
}
