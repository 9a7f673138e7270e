import { describe, expect, it } from 'vitest';
import { CronError, compileCron, cronFlavour, firesBetween, firesIn, isManualOnly, nextFireTimes, validateCron } from '../../src/schedule/cron.js';

// A fixed clock: Saturday 2026-11-28 10:00 UTC.
const from = new Date('2026-11-28T10:00:00Z');
const next = (expr: string, n: number) => nextFireTimes(expr, n, { timezone: 'UTC', from }).map((d) => d.toISOString());

describe('cron fire times (fixed clock, UTC)', () => {
  it.each([
    // The seed's examples.
    ['0 0 2 * * ?', ['2026-11-29T02:00:00.000Z', '2026-11-30T02:00:00.000Z']],
    ['0 0 * * * ?', ['2026-11-28T11:00:00.000Z', '2026-11-28T12:00:00.000Z']],
    ['0 0 0 1 1 ? 2099', ['2099-01-01T00:00:00.000Z']],
    ['0 0/15 * * * ?', ['2026-11-28T10:15:00.000Z', '2026-11-28T10:30:00.000Z', '2026-11-28T10:45:00.000Z']],
    ['0 0 0 * * MON', ['2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z']],
    // Quartz specials.
    ['0 5/20 * * * ?', ['2026-11-28T10:05:00.000Z', '2026-11-28T10:25:00.000Z', '2026-11-28T10:45:00.000Z']],
    ['0 0 12 L * ?', ['2026-11-30T12:00:00.000Z', '2026-12-31T12:00:00.000Z']], // last day of the month
    ['0 0 12 15W * ?', ['2026-12-15T12:00:00.000Z', '2027-01-15T12:00:00.000Z', '2027-02-15T12:00:00.000Z', '2027-03-15T12:00:00.000Z', '2027-04-15T12:00:00.000Z', '2027-05-14T12:00:00.000Z']], // 2027-05-15 is a Saturday
    ['0 0 12 LW * ?', ['2026-11-30T12:00:00.000Z', '2026-12-31T12:00:00.000Z', '2027-01-29T12:00:00.000Z']], // last weekday
    ['0 0 12 ? * 6#3', ['2026-12-18T12:00:00.000Z', '2027-01-15T12:00:00.000Z']], // third Friday
    ['0 0 12 ? * FRI#1', ['2026-12-04T12:00:00.000Z', '2027-01-01T12:00:00.000Z']],
    ['0 0 12 ? * 6L', ['2026-12-25T12:00:00.000Z', '2027-01-29T12:00:00.000Z']], // last Friday
    ['0 0 12 ? * 1', ['2026-11-29T12:00:00.000Z', '2026-12-06T12:00:00.000Z']], // Quartz: 1 = Sunday
    ['0 0 12 ? * 7', ['2026-11-28T12:00:00.000Z', '2026-12-05T12:00:00.000Z']], // 7 = Saturday
    ['0 0 12 ? * L', ['2026-11-28T12:00:00.000Z', '2026-12-05T12:00:00.000Z']], // L alone: Saturday
    ['0 0 12 ? * 2-6', ['2026-11-30T12:00:00.000Z', '2026-12-01T12:00:00.000Z']], // Mon-Fri
    ['0 0 18 ? * MON-FRI', ['2026-11-30T18:00:00.000Z', '2026-12-01T18:00:00.000Z']],
    ['0 30 9 ? JAN-MAR MON', ['2027-01-04T09:30:00.000Z', '2027-01-11T09:30:00.000Z']],
    ['0 0 3 1,15 * ?', ['2026-12-01T03:00:00.000Z', '2026-12-15T03:00:00.000Z']],
    ['30 0 0 * * ? 2030-2031', ['2030-01-01T00:00:30.000Z', '2030-01-02T00:00:30.000Z']],
    ['*/20 * * * * ?', ['2026-11-28T10:00:20.000Z', '2026-11-28T10:00:40.000Z']],
    // Standard 5-field cron: no seconds, 0 = Sunday, and day fields ORed.
    ['30 9 * * 1', ['2026-11-30T09:30:00.000Z', '2026-12-07T09:30:00.000Z']], // 1 = Monday
    ['0 9 * * 0', ['2026-11-29T09:00:00.000Z', '2026-12-06T09:00:00.000Z']], // 0 = Sunday
    ['*/20 * * * *', ['2026-11-28T10:20:00.000Z', '2026-11-28T10:40:00.000Z']],
    ['0 2 15 * ?', ['2026-12-15T02:00:00.000Z', '2027-01-15T02:00:00.000Z']],
    ['0 0 1 * 1', ['2026-11-30T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-12-07T00:00:00.000Z']], // the 1st or a Monday
  ])('%s fires at %j', (expr, expected) => {
    expect(next(expr, expected.length)).toEqual(expected);
  });

  it('tells the flavours apart by field count', () => {
    expect(cronFlavour('0 0 2 * * ?')).toBe('quartz');
    expect(cronFlavour('0 0 0 1 1 ? 2099')).toBe('quartz');
    expect(cronFlavour('0 2 * * *')).toBe('standard');
  });

  it('honours the time zone, across a DST change', () => {
    expect(nextFireTimes('0 0 2 * * ?', 1, { timezone: 'Europe/Amsterdam', from }).map((d) => d.toISOString())).toEqual(['2026-11-29T01:00:00.000Z']);
    const summer = new Date('2027-03-27T12:00:00Z');
    // 2027-03-28: clocks go forward at 02:00 in Amsterdam; 03:00 local is then UTC+2.
    expect(nextFireTimes('0 0 3 * * ?', 2, { timezone: 'Europe/Amsterdam', from: summer }).map((d) => d.toISOString())).toEqual(['2027-03-28T01:00:00.000Z', '2027-03-29T01:00:00.000Z']);
  });

  it('marks the seed\'s "0 0 0 1 1 ? 2099" as manual only, and a daily job not', () => {
    expect(isManualOnly('0 0 0 1 1 ? 2099', { from })).toBe(true);
    expect(isManualOnly('0 0 2 * * ?', { from })).toBe(false);
  });

  it('lists the fires between two instants, and finds the latest when there are too many to list', () => {
    expect(firesBetween('0 0 * * * ?', new Date('2026-11-28T07:30:00Z'), from, 'UTC').map((d) => d.toISOString())).toEqual([
      '2026-11-28T08:00:00.000Z',
      '2026-11-28T09:00:00.000Z',
      '2026-11-28T10:00:00.000Z',
    ]);
    const day = firesIn('* * * * * ?', new Date(from.getTime() - 86_400_000), from, 'UTC', 100);
    expect(day.fires).toHaveLength(100);
    expect(day.truncated).toBe(true);
    expect(day.latest?.toISOString()).toBe('2026-11-28T10:00:00.000Z');
  });

  it.each([
    ['0 0 25 * * ?', /hour/],
    ['0 0 32 * *', /day/],
    ['0 61 * * * ?', /minute/],
    ['60 * * * * ?', /second/],
    ['0 0 0 ? 13 *', /month/],
    ['0 0 2 * * ? * *', /has 8 fields/],
    ['* * *', /has 3 fields/],
    ['', /required/],
    ['0 0 0 ? * FOO', /illegal|invalid/],
    ['0 0 12 ? * 0', /day-of-week 0 is out of range; Quartz numbers weekdays 1 \(SUN\) to 7 \(SAT\)/],
    ['0 0 12 ? * 8', /day-of-week 8 is out of range/],
    ['0 0 12 15 * MON', /either a day-of-month \('15'\) or a day-of-week \('MON'\)/],
    ['0 0 0 30 2 ?', /never fires/],
    ['0 0 0 1 1 ? 2020', /never fires/],
  ])('refuses %j with a reason', (expr, reason) => {
    let caught: unknown;
    try {
      validateCron(expr, 'UTC', from);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CronError);
    expect((caught as Error).message).toMatch(/^cronExpression: /);
    expect((caught as Error).message).toMatch(reason);
  });

  it('compiles what it validates', () => {
    expect(compileCron('0 0 2 * * ?', 'UTC').nextRun(from)?.toISOString()).toBe('2026-11-29T02:00:00.000Z');
  });
});
