// Typed PVE errors that say what to do. Messages never carry secrets: the client redacts before building them.

export type PveErrorKind =
  | 'parameter'
  | 'auth'
  | 'permission'
  | 'not-found'
  | 'locked'
  | 'unreachable'
  | 'timeout'
  | 'server'
  | 'tls'
  | 'network'
  | 'cancelled'
  | 'task-failed';

export interface PveErrorInit {
  status?: number;
  errors?: Record<string, string>;
  hint?: string;
  method?: string;
  path?: string;
  /**
   * false when the client knows the request never reached PVE (the connection was refused, TLS failed, the
   * login it needed failed); true when PVE (or a proxy) answered it; absent when nobody can tell.
   */
  requestSent?: boolean;
}

export class PveError extends Error {
  readonly status?: number;
  readonly errors?: Record<string, string>;
  readonly hint: string;
  readonly method?: string;
  readonly path?: string;
  readonly requestSent?: boolean;

  constructor(
    readonly kind: PveErrorKind,
    message: string,
    init: PveErrorInit = {},
  ) {
    super(message);
    this.name = 'PveError';
    this.status = init.status;
    this.errors = init.errors;
    this.hint = init.hint ?? '';
    this.method = init.method;
    this.path = init.path;
    this.requestSent = init.requestSent;
  }
}

/** "VM is locked (snapshot)": another task holds the VM; retry later. */
export class PveLockedError extends PveError {
  constructor(
    readonly lock: string,
    message: string,
    init: PveErrorInit = {},
  ) {
    super('locked', message, { hint: `the VM is busy with a '${lock}' task; retry when it finishes`, ...init });
    this.name = 'PveLockedError';
  }
}

/** 403 with the missing privilege and ACL path when PVE names them. */
export class PvePermissionError extends PveError {
  constructor(
    message: string,
    readonly aclPath: string | undefined,
    readonly privilege: string | undefined,
    init: PveErrorInit = {},
  ) {
    super('permission', message, {
      hint: privilege ? `grant ${privilege} on ${aclPath} to this user or token (for a token with privilege separation, to the token too)` : 'the credentials lack a privilege for this call',
      ...init,
    });
    this.name = 'PvePermissionError';
  }
}

const LOCKED_RE = /VM is locked \(([^)]+)\)/;
/** Another config change holds the guest's lock file: as transient as a VM lock. */
const LOCK_FILE_RE = /can't lock file '[^']*' - got timeout/;
const PERMISSION_RE = /Permission check failed \(([^,]+), ([^)]+)\)/;

/** Maps an HTTP answer from PVE to a typed error. `message` is already redacted. */
export function errorFromResponse(status: number, message: string, errors: Record<string, string> | undefined, method: string, path: string): PveError {
  const at = `${method} ${path}`;
  const init = { status, errors, method, path, requestSent: true };
  const first = message.trim() || `HTTP ${status}`;
  if (status === 400) {
    const detail = errors ? Object.entries(errors).map(([k, v]) => `${k}: ${v.trim()}`).join('; ') : '';
    return new PveError('parameter', `${at}: ${first}${detail ? ` (${detail})` : ''}`, { ...init, hint: 'fix the named parameters; the PVE API viewer (https://pve.proxmox.com/pve-docs/api-viewer/) lists what each one accepts' });
  }
  if (status === 401) {
    return new PveError('auth', `${at}: authentication failed (${first})`, {
      ...init,
      hint: 'check the user/password or API token of this context (`moxxie config test`); an expired ticket is renewed automatically',
    });
  }
  if (status === 403) {
    const m = PERMISSION_RE.exec(first);
    return new PvePermissionError(`${at}: ${first}`, m?.[1], m?.[2], init);
  }
  if (status === 595 || status === 596 || status === 597 || status === 599) {
    return new PveError('unreachable', `${at}: node unreachable (HTTP ${status}${first && first !== `HTTP ${status}` ? ` ${first}` : ''})`, {
      ...init,
      hint: 'the node that owns this resource is offline or not answering; check its status in the node list',
    });
  }
  const locked = LOCKED_RE.exec(first);
  if (locked) return new PveLockedError(locked[1], `${at}: ${first}`, init);
  if (LOCK_FILE_RE.test(first)) return new PveLockedError('lock-file', `${at}: ${first}`, init);
  // pveproxy answers unknown API paths with 501 and missing objects with 500; a 404 means another server.
  if (status === 404) {
    return new PveError('not-found', `${at}: HTTP 404 ${first === 'HTTP 404' ? '' : first}`.trimEnd(), { ...init, hint: 'this server does not look like a Proxmox VE API; the context url should be https://HOST:8006' });
  }
  if (/does not exist|no such|not found/i.test(first)) {
    return new PveError('not-found', `${at}: ${first}`, { ...init, hint: 'the VM, snapshot, storage or node is not there (any more); refresh the inventory' });
  }
  return new PveError('server', `${at}: ${first}`, { ...init, hint: status === 501 ? 'this PVE version does not offer that call' : 'PVE refused the request; its message says why' });
}

/** Answers a retry may cure: PVE's catch-all 500, a proxy's 502/503/504, and pveproxy's proxy pseudo-codes. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([500, 502, 503, 504, 595, 596, 597, 599]);
/** Answers that say nothing about what PVE did: a proxy in front lost its upstream, or pveproxy lost the node mid-call. */
const UNKNOWN_OUTCOME_STATUS: ReadonlySet<number> = new Set([502, 503, 504, 596, 597, 599]);

/**
 * Whether trying the same call again may succeed: a dropped connection, a timeout, a 5xx (PVE's catch-all
 * 500, a proxy's 502/503/504, pveproxy's 595/596), a locked guest. Never for what no retry can fix:
 * authentication (a 401 the client already answered by logging in again), permission (403), parameter
 * verification (400), a missing object, an untrusted certificate, a cancel, a failed task, a 501.
 * A write should still be retried only after isAmbiguousWrite's question is answered.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof PveError)) return false;
  switch (err.kind) {
    case 'network':
    case 'timeout':
    case 'locked':
    case 'unreachable':
      return true;
    case 'server':
      return err.status !== undefined && RETRYABLE_STATUS.has(err.status);
    default:
      return false;
  }
}

/**
 * Whether a write failed in a way that leaves its outcome unknown: PVE may have applied it (and started its
 * task) although the answer never arrived. True for a connection that broke once the request could have
 * left (no answer), a timeout or cancel while waiting for the answer, and a 502/503/504 from a proxy or
 * 596/597/599 from pveproxy; read PVE back before doing it again. False for a refusal PVE gave (4xx, a 500
 * with PVE's message, a 501, 595: the node was not reached), for a request known never to have been sent,
 * and for reads.
 */
export function isAmbiguousWrite(err: unknown): boolean {
  if (!(err instanceof PveError)) return false;
  // Errors without a method are not answers to a call (a task that failed, or was not followed to its end).
  if (err.method === undefined || err.method === 'GET' || err.requestSent === false) return false;
  switch (err.kind) {
    case 'network':
    case 'timeout':
    case 'cancelled':
      return true;
    case 'server':
    case 'unreachable':
      return err.status !== undefined && UNKNOWN_OUTCOME_STATUS.has(err.status);
    default:
      return false;
  }
}
