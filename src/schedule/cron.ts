// Cron expressions as the seed uses them: Quartz 6/7 fields (seconds first, `?`, `0/15`, L, W, #, names,
// day-of-week 1 = Sunday, an optional year) and plain 5-field cron. croner does the work.
import { Cron } from 'croner';

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

export type CronFlavour = 'quartz' | 'standard';

export function cronFlavour(expression: string): CronFlavour {
  const fields = expression.trim().split(/\s+/).length;
  if (fields === 5) return 'standard';
  if (fields === 6 || fields === 7) return 'quartz';
  throw new CronError(`cronExpression: '${expression}' has ${fields} fields; use 6 or 7 Quartz fields (sec min hour day month weekday [year], e.g. "0 0 2 * * ?") or 5 standard ones ("0 2 * * *")`);
}

/** Builds a paused croner job; throws CronError naming the problem. */
export function compileCron(expression: string, timezone?: string): Cron {
  const flavour = cronFlavour(expression);
  try {
    return new Cron(expression.trim(), {
      paused: true,
      timezone,
      // Quartz numbers weekdays 1 = Sunday and ANDs day-of-month with day-of-week (one of them is `?`).
      ...(flavour === 'quartz' ? { alternativeWeekdays: true, sloppyRanges: true, domAndDow: true } : {}),
    });
  } catch (err) {
    throw new CronError(`cronExpression: '${expression}' is invalid: ${(err as Error).message.replace(/^CronPattern: /, '')}`);
  }
}

export function validateTimezone(tz: string | undefined): string | undefined {
  if (tz === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new CronError(`timezone: '${tz}' is not an IANA time zone (e.g. Europe/Amsterdam, UTC)`);
  }
  return tz;
}

/** The next `count` fire times after `from`. An expression that never fires gives an empty list. */
export function nextFireTimes(expression: string, count: number, opts: { timezone?: string; from?: Date } = {}): Date[] {
  const cron = compileCron(expression, opts.timezone);
  return cron.nextRuns(count, opts.from ?? new Date());
}

/** Fire times in (after, until], oldest first, at most `limit` (for missed-fire accounting). */
export function firesBetween(expression: string, after: Date, until: Date, timezone?: string, limit = 1000): Date[] {
  const cron = compileCron(expression, timezone);
  const out: Date[] = [];
  let cursor = after;
  while (out.length < limit) {
    const next = cron.nextRun(cursor);
    if (!next || next > until) break;
    out.push(next);
    cursor = next;
  }
  return out;
}
