// Cron expressions as the seed uses them, and plain cron. The number of fields tells them apart:
//   6 or 7 fields: Quartz — sec min hour day-of-month month day-of-week [year]; `?`, `0/15`, L, W, #,
//                  names; day-of-week 1 = Sunday … 7 = Saturday; day-of-month AND day-of-week.
//   5 fields:      standard cron — min hour day-of-month month day-of-week; 0 (or 7) = Sunday; when both
//                  day fields are restricted a day matching either fires (as in Vixie cron).
// croner does the arithmetic; this module picks its options and words the errors.
import { Cron } from 'croner';

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

export type CronFlavour = 'quartz' | 'standard';

const EXAMPLES = 'use 6 or 7 Quartz fields (sec min hour day month weekday [year], e.g. "0 0 2 * * ?") or 5 standard ones (e.g. "0 2 * * *")';

/** A job whose next fire is further away than this is "manual only" (the seed's `0 0 0 1 1 ? 2099`). */
const MANUAL_ONLY_AFTER_MS = 25 * 365 * 86_400_000;

function fieldsOf(expression: string): string[] {
  return expression.trim().split(/\s+/).filter(Boolean);
}

export function cronFlavour(expression: string): CronFlavour {
  const n = fieldsOf(expression).length;
  if (n === 5) return 'standard';
  if (n === 6 || n === 7) return 'quartz';
  throw new CronError(`cronExpression: '${expression}' has ${n} field${n === 1 ? '' : 's'}; ${EXAMPLES}`);
}

const unrestricted = (field: string) => field === '*' || field === '?';

/** Quartz rules croner does not check: weekdays are 1-7, and one of the two day fields must be open. */
function checkQuartz(expression: string, fields: string[]): void {
  const [, , , dom, , dow] = fields;
  // Numbers that name a weekday (not step sizes after '/' nor the nth after '#').
  const weekdayNumbers = dow.replace(/[/#]\d+/g, '').match(/\d+/g) ?? [];
  for (const n of weekdayNumbers) {
    if (Number(n) < 1 || Number(n) > 7) {
      throw new CronError(`cronExpression: '${expression}' is invalid: day-of-week ${n} is out of range; Quartz numbers weekdays 1 (SUN) to 7 (SAT), or use names (MON-FRI)`);
    }
  }
  if (!unrestricted(dom) && !unrestricted(dow)) {
    throw new CronError(`cronExpression: '${expression}' is invalid: give either a day-of-month ('${dom}') or a day-of-week ('${dow}'), and '?' in the other`);
  }
}

/** Builds a paused croner job; throws CronError naming the problem. */
export function compileCron(expression: string, timezone?: string): Cron {
  if (typeof expression !== 'string' || !expression.trim()) throw new CronError(`cronExpression: required; ${EXAMPLES}`);
  const flavour = cronFlavour(expression);
  const fields = fieldsOf(expression);
  if (flavour === 'quartz') checkQuartz(expression, fields);
  // '?' means "no restriction" in both flavours; croner would otherwise count it as a restriction
  // when it combines the two day fields.
  // A lone 'L' in Quartz's day-of-week is the last day of the week, Saturday.
  const pattern = fields.map((f, i) => (f === '?' ? '*' : flavour === 'quartz' && i === 5 && f === 'L' ? '7' : f)).join(' ');
  try {
    return new Cron(pattern, {
      paused: true,
      timezone,
      ...(flavour === 'quartz'
        ? { mode: '6-or-7-parts' as const, alternativeWeekdays: true, sloppyRanges: true, domAndDow: true }
        : { mode: '5-part' as const }),
    });
  } catch (err) {
    throw new CronError(`cronExpression: '${expression}' is invalid: ${(err as Error).message.replace(/^CronPattern: /, '')}`);
  }
}

/** As compileCron, and also refuses an expression that never fires from `from` on. */
export function validateCron(expression: string, timezone?: string, from = new Date()): Cron {
  const cron = compileCron(expression, timezone);
  if (!cron.nextRun(from)) {
    throw new CronError(`cronExpression: '${expression}' never fires (no date matches from now on); for a job that only runs when triggered use "0 0 0 1 1 ? 2099"`);
  }
  return cron;
}

export function validateTimezone(tz: string | undefined): string | undefined {
  if (tz === undefined || tz === '') return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new CronError(`timezone: '${tz}' is not an IANA time zone (e.g. Europe/Amsterdam, UTC)`);
  }
  return tz;
}

/** The distinct values a cron field matches in [min, max], or undefined when the field is not plain numbers. */
function fieldValues(field: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = m[1] === '*' ? min : Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? max : from;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (step < 1) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * Why an expression fires more than once a minute (a Quartz seconds field that matches more than one
 * second: "* * * * * ?", "0/10 * * * * ?", "0,30 0 2 * * ?"), or undefined. A job that often is refused
 * unless asked for explicitly. Standard 5-field cron has no seconds, so at most once a minute.
 */
export function subMinuteProblem(expression: string): string | undefined {
  if (cronFlavour(expression) !== 'quartz') return undefined;
  const seconds = fieldsOf(expression)[0];
  const values = fieldValues(seconds, 0, 59);
  // A seconds field croner accepts but that is not plain numbers, ranges and steps: count it as more than once.
  const times = values?.size ?? Infinity;
  if (times <= 1) return undefined;
  return `'${expression}' fires more than once a minute (its seconds field '${seconds}' matches ${Number.isFinite(times) ? `${times} seconds` : 'several seconds'}); set allowSubMinute: true if that is meant, or use one second such as "0 * * * * ?" for every minute`;
}

/** The next `count` fire times after `from`. An expression that never fires gives an empty list. */
export function nextFireTimes(expression: string, count: number, opts: { timezone?: string; from?: Date } = {}): Date[] {
  return compileCron(expression, opts.timezone).nextRuns(count, opts.from ?? new Date());
}

/** True for the seed's "manual only" idiom: a schedule whose next fire is decades away, or none. */
export function isManualOnly(expression: string, opts: { timezone?: string; from?: Date } = {}): boolean {
  const from = opts.from ?? new Date();
  const next = compileCron(expression, opts.timezone).nextRun(from);
  return !next || next.getTime() - from.getTime() > MANUAL_ONLY_AFTER_MS;
}

export interface FiresBetween {
  /** Fire times in (after, until], oldest first, at most `limit` of the oldest. */
  fires: Date[];
  /** The latest fire in (after, until] (also when more than `limit` fell in the window). */
  latest?: Date;
  /** True when the window held more than `limit` fires. */
  truncated: boolean;
}

/** Fire times in (after, until] — for the scheduler loop and missed-fire accounting. */
export function firesBetween(expression: string, after: Date, until: Date, timezone?: string, limit = 1000): Date[] {
  return firesIn(expression, after, until, timezone, limit).fires;
}

export function firesIn(expression: string, after: Date, until: Date, timezone?: string, limit = 1000): FiresBetween {
  const cron = compileCron(expression, timezone);
  const fires: Date[] = [];
  let cursor = after;
  while (fires.length < limit) {
    const next = cron.nextRun(cursor);
    if (!next || next > until) return { fires, latest: fires.at(-1), truncated: false };
    fires.push(next);
    cursor = next;
  }
  // More fires than we list (a per-second job after a long stop): find the latest one directly.
  // croner works in whole seconds and looks strictly before the reference: start a second later.
  const latest = cron.previousRuns(2, new Date(until.getTime() + 1000)).find((d) => d <= until);
  const truncated = !!latest && latest > (fires.at(-1) as Date);
  return { fires, latest: truncated ? latest : fires.at(-1), truncated };
}
