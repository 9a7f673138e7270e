// The calendar periods PVE's prune rules bucket backups by (hour, day, ISO week, month, year), computed in
// the node's local time as PVE's Perl `localtime` does. We never use the moxxie host's own zone: the caller
// names the zone (the node's `/nodes/{node}/time` timezone; 'UTC' by default), so a preview on a laptop in
// another zone marks exactly what the node would, and tests are deterministic.

/** Local-time period numbers of one backup time; equal numbers mean the same period. */
export interface LocalPeriods {
  /** Local wall-clock hours since the epoch: PVE's "$hour/$day/$month/$year" (a repeated DST hour is one). */
  hour: number;
  /** Local days since the epoch: "$day/$month/$year". */
  day: number;
  /** ISO week-year * 100 + ISO week: strftime "%V/%G". */
  week: number;
  /** year * 12 + month index: "$month/$year". */
  month: number;
  year: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a clear error for a zone name Intl does not know. */
export function checkTimeZone(timeZone: string): void {
  try {
    formatterFor(timeZone);
  } catch {
    throw new Error(`unknown time zone '${timeZone}' (use an IANA name such as 'UTC' or 'Europe/Vienna')`);
  }
}

/** The zone's offset (seconds) at an instant, from Intl: the slow path. */
function intlOffset(timeZone: string, epochSec: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochSec * 1000));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) / 1000;
  return wall - epochSec;
}

/** Offsets a zone has: per UTC day when it is the same at both ends, else per quarter hour. Shared by every clock of the zone. */
const zoneOffsets = new Map<string, { days: Map<number, number | null>; quarters: Map<number, number> }>();

/**
 * Converts epoch seconds to local wall-clock seconds in one zone. Offsets change at most a few times a
 * year, on quarter-hour boundaries: a day whose two ends have the same offset has it throughout (one Intl
 * lookup pair per day), a transition day is looked up per quarter hour. 10k backups cost a few hundred lookups.
 */
export class LocalClock {
  private readonly utc: boolean;
  private readonly cache: { days: Map<number, number | null>; quarters: Map<number, number> };

  constructor(readonly timeZone: string = 'UTC') {
    this.utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
    if (!this.utc) checkTimeZone(timeZone);
    let cache = zoneOffsets.get(timeZone);
    if (!cache) zoneOffsets.set(timeZone, (cache = { days: new Map(), quarters: new Map() }));
    this.cache = cache;
  }

  /** Seconds to add to an epoch time to get the local wall-clock time as if it were UTC. */
  offsetAt(epochSec: number): number {
    if (this.utc) return 0;
    const day = Math.floor(epochSec / 86400);
    let whole = this.cache.days.get(day);
    if (whole === undefined) {
      const start = intlOffset(this.timeZone, day * 86400);
      whole = start === intlOffset(this.timeZone, day * 86400 + 86399) ? start : null;
      this.cache.days.set(day, whole);
    }
    if (whole !== null) return whole;
    const quarter = Math.floor(epochSec / 900);
    let offset = this.cache.quarters.get(quarter);
    if (offset === undefined) this.cache.quarters.set(quarter, (offset = intlOffset(this.timeZone, quarter * 900)));
    return offset;
  }

  periods(epochSec: number): LocalPeriods {
    const wall = epochSec + this.offsetAt(epochSec);
    const day = Math.floor(wall / 86400);
    const date = new Date(day * 86400 * 1000);
    const year = date.getUTCFullYear();
    return { hour: Math.floor(wall / 3600), day, week: isoWeekNumber(day), month: year * 12 + date.getUTCMonth(), year };
  }

  /** "2019-12-31 11:18" in local time, for reasons shown to people. */
  label(epochSec: number): string {
    return new Date((epochSec + this.offsetAt(epochSec)) * 1000).toISOString().slice(0, 16).replace('T', ' ');
  }
}

/** ISO 8601 week of a day number (days since 1970-01-01), as week-year * 100 + week. */
function isoWeekNumber(day: number): number {
  // 1970-01-01 was a Thursday; ISO weekday 1 = Monday .. 7 = Sunday.
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  const thursday = day + 4 - weekday; // the Thursday of this ISO week decides its year
  const weekYear = new Date(thursday * 86400 * 1000).getUTCFullYear();
  const jan1 = Math.floor(Date.UTC(weekYear, 0, 1) / 86400000);
  return weekYear * 100 + Math.floor((thursday - jan1) / 7) + 1;
}

/** Human label of a period number for one rule ("2019-12-31", "2020-W01", "2019-12", "2019"). */
export function periodLabel(rule: 'keep-hourly' | 'keep-daily' | 'keep-weekly' | 'keep-monthly' | 'keep-yearly', n: number): string {
  const pad = (v: number) => String(v).padStart(2, '0');
  switch (rule) {
    case 'keep-hourly':
      return `${new Date(n * 3600 * 1000).toISOString().slice(0, 13).replace('T', ' ')}h`;
    case 'keep-daily':
      return new Date(n * 86400 * 1000).toISOString().slice(0, 10);
    case 'keep-weekly':
      return `${Math.floor(n / 100)}-W${pad(n % 100)}`;
    case 'keep-monthly':
      return `${Math.floor(n / 12)}-${pad((n % 12) + 1)}`;
    case 'keep-yearly':
      return String(n);
  }
}
