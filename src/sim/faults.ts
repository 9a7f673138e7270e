// Fault injection settings, changeable at start and at run time (in-process or via the control endpoint).
export type FaultStatus = 500 | 502 | 503;
export type LostAnswerMode = 'drop' | '502' | 'mixed';
export type FaultMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface FaultSettings {
  /** Added before every API answer. */
  latencyMs: number;
  /** Fraction 0..1 of API calls answered with errorStatus before anything runs (nothing is applied). */
  errorRate: number;
  /** The status of those answers; a list picks one at random per fault. */
  errorStatus: FaultStatus | FaultStatus[];
  /** Fraction 0..1 of connections destroyed without an answer before anything runs (nothing is applied). */
  dropRate: number;
  /**
   * Fraction 0..1 of API calls (of lostAnswerMethods) that are handled in full — the write applied, its
   * task started — and whose answer is then lost, as lostAnswerMode says.
   */
  lostAnswerRate: number;
  /** 'drop': the connection is closed without an answer; '502': a proxy in front of pveproxy answers 502; 'mixed': either, at random. */
  lostAnswerMode: LostAnswerMode;
  /** The methods lostAnswerRate applies to (default POST, PUT, DELETE: the writes). */
  lostAnswerMethods: FaultMethod[];
  /** Fraction 0..1 of tasks that end with an error. */
  taskFailureRate: number;
  taskDurationMs: number;
  /**
   * Multiplies PVE's lock timeouts (config flock 1 s in a clone, storage locks 10 s): 1 is PVE's; a test whose
   * tasks last milliseconds shrinks them alike so lock contention shows without waiting real seconds.
   */
  lockTimeoutScale: number;
  /**
   * Simulated time to move one GiB of a migration at full link speed (memory when online, local disks when
   * they move); a `bwlimit` below the link's 1 GiB/s stretches it in proportion.
   */
  migrationMsPerGiB: number;
  /** Nodes whose endpoints answer 595 and whose guests show status unknown. */
  offlineNodes: string[];
  ticketLifetimeSeconds: number;
}

export const defaultFaults = (): FaultSettings => ({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 500,
  dropRate: 0,
  lostAnswerRate: 0,
  lostAnswerMode: 'drop',
  lostAnswerMethods: ['POST', 'PUT', 'DELETE'],
  taskFailureRate: 0,
  taskDurationMs: 50,
  lockTimeoutScale: 1,
  migrationMsPerGiB: 2,
  offlineNodes: [],
  ticketLifetimeSeconds: 7200,
});

/** A deep copy: the arrays in it are never shared with the live settings. */
export function copyFaults(f: FaultSettings): FaultSettings {
  return { ...f, errorStatus: Array.isArray(f.errorStatus) ? [...f.errorStatus] : f.errorStatus, lostAnswerMethods: [...f.lostAnswerMethods], offlineNodes: [...f.offlineNodes] };
}

const KEYS = Object.keys(defaultFaults()) as Array<keyof FaultSettings>;
const STATUSES: readonly number[] = [500, 502, 503];
const MODES: readonly string[] = ['drop', '502', 'mixed'];
const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** Validates a partial settings object from the control endpoint; throws naming the bad field. */
export function checkFaultPatch(patch: Record<string, unknown>): Partial<FaultSettings> {
  const out: Partial<FaultSettings> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (!KEYS.includes(k as keyof FaultSettings)) throw new Error(`unknown fault setting '${k}'; valid: ${KEYS.join(', ')}`);
    if (k === 'offlineNodes') {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error('offlineNodes must be an array of node names');
      out.offlineNodes = [...(v as string[])];
    } else if (k === 'errorStatus') {
      const list = Array.isArray(v) ? v : [v];
      if (!list.length || !list.every((s) => typeof s === 'number' && STATUSES.includes(s))) throw new Error('errorStatus must be 500, 502 or 503 (or a non-empty list of them)');
      out.errorStatus = Array.isArray(v) ? ([...v] as FaultStatus[]) : (v as FaultStatus);
    } else if (k === 'lostAnswerMode') {
      if (typeof v !== 'string' || !MODES.includes(v)) throw new Error(`lostAnswerMode must be one of ${MODES.join(', ')}`);
      out.lostAnswerMode = v as LostAnswerMode;
    } else if (k === 'lostAnswerMethods') {
      if (!Array.isArray(v) || !v.every((m) => typeof m === 'string' && METHODS.includes(m))) throw new Error(`lostAnswerMethods must be a list of ${METHODS.join(', ')}`);
      out.lostAnswerMethods = [...new Set(v as FaultMethod[])];
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${k} must be a non-negative number`);
      if (k.endsWith('Rate') && v > 1) throw new Error(`${k} must be between 0 and 1`);
      (out as Record<string, number>)[k] = v;
    }
  }
  return out;
}
