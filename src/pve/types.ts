// Shared shapes of the PVE client layer. The client (src/pve/client.ts) implements PveRequester;
// typed endpoint functions (src/pve/endpoints/*) and the rest of the core only depend on this interface.

export type ParamValue = string | number | boolean | undefined;
export type Params = Record<string, ParamValue>;

export interface RequestOptions {
  signal?: AbortSignal;
  /** Per-request timeout; the client has its own default. */
  timeoutMs?: number;
}

/** What every caller of the PVE API needs: paths are relative to /api2/json, the `data` envelope is unwrapped. */
export interface PveRequester {
  get<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T>;
  post<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T>;
  put<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T>;
  delete<T = unknown>(path: string, params?: Params, opts?: RequestOptions): Promise<T>;
}

/** A parsed UPID: `UPID:node:pid:pstart:starttime:type:id:user@realm:` (pid, pstart, starttime in hex). */
export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

/** GET /nodes/{node}/tasks/{upid}/status */
export interface TaskStatus {
  upid: string;
  node: string;
  status: 'running' | 'stopped';
  /** Present once stopped: "OK", "WARNINGS: n" or an error text. */
  exitstatus?: string;
  type: string;
  id?: string;
  user: string;
  starttime: number;
  pid: number;
  pstart: number;
}

export interface TaskResult {
  upid: string;
  /** true when exitstatus is "OK" (or "WARNINGS: n"). */
  ok: boolean;
  exitstatus: string;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Poll interval; default 1000 ms for real clusters. */
  intervalMs?: number;
}

/** One row of a PVE task list (`GET /cluster/tasks`, `GET /nodes/{node}/tasks`); `status` is the exit status once finished. */
export interface TaskListItem {
  upid: string;
  node: string;
  type: string;
  id?: string;
  user: string;
  starttime: number;
  endtime?: number;
  status?: string;
}
