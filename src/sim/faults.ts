// Fault injection settings, changeable at start and at run time (in-process or via the control endpoint).
export interface FaultSettings {
  /** Added before every API answer. */
  latencyMs: number;
  /** Fraction 0..1 of API calls answered with errorStatus. */
  errorRate: number;
  errorStatus: 500 | 502 | 503;
  /** Fraction 0..1 of connections destroyed without an answer. */
  dropRate: number;
  /** Fraction 0..1 of tasks that end with an error. */
  taskFailureRate: number;
  taskDurationMs: number;
  /** Nodes whose endpoints answer 595 and whose guests show status unknown. */
  offlineNodes: string[];
  ticketLifetimeSeconds: number;
}

export const defaultFaults = (): FaultSettings => ({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 500,
  dropRate: 0,
  taskFailureRate: 0,
  taskDurationMs: 50,
  offlineNodes: [],
  ticketLifetimeSeconds: 7200,
});

const KEYS = Object.keys(defaultFaults()) as Array<keyof FaultSettings>;

/** Validates a partial settings object from the control endpoint; throws naming the bad field. */
export function checkFaultPatch(patch: Record<string, unknown>): Partial<FaultSettings> {
  const out: Partial<FaultSettings> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (!KEYS.includes(k as keyof FaultSettings)) throw new Error(`unknown fault setting '${k}'; valid: ${KEYS.join(', ')}`);
    if (k === 'offlineNodes') {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error('offlineNodes must be an array of node names');
      out.offlineNodes = v as string[];
    } else if (k === 'errorStatus') {
      if (v !== 500 && v !== 502 && v !== 503) throw new Error('errorStatus must be 500, 502 or 503');
      out.errorStatus = v;
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${k} must be a non-negative number`);
      if (k.endsWith('Rate') && v > 1) throw new Error(`${k} must be between 0 and 1`);
      (out as Record<string, number>)[k] = v;
    }
  }
  return out;
}
