import { describe, expect, it } from 'vitest';
import { CronError, firesBetween, nextFireTimes, compileCron } from '../../src/schedule/cron.js';

// Saturday 2026-11-28 10:00 UTC.
const from = new Date('2026-11-28T10:00:00Z');
const next = (expr: string, n = 2) => nextFireTimes(expr, n, { timezone: 'UTC', from }).map((d) => d.toISOString());

describe('cron', () => {
  it.each([
    ['0 0 2 * * ?', ['2026-11-29T02:00:00.000Z', '2026-11-30T02:00:00.000Z']],
    ['0 0/15 * * * ?', ['2026-11-28T10:15:00.000Z', '2026-11-28T10:30:00.000Z']],
    ['0 0 0 * * MON', ['2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z']],
    ['0 0 * * * ?', ['2026-11-28T11:00:00.000Z', '2026-11-28T12:00:00.000Z']],
    ['0 0 0 1 1 ? 2099', ['2099-01-01T00:00:00.000Z']],
    ['0 0 12 L * ?', ['2026-11-30T12:00:00.000Z', '2026-12-31T12:00:00.000Z']],
    ['0 0 12 15W * ?', ['2026-12-15T12:00:00.000Z', '2027-01-15T12:00:00.000Z']],
    ['0 0 12 ? * 6#3', ['2026-12-18T12:00:00.000Z', '2027-01-15T12:00:00.000Z']],
    ['0 0 12 ? * 6L', ['2026-12-25T12:00:00.000Z', '2027-01-29T12:00:00.000Z']],
    ['0 0 12 ? * 1', ['2026-11-29T12:00:00.000Z', '2026-12-06T12:00:00.000Z']], // Quartz: 1 = Sunday
    ['0 0 12 ? * 2-6', ['2026-11-30T12:00:00.000Z', '2026-12-01T12:00:00.000Z']], // Mon-Fri
    ['0 30 9 ? JAN-MAR MON', ['2027-01-04T09:30:00.000Z', '2027-01-11T09:30:00.000Z']],
    ['30 9 * * 1', ['2026-11-30T09:30:00.000Z', '2026-12-07T09:30:00.000Z']], // 5 fields: standard, 1 = Monday
    ['*/20 * * * *', ['2026-11-28T10:20:00.000Z', '2026-11-28T10:40:00.000Z']],
  ])('%s fires at %j', (expr, expected) => {
    expect(next(expr, expected.length)).toEqual(expected);
  });

  it('treats a year in the past as never firing again', () => {
    expect(nextFireTimes('0 0 0 1 1 ? 2020', 1, { timezone: 'UTC', from })).toEqual([]);
  });

  it('honours the time zone', () => {
    expect(nextFireTimes('0 0 2 * * ?', 1, { timezone: 'Europe/Amsterdam', from }).map((d) => d.toISOString())).toEqual(['2026-11-29T01:00:00.000Z']);
  });

  it('lists fires between two instants for missed-fire accounting', () => {
    expect(firesBetween('0 0 * * * ?', new Date('2026-11-28T07:30:00Z'), from, 'UTC').map((d) => d.toISOString())).toEqual([
      '2026-11-28T08:00:00.000Z',
      '2026-11-28T09:00:00.000Z',
      '2026-11-28T10:00:00.000Z',
    ]);
  });

  it.each([
    ['0 0 25 * * ?', /hour/],
    ['0 0 32 * *', /day/],
    ['0 0 2 * * ? * *', /has 8 fields/],
    ['* * *', /has 3 fields/],
    ['0 61 * * * ?', /minute/],
    ['0 0 0 ? * FOO', /invalid/],
  ])('refuses %s with a reason', (expr, reason) => {
    let caught: unknown;
    try {
      compileCron(expr);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CronError);
    expect((caught as Error).message).toMatch(/^cronExpression: /);
    expect((caught as Error).message).toMatch(reason);
  });
});
