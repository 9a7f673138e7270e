// A route is a declaration: method + path + the seed's body/query, mapped onto a capability of the registry
// (`core.run(kind, request)`) or onto a core read. The tables in rest/routes/ list them; rest/app.ts turns
// each into a Fastify route, so a capability that lands later is one more entry, not a new handler.
import type { z } from 'zod';
import type { MoxxieCore } from '../src/core.js';
import type { HistoryStore } from '../src/history/store.js';
import type { Operation, OperationKind } from '../src/ops/types.js';
import type { JobManager } from '../src/schedule/jobs.js';
import type { InventoryReads } from './inventory-reads.js';
import type { SharedAnswer } from './shared-answer.js';

export interface RestDeps {
  core: MoxxieCore;
  jobs: JobManager;
  history: HistoryStore;
  reads: InventoryReads;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a handler gets: path parameters, query and body, each already parsed by its strict schema. */
export interface RouteInput<P = any, Q = any, B = any> {
  params: P;
  query: Q;
  body: B;
  /** This server's API URL as the client called it (`http://host:port/api/v1`), for links in answers. */
  base: string;
}

interface RouteBase {
  method: HttpMethod;
  /** Under /api/v1, Fastify's form: `/vms/:id/snapshots`. */
  url: string;
  summary: string;
  /** The OpenAPI tag it is listed under. */
  group: string;
  params?: z.ZodType;
  body?: z.ZodType;
  /** The 200 answer, for the OpenAPI document. */
  response?: z.ZodType;
}

export interface Answer {
  status?: number;
  body?: unknown;
  /** The body already serialized and encoded, shared by identical requests (ETag and gzip with it). */
  shared?: SharedAnswer;
  headers?: Record<string, string>;
}

/** A read, or a change made through a core service other than a capability (the JobManager). */
export interface HandlerRoute<P = any, Q = any, B = any> extends RouteBase {
  query?: z.ZodType;
  handle(deps: RestDeps, input: RouteInput<P, Q, B>): Promise<Answer>;
}

/** A capability call: the request is built from the path, query and body, then run through the core. */
export interface CapabilityRoute<P = any, Q = any, B = any> extends RouteBase {
  kind: OperationKind;
  /** Extra query fields beside `wait` and `dryRun` (which every capability route takes). */
  queryFields?: z.ZodRawShape;
  /**
   * The one VM the path names (`/vms/{id}/...`): unknown → 404, locked → 409, and a target refused by safe
   * mode, PVE protection or always-on → 403. Absent for bulk calls, whose selection is in the request.
   */
  vm?(input: RouteInput<P, Q, B>): number;
  /** Long calls answer 202 with the operation once it started, unless `?wait=true`; short ones wait unless `?wait=false`. */
  long: boolean;
  request(input: RouteInput<P, Q, B>): object;
  /** Checks against PVE's state before it runs (an existing snapshot name is a 409, a missing one a 404). */
  check?(deps: RestDeps, input: RouteInput<P, Q, B>, vmid: number): Promise<void>;
  /** The same for a call that names no VM (a backup that must exist and not be protected). */
  precheck?(deps: RestDeps, input: RouteInput<P, Q, B>): Promise<void>;
  /**
   * The call is about one thing (a backup, a new VM): when its operation has one target, that target's safety
   * refusal is a 403 and, waited for, its failure an error status, as for the VM a path names.
   */
  single?: boolean;
  /**
   * The answer for an operation that ran (not a dry run) in another shape than the operation itself (the
   * seed's provisioning status), with its Location; `base` is this server's URL as the client called it.
   */
  present?(op: Operation, base: string): Promise<{ body: unknown; location: string; failed?: string }>;
}

export type RestRoute = HandlerRoute | CapabilityRoute;

export const isCapabilityRoute = (r: RestRoute): r is CapabilityRoute => 'kind' in r;

/** A route's input typed from its schemas. */
export type InputOf<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> = RouteInput<
  P extends z.ZodType ? z.output<P> : undefined,
  Q extends z.ZodType ? z.output<Q> : Record<string, never>,
  B extends z.ZodType ? z.output<B> : undefined
>;
