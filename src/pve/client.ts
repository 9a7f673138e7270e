// moxxie's PVE API client: one keep-alive pool per cluster, token or ticket auth, typed errors,
// bounded retries of reads, and task waiting through a shared watcher.
import { Pool } from 'undici';
import { normaliseAuth, secretsOf, tokenHeader, type Credentials, type PveAuth } from './auth.js';
import { errorFromResponse, isRetryable, PveError } from './errors.js';
import { TaskWatcher } from './task-watcher.js';
import { parseUpid } from './upid.js';
import { createConnector, type PveConnector, type TlsOptions } from './tls.js';
import type { Params, PveRequester, RequestOptions, TaskResult, WaitOptions } from './types.js';
import { guardRequest } from './features.js';

export interface PveClientOptions {
  /** e.g. https://pve1:8006 (no /api2/json). */
  url: string;
  auth: PveAuth;
  tls?: TlsOptions;
  /** Connection cap of the keep-alive pool (default 8). */
  maxConnections?: number;
  /** Per-request timeout (default 30 s, pveproxy's own proxy timeout). */
  timeoutMs?: number;
  /** Attempts for idempotent reads on transient failures (default 3). */
  readAttempts?: number;
  /** First retry waits up to this long (full jitter), doubling per attempt up to retryMaxDelayMs. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Renew a ticket after this age, before PVE's 2 h expiry (default 90 min). */
  ticketRenewAfterMs?: number;
  /** Task-watch poll interval (default 1000 ms, as PVE recommends). */
  taskPollIntervalMs?: number;
  /** Debug lines (method, path, status, time); never secrets. */
  logger?: (line: string) => void;
}

interface Session {
  ticket: string;
  csrf: string;
  issuedAt: number;
}

interface RawAnswer {
  status: number;
  /** PVE also puts its message in the reason phrase; some answers (401, 595) carry no body. */
  statusText: string;
  body: { data?: unknown; total?: number; message?: string; errors?: Record<string, string> } | undefined;
  /** The ticket session the request carried, if any. */
  session?: Session;
}

/**
 * A request body above this size goes on a connection of its own (closed after the answer). A server may
 * answer before reading a body it refuses (PVE 8.4 refuses more than 512 KiB, older 8.x more than 64 KiB,
 * unread); undici counts a body handed to the socket as sent, so if the server then kept the connection
 * open, the next request would queue behind the unread bytes until its timeout.
 */
const OWN_CONNECTION_BODY_BYTES = 64 * 1024;
/** Login and network failures that prove a request never left this process. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export class PveClient implements PveRequester {
  readonly url: string;
  readonly stats = { requests: 0 };
  private readonly pool: Pool;
  private readonly connector: PveConnector | undefined;
  private readonly credentials: Credentials;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly readAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly renewAfterMs: number;
  private readonly log: (line: string) => void;
  private session: Session | undefined;
  /** The user PVE named in its ticket answer (canonical `user@realm`). */
  private ticketUser: string | undefined;
  private loggingIn: Promise<Session> | undefined;
  private watcherInstance: TaskWatcher | undefined;
  private readonly taskPollIntervalMs: number;
  /** Requests whose caller was let go on abort while undici still holds them (see unlessAborted). */
  private readonly abandoned = new Set<Promise<unknown>>();

  constructor(opts: PveClientOptions) {
    let origin: URL;
    try {
      origin = new URL(opts.url);
    } catch {
      throw new Error(`url must be an absolute URL like https://pve1:8006 (got '${opts.url}')`);
    }
    if (origin.protocol !== 'https:' && origin.protocol !== 'http:') throw new Error(`url must start with https:// (got '${opts.url}')`);
    // Credentials belong in auth, where they are redacted; never echo a URL that carries them.
    if (origin.username || origin.password) throw new Error('url must not contain credentials; put them in auth (or PVE_TOKEN_ID/PVE_TOKEN_SECRET)');
    this.url = origin.origin;
    this.credentials = normaliseAuth(opts.auth);
    this.secrets = secretsOf(this.credentials).filter((s) => s.length >= 4);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.readAttempts = Math.max(1, opts.readAttempts ?? 3);
    this.retryBaseDelayMs = opts.retryBaseDelayMs ?? 200;
    this.retryMaxDelayMs = opts.retryMaxDelayMs ?? 3000;
    this.renewAfterMs = opts.ticketRenewAfterMs ?? 90 * 60_000;
    this.taskPollIntervalMs = opts.taskPollIntervalMs ?? 1000;
    this.log = opts.logger ?? (() => {});
    const tls = opts.tls ?? {};
    if (origin.protocol === 'http:') this.log(`warning: ${this.url} is plain HTTP; credentials travel unencrypted (PVE itself only serves https on port 8006)`);
    else if (tls.insecure && !tls.fingerprint) this.log(`warning: TLS verification is disabled for ${this.url} (tls.insecure); pin tls.fingerprint instead`);
    this.connector = origin.protocol === 'https:' ? createConnector(tls, this.timeoutMs) : undefined;
    this.pool = new Pool(this.url, {
      connections: opts.maxConnections ?? 8,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: this.connector,
    });
  }

  get<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T> {
    return this.call<T>('GET', path, params, opts);
  }
  post<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T> {
    return this.call<T>('POST', path, params, opts);
  }
  put<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T> {
    return this.call<T>('PUT', path, params, opts);
  }
  delete<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T> {
    return this.call<T>('DELETE', path, params, opts);
  }

  /** GET with PVE's `total` beside the data (task logs, some lists). */
  async getWithTotal<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<{ data: T; total?: number }> {
    const body = await this.callRaw('GET', path, params, opts);
    return { data: body?.data as T, total: body?.total };
  }

  /**
   * Who this client acts as, as PVE writes it in the UPIDs of the tasks it starts: `user@realm!tokenid` for a
   * token, `user@realm` for a ticket (PVE's own spelling once logged in). Undefined when it cannot be known yet
   * (a bare user name without a realm, before the first login).
   */
  get taskUser(): string | undefined {
    const c = this.credentials;
    if (c.kind === 'token') return c.tokenId;
    if (this.ticketUser) return this.ticketUser;
    if (c.username.includes('@')) return c.username;
    return c.realm ? `${c.username}@${c.realm}` : undefined;
  }

  /** Logs in now (ticket auth) so bad credentials fail early; a no-op for tokens. */
  async login(): Promise<void> {
    if (this.credentials.kind === 'password') await this.ensureSession(true);
  }

  /** The keep-alive pool right now: open sockets and queued requests (never more sockets than maxConnections). */
  get connections(): { connected: number; free: number; pending: number; running: number } {
    const st = this.pool.stats;
    return { connected: st.connected, free: st.free, pending: st.pending, running: st.running };
  }

  get watcher(): TaskWatcher {
    this.watcherInstance ??= new TaskWatcher(this, { intervalMs: this.taskPollIntervalMs });
    return this.watcherInstance;
  }

  /** Resolves when the task stops; never throws on task failure (ok=false, exitstatus has PVE's text). */
  waitForTask(upid: string, opts: WaitOptions = {}): Promise<TaskResult> {
    return this.watcher.watch(upid, opts);
  }

  async taskLog(upid: string, opts: { start?: number; limit?: number } = {}): Promise<{ lines: Array<{ n: number; t: string }>; total: number }> {
    const { node } = parseUpid(upid);
    const res = await this.getWithTotal<Array<{ n: number; t: string }>>(`/nodes/${node}/tasks/${encodeURIComponent(upid)}/log`, { start: opts.start ?? 0, limit: opts.limit ?? 50 });
    return { lines: res.data ?? [], total: res.total ?? res.data?.length ?? 0 };
  }

  async close(): Promise<void> {
    this.watcherInstance?.close();
    // A request let go on abort may still wait for a connection that never comes; nobody waits for its
    // answer, so the pool is ended at once rather than after that attempt's timeout.
    if (this.abandoned.size) {
      this.connector?.destroyPending();
      await this.pool.destroy();
    } else await this.pool.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Replaces every secret this client knows with ***. */
  redact(text: string): string {
    let out = text;
    const known = [...this.secrets, ...(this.session ? [this.session.ticket, this.session.csrf] : [])];
    for (const s of known) out = out.split(s).join('***');
    return out;
  }

  private async call<T>(method: string, path: string, params?: Params, opts?: RequestOptions): Promise<T> {
    // A parameter the cluster's release lacks is refused here, before anything is sent.
    if (method !== 'GET') await guardRequest(this, method, path, params as Record<string, unknown> | undefined);
    const body = await this.callRaw(method, path, params, opts);
    return body?.data as T;
  }

  private async callRaw(method: string, path: string, params: Params | undefined, opts: RequestOptions = {}): Promise<RawAnswer['body']> {
    // Only reads are retried. A write that timed out, lost its connection or got a 5xx may already have
    // been applied or started a task on PVE (a snapshot, a start, a clone); replaying it blindly could do
    // the work twice or fail confusingly ("snapshot name already used"). Callers that know a write is
    // safe to repeat (the operation runner, after checking PVE's state) retry it themselves.
    const attempts = method === 'GET' ? this.readAttempts : 1;
    let reloggedIn = false;
    for (let attempt = 1; ; attempt++) {
      let answer: RawAnswer;
      try {
        answer = await this.send(method, path, params, opts);
      } catch (err) {
        const e = this.networkError(err, method, path, opts);
        // Only what a retry can cure: never a TLS refusal, a cancel, or a login that was refused.
        if (attempt < attempts && isRetryable(e) && e.kind !== 'locked' && !opts.signal?.aborted) {
          this.log(`retrying ${method} ${path} after ${e.kind} error (attempt ${attempt + 1}/${attempts})`);
          await this.backoff(attempt, opts.signal);
          continue;
        }
        throw e;
      }
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      if (answer.status === 401 && this.credentials.kind === 'password' && !reloggedIn) {
        // The ticket expired or was revoked: log in once more and repeat (PVE executed nothing on a 401).
        // Once only: a second 401 is an authentication error no retry can fix.
        reloggedIn = true;
        // Other requests may have logged in again already; drop only the session this one was refused with.
        if (this.session === answer.session) this.session = undefined;
        attempt--;
        continue;
      }
      const message = this.redact(answer.body?.message || answer.statusText || '');
      const errors = answer.body?.errors ? Object.fromEntries(Object.entries(answer.body.errors).map(([k, v]) => [k, this.redact(String(v))])) : undefined;
      const error = errorFromResponse(answer.status, message, errors, method, path);
      // 400, 401 (after the one re-login), 403, 404 and 501 are final; so is a lock for a read.
      if (attempt < attempts && isRetryable(error) && error.kind !== 'locked') {
        this.log(`retrying ${method} ${path} after HTTP ${answer.status} (attempt ${attempt + 1}/${attempts})`);
        await this.backoff(attempt, opts.signal);
        continue;
      }
      throw error;
    }
  }

  private async backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    // Full jitter keeps many clients from retrying in lockstep; the cap bounds the wait.
    const ms = Math.random() * Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (attempt - 1));
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private async send(method: string, path: string, params: Params | undefined, opts: RequestOptions): Promise<RawAnswer> {
    const headers: Record<string, string> = {};
    if (this.credentials.kind === 'token') {
      headers.authorization = tokenHeader(this.credentials);
      return this.rawSend(method, path, params, headers, opts);
    }
    let s: Session;
    try {
      s = await this.ensureSession(false);
    } catch (err) {
      // The request itself never left: say so, so nobody wonders whether PVE applied it.
      const e = err instanceof PveError ? err : this.networkError(err, 'POST', '/access/ticket');
      throw new PveError(e.kind, `${method} ${path}: not sent, logging in failed: ${e.message}`, { status: e.status, method, path, hint: e.hint, requestSent: false });
    }
    headers.cookie = `PVEAuthCookie=${encodeURIComponent(s.ticket)}`;
    if (method !== 'GET') headers.csrfpreventiontoken = s.csrf;
    return { ...(await this.rawSend(method, path, params, headers, opts)), session: s };
  }

  private async rawSend(method: string, path: string, params: Params | undefined, headers: Record<string, string>, opts: RequestOptions): Promise<RawAnswer> {
    const encoded = encodeParams(params);
    let fullPath = `/api2/json${path}`;
    let body: string | undefined;
    if (method === 'GET' || method === 'DELETE') {
      if (encoded) fullPath += `?${encoded}`;
    } else {
      // Form-encoded, as PVE's own clients send writes; URLSearchParams percent-encodes ';' and '='.
      body = encoded;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (opts.signal?.aborted) throw new PveError('cancelled', `${method} ${path}: cancelled before it was sent`, { method, path, requestSent: false });
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
    const started = Date.now();
    this.stats.requests++;
    const signal = AbortSignal.any(signals);
    const pending = this.pool.request({
      path: fullPath,
      method: method as 'GET',
      headers,
      body,
      // A large body gets a connection of its own, never reused: the server may have left it unread.
      reset: body !== undefined && Buffer.byteLength(body) > OWN_CONNECTION_BODY_BYTES ? true : undefined,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const res = await unlessAborted(pending, signal, (request) => {
      this.abandoned.add(request);
      void request.then(
        (answer) => answer.body.dump(),
        () => undefined,
      ).finally(() => this.abandoned.delete(request));
    });
    const text = await res.body.text();
    this.log(`${method} ${path} ${res.statusCode} ${Date.now() - started}ms`);
    let parsed: RawAnswer['body'];
    if (text) {
      try {
        parsed = JSON.parse(text) as RawAnswer['body'];
      } catch {
        // Not PVE's envelope (a proxy's HTML error page, plain text): the status line says more than markup.
        parsed = res.statusCode >= 400 && res.statusText ? undefined : { message: text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) };
      }
    }
    return { status: res.statusCode, statusText: res.statusText ?? '', body: parsed };
  }

  private async ensureSession(force: boolean): Promise<Session> {
    if (!force && this.session && Date.now() - this.session.issuedAt < this.renewAfterMs) return this.session;
    this.loggingIn ??= this.doLogin().finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  private async doLogin(): Promise<Session> {
    const c = this.credentials;
    if (c.kind !== 'password') throw new Error('ticket login needs user/password credentials');
    // Renewal sends the still-valid ticket as the password, as the PVE GUI does.
    const renewing = this.session && Date.now() - this.session.issuedAt < this.renewAfterMs + 30 * 60_000;
    const params: Params = { username: c.username, password: renewing ? this.session!.ticket : c.password };
    if (c.realm && !c.username.includes('@')) params.realm = c.realm;
    if (c.totp && !renewing) params.otp = c.totp;
    let answer: RawAnswer;
    try {
      answer = await this.rawSend('POST', '/access/ticket', params, {}, {});
    } catch (err) {
      throw this.networkError(err, 'POST', '/access/ticket');
    }
    if (answer.status === 401 && renewing) {
      this.session = undefined;
      return this.doLogin();
    }
    if (answer.status !== 200) {
      throw errorFromResponse(answer.status, this.redact(answer.body?.message || answer.statusText || ''), undefined, 'POST', '/access/ticket');
    }
    const data = answer.body?.data as { ticket?: string; CSRFPreventionToken?: string; NeedTFA?: number; username?: string } | undefined;
    if (data?.NeedTFA) throw new PveError('auth', `user ${c.username} needs a second factor`, { hint: 'set auth.totp (or PVE_TOTP) to a current TOTP code, or use an API token' });
    if (!data?.ticket || !data.CSRFPreventionToken) throw new PveError('auth', 'POST /access/ticket: no ticket in the answer', { hint: 'is this URL a Proxmox VE API?' });
    this.session = { ticket: data.ticket, csrf: data.CSRFPreventionToken, issuedAt: Date.now() };
    if (typeof data.username === 'string' && data.username) this.ticketUser = data.username;
    return this.session;
  }

  private networkError(err: unknown, method: string, path: string, opts: RequestOptions = {}): PveError {
    const signal = opts.signal;
    // The pinning connector refuses a certificate before anything is sent; name the call it stopped.
    if (err instanceof PveError && err.kind === 'tls' && err.method === undefined) return new PveError('tls', `${method} ${path}: ${err.message}`, { method, path, hint: err.hint, requestSent: false });
    if (err instanceof PveError) return err;
    const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = e.code ?? e.cause?.code ?? '';
    const at = `${method} ${path}`;
    const msg = this.redact(e.message ?? String(err));
    // Whether it left is known only when the connection never came up; otherwise it may have been applied.
    const requestSent = NOT_SENT_CODES.has(code) ? false : undefined;
    if (signal?.aborted) return new PveError('cancelled', `${at}: cancelled`, { method, path, requestSent });
    if (e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new PveError('timeout', `${at}: no answer within ${opts.timeoutMs ?? this.timeoutMs} ms`, {
        method,
        path,
        requestSent,
        hint: 'the cluster is slow or unreachable; raise timeoutMs or check the network',
      });
    }
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new PveError('unreachable', `${at}: cannot connect to ${this.url} (${code})`, { method, path, requestSent: false, hint: `check the context url and that pveproxy is running on port ${new URL(this.url).port || (this.url.startsWith('http:') ? '80' : '443')}` });
    }
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
      // The handshake failed, so nothing was sent.
      return new PveError('tls', `${at}: TLS certificate of ${this.url} is not trusted (${code})`, {
        method,
        path,
        requestSent: false,
        hint: "pin the node's SHA-256 fingerprint (tls.fingerprint / PVE_FINGERPRINT; `pvenode cert info` on the node shows it) or trust the cluster CA (tls.caFile / PVE_CA_FILE, from /etc/pve/pve-root-ca.pem)",
      });
    }
    return new PveError('network', `${at}: ${msg}${code ? ` (${code})` : ''}`, {
      method,
      path,
      requestSent,
      hint: method === 'GET' ? 'the connection failed; reads are retried' : 'the connection failed after the request may have reached PVE: check whether it was applied before repeating it',
    });
  }
}

function encodeParams(params: Params | undefined): string {
  if (!params) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    sp.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return sp.toString();
}

/**
 * `pending`, or the signal's reason the moment it aborts. undici notices an abort only once the request has
 * a connection (nodejs/undici#386): a request still waiting for one (a host that accepts and never answers)
 * would hold its caller, a cancel or a quit, until the connect timeout. The request left behind is handed
 * to `abandon`; undici ends it when its connection attempt does.
 */
function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal, abandon: (request: Promise<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      abandon(pending);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
