// The shapes a store file must have, checked on every read: a file that parses but is wrongly shaped
// (a hand edit, another program, a bug) is reported with what is wrong and where, never shown as empty
// and never left to crash a table far away. Unknown extra fields are kept.
import { z } from 'zod';
import { TARGET_STATES, type TargetState } from '../ops/types.js';
import { HistoryDamagedError } from './damaged.js';

const num = z.number();
const str = z.string();

const owner = z.looseObject({ pid: num, host: str, start: str.optional() });

const summary = z.looseObject({ counts: z.record(str, num), durationMs: num });

const targetState = z.enum(TARGET_STATES as [TargetState, ...TargetState[]]);

const phase = z.looseObject({
  name: str,
  state: str,
  upids: z.array(str),
  message: str.optional(),
  startedAt: num.optional(),
  finishedAt: num.optional(),
  data: z.record(str, z.unknown()).optional(),
  undo: z.looseObject({ state: str, upids: z.array(str), message: str.optional(), at: num }).optional(),
});

export const targetShape = z.looseObject({
  id: str,
  kind: str,
  vmid: num,
  guestType: str.optional(),
  name: str,
  node: str,
  state: targetState,
  action: str,
  message: str.optional(),
  upid: str.optional(),
  startedAt: num.optional(),
  finishedAt: num.optional(),
  phases: z.array(phase),
  spec: z.record(str, z.unknown()).optional(),
});

const operationFields = {
  id: str,
  kind: str,
  request: z.unknown(),
  dryRun: z.boolean(),
  status: str,
  warnings: z.array(str),
  frontEnd: str,
  context: str,
  startedAt: num,
  finishedAt: num.optional(),
  summary: summary.optional(),
};

export const operationShape = z.looseObject({
  ...operationFields,
  label: str,
  targets: z.array(targetShape),
  failurePolicy: str.optional(),
  continuations: z.array(z.looseObject({ action: str, at: num, frontEnd: str })).optional(),
  job: z.looseObject({ id: str, name: str, runId: str.optional() }).optional(),
  owner,
});

export const operationShardShape = z.looseObject({
  version: z.literal(2),
  journal: z.looseObject({ id: str, bytes: num }).optional(),
  operation: operationShape,
});

const jobRunVm = z.looseObject({ vmid: num, name: str, state: str, message: str.optional() });

export const jobRunRowsShape = z.looseObject({ version: z.literal(2), vms: z.array(jobRunVm) });

const jobRun = z.looseObject({
  id: str,
  jobId: str,
  jobName: str,
  trigger: str,
  dryRun: z.boolean(),
  scheduledAt: num.optional(),
  startedAt: num,
  finishedAt: num.optional(),
  status: str,
  attempts: num,
  message: str.optional(),
  vms: z.array(jobRunVm).optional(),
  operationIds: z.array(str),
  missedFires: num.optional(),
  owner: owner.optional(),
});

const job = z.looseObject({
  id: str,
  name: str,
  description: str.optional(),
  taskType: str,
  cronExpression: str,
  timezone: str.optional(),
  enabled: z.boolean(),
  parameters: z.looseObject({}),
  vmSelectors: z.array(z.looseObject({ type: str })),
  maxRetries: num,
  retryDelaySeconds: num,
  timeoutSeconds: num,
  createdAt: num,
  updatedAt: num,
  lastScheduledAt: num.optional(),
});

const migration = z.looseObject({ id: str, at: num, vmid: num, from: str, to: str, status: str, upid: str.optional(), operationId: str.optional() });

export const auditShape = z.looseObject({
  at: num,
  context: str,
  frontEnd: str,
  action: str,
  request: z.unknown(),
  allowed: z.boolean(),
  reason: str.optional(),
  operationId: str.optional(),
  dryRun: z.boolean().optional(),
  job: z.looseObject({ id: str, name: str, runId: str.optional() }).optional(),
});

const indexEntry = z.looseObject({
  id: str,
  kind: str,
  label: str,
  status: str,
  frontEnd: str,
  context: str,
  dryRun: z.boolean(),
  startedAt: num,
  finishedAt: num.optional(),
  summary,
  owner,
});

export const indexShape = z.looseObject({
  version: z.literal(2),
  operations: z.array(indexEntry),
  jobRuns: z.array(jobRun),
  migrations: z.array(migration),
  jobs: z.array(job),
});

/** The single-file store of moxxie before the index (version 1, or no version at all). */
export const legacyShape = z.looseObject({
  version: z.literal(1).optional(),
  operations: z
    .array(
      z.looseObject({
        ...operationFields,
        dryRun: z.boolean().optional(),
        warnings: z.array(str).optional(),
        label: str.optional(),
        targets: z.array(
          z.looseObject({ id: str.optional(), kind: str.optional(), vmid: num, name: str, node: str, state: targetState, action: str, message: str.optional(), upid: str.optional(), phases: z.array(phase).optional() }),
        ),
        owner: owner.optional(),
      }),
    )
    .optional(),
  jobRuns: z.array(jobRun).optional(),
  audit: z.array(auditShape).optional(),
  migrations: z.array(migration).optional(),
  jobs: z.array(job).optional(),
});

export const journalBeginShape = z.looseObject({ k: z.literal('begin'), at: num, journal: str, operation: str });

export const journalChangeShape = z.looseObject({ k: z.enum(['phase', 'target']), at: num, phase: str.optional(), state: str.optional(), target: targetShape });

// ---- reporting ----------------------------------------------------------------------------------------

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function found(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = { array: 'a list', object: 'an object', string: 'a text', number: 'a number', boolean: 'true or false' };

function describe(issue: z.core.$ZodIssue, record: string): string {
  const where = pathText(issue.path) || (record ? 'it' : 'the file');
  const input = (issue as { input?: unknown }).input;
  // JSON has no undefined: an absent input is a missing field.
  const hasInput = input !== undefined;
  switch (issue.code) {
    case 'invalid_type':
      if (!hasInput) return `${where} is missing`;
      return `${where} is not ${EXPECTED[issue.expected] ?? issue.expected} (found ${found(input)})`;
    case 'invalid_value':
      return `${where} is ${hasInput ? JSON.stringify(input) : 'missing'}, not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return `${where} is not a known kind of record`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/**
 * The value as `schema` reads it, or a HistoryDamagedError naming `file` and what is wrong (`record` names
 * the part of the file checked, e.g. "the line at byte 120").
 */
export function checkShape<T>(schema: z.ZodType<T>, value: unknown, file: string, record = ''): T {
  const res = schema.safeParse(value, { reportInput: true });
  if (res.success) return res.data;
  const issues = res.error.issues;
  const shown = issues.slice(0, 3).map((i) => describe(i, record));
  const problems = `${shown.join('; ')}${issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : ''}`;
  throw new HistoryDamagedError(file, record ? `${record}: ${problems}` : problems);
}

/** A top-level JSON value that is not an object at all. */
export function notAnObject(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : `it holds ${found(value)}, not a history object`;
}
