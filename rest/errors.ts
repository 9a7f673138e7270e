// How an error becomes an HTTP answer: one JSON shape ({error, message, field?}) and a status that fits.
// Never a stack trace: an unexpected error answers 500 with a line to look for in the server's log.
import { ReadOnlyError, RequestError } from '../src/ops/errors.js';
import { PveError } from '../src/pve/errors.js';
import { SelectorError } from '../src/select/selector-error.js';

export interface ErrorBody {
  error: string;
  message: string;
  /** The request field at fault (400). */
  field?: string;
  /** The operation the refusal or failure belongs to, when there is one. */
  operation?: unknown;
}

/** An answer a route decides itself: 404 for an unknown VM or job, 409 for a conflict, 403 for a refusal. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Partial<ErrorBody> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (message: string): HttpError => new HttpError(404, 'not-found', message);
export const conflict = (message: string, extra: Partial<ErrorBody> = {}): HttpError => new HttpError(409, 'conflict', message, extra);

/** PVE's own failures: its timeout is a 504, a locked VM a 409, a missing object a 404, anything else a 502. */
function pveStatus(err: PveError): { status: number; code: string } {
  if (err.kind === 'timeout') return { status: 504, code: 'pve-timeout' };
  if (err.kind === 'locked') return { status: 409, code: 'locked' };
  if (err.kind === 'not-found') return { status: 404, code: 'not-found' };
  return { status: 502, code: 'pve-failed' };
}

/** Fastify's own errors (a body that is not JSON, a wrong content type) carry a 4xx status and a plain message. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message: string;
}

export function errorAnswer(err: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (err instanceof HttpError) return { status: err.status, body: { error: err.code, message: err.message, ...err.extra }, unexpected: false };
  if (err instanceof ReadOnlyError) return { status: 403, body: { error: 'read-only', message: err.message }, unexpected: false };
  if (err instanceof RequestError) return { status: 400, body: { error: 'bad-request', field: err.field, message: err.message }, unexpected: false };
  if (err instanceof SelectorError) return { status: 400, body: { error: 'bad-request', ...(err.field ? { field: err.field } : {}), message: err.message }, unexpected: false };
  if (err instanceof PveError) {
    const { status, code } = pveStatus(err);
    return { status, body: { error: code, message: `Proxmox VE: ${err.message}${err.hint ? ` (${err.hint})` : ''}` }, unexpected: false };
  }
  const fw = err as FrameworkError;
  if (typeof fw?.statusCode === 'number' && fw.statusCode >= 400 && fw.statusCode < 500) {
    return { status: fw.statusCode, body: { error: fw.statusCode === 413 ? 'too-large' : 'bad-request', message: fw.message }, unexpected: false };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error: the request was not completed; the server log has the details' }, unexpected: true };
}

/** A failed target's message as an HTTP status (single-VM calls that waited): lock and name clashes are conflicts. */
export function failureStatus(message: string | undefined): { status: number; code: string } {
  const m = message ?? '';
  if (/\blocked\b/i.test(m)) return { status: 409, code: 'locked' };
  if (/already (exists|used)/i.test(m)) return { status: 409, code: 'conflict' };
  if (/tim(ed|e) ?out/i.test(m)) return { status: 504, code: 'pve-timeout' };
  return { status: 502, code: 'pve-failed' };
}
