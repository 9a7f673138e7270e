// The engine beyond PVE's own cases: the seed's vocabulary, TTL expiry, the deciding rule, time zones.
import { describe, expect, it } from 'vitest';
import { formatKeepOptions, parseKeepOptions } from '../../src/ops/retention/keep-options.js';
import { LocalClock } from '../../src/ops/retention/local-periods.js';
import { parseRetentionPolicy } from '../../src/ops/retention/policy.js';
import { markBackups, type RetentionInput } from '../../src/ops/retention/prune-marks.js';

const day = 86400;
const now = Date.UTC(2026, 11, 5, 12) / 1000; // 2026-12-05 12:00 UTC
const stamp = (t: number) => new Date(t * 1000).toISOString().slice(0, 19).replace(/-/g, '_').replace('T', '-').replace(/:/g, '_');
const backup = (vmid: number, t: number, extra: Partial<RetentionInput> = {}): RetentionInput => ({ volid: `local:backup/vzdump-qemu-${vmid}-${stamp(t)}.vma.zst`, ctime: t, vmid, ...extra });
const marks = (list: RetentionInput[], policy: string, zone = 'UTC') =>
  markBackups(list, parseRetentionPolicy(policy).rules, { now: now * 1000, clock: new LocalClock(zone) }).map((d) => `${d.mark}:${d.rule}`);

describe('retention policies', () => {
  it('parses both vocabularies and names what is valid', () => {
    expect(parseRetentionPolicy('count:5')).toMatchObject({ vocabulary: 'seed', pveEquivalent: 'keep-last=5' });
    expect(parseRetentionPolicy('monthly:3')).toMatchObject({ pveEquivalent: 'keep-monthly=3' });
    expect(parseRetentionPolicy('days:30')).toMatchObject({ rules: { withinDays: 30 } });
    expect(parseRetentionPolicy('days:30').pveEquivalent).toBeUndefined();
    expect(parseRetentionPolicy('keep-daily=7,keep-last=2')).toMatchObject({ vocabulary: 'pve', pveEquivalent: 'keep-last=2,keep-daily=7' });
    expect(() => parseRetentionPolicy('weeks:2')).toThrow(/use days:N, count:N, monthly:N or PVE's keep options/);
    expect(() => parseRetentionPolicy('count:0')).toThrow(/from 1 to/);
    expect(() => parseKeepOptions('keep-dayly=3')).toThrow(/'keep-dayly=3' is not a retention option/);
    expect(() => parseKeepOptions('keep-all=1,keep-last=2')).toThrow(/cannot be combined/);
    expect(formatKeepOptions({ 'keep-last': 0 })).toBe('keep-all=1');
  });

  it('days:N keeps what is newer than N days and removes the rest', () => {
    expect(marks([backup(100, now - 31 * day), backup(100, now - 29 * day), backup(100, now - day)], 'days:30')).toEqual(['remove:days', 'keep:days', 'keep:days']);
  });

  it('count:N keeps the newest N of each guest, per guest', () => {
    const list = [backup(100, now - 3 * day), backup(100, now - 2 * day), backup(100, now - day), backup(101, now - 9 * day)];
    expect(marks(list, 'count:2')).toEqual(['remove:keep-last', 'keep:keep-last', 'keep:keep-last', 'keep:keep-last']);
  });

  it('monthly:N removes all but the newest of a month even when a guest has at most N months', () => {
    // Two months only, monthly:3: the old Moxxie deleted nothing here.
    const list = [backup(100, Date.UTC(2026, 10, 3) / 1000), backup(100, Date.UTC(2026, 10, 20) / 1000), backup(100, Date.UTC(2026, 11, 1) / 1000), backup(100, Date.UTC(2026, 11, 4) / 1000)];
    expect(marks(list, 'monthly:3')).toEqual(['remove:keep-monthly', 'keep:keep-monthly', 'remove:keep-monthly', 'keep:keep-monthly']);
  });

  it('protected backups are never removed and take no slot', () => {
    const list = [backup(100, now - 2 * day), backup(100, now - day, { protected: true }), backup(100, now)];
    expect(marks(list, 'count:2')).toEqual(['keep:keep-last', 'protected:protected', 'keep:keep-last']);
    expect(marks(list, 'days:1')).toEqual(['remove:days', 'protected:protected', 'keep:days']);
  });

  it('an expired TTL makes a backup a candidate under any policy, and it takes no slot', () => {
    const expired = { expiresAt: (now - 60) * 1000 };
    const list = [backup(100, now - 3 * day), backup(100, now - 2 * day), backup(100, now - day, expired), backup(100, now - 10, { expiresAt: (now + 60) * 1000 })];
    expect(marks(list, 'count:2')).toEqual(['remove:keep-last', 'keep:keep-last', 'remove:ttl', 'keep:keep-last']);
    // keep-all still removes what has expired; a protected backup with an expired TTL stays.
    expect(marks(list, 'keep-all=1')).toEqual(['keep:keep-all', 'keep:keep-all', 'remove:ttl', 'keep:keep-all']);
    expect(marks([backup(100, now - day, { ...expired, protected: true })], 'count:1')).toEqual(['protected:protected']);
  });

  it('gives each backup a reason naming the rule and the period', () => {
    const list = [backup(100, Date.UTC(2026, 11, 4, 1) / 1000), backup(100, Date.UTC(2026, 11, 4, 2) / 1000)];
    const d = markBackups(list, parseRetentionPolicy('keep-daily=1').rules, { now: now * 1000 });
    expect(d.map((x) => x.reason)).toEqual(['keep-daily=1: 2026-12-04 already kept by a newer backup', 'keep-daily=1: newest of 2026-12-04']);
  });

  it("buckets by the node's local time: 23:30 UTC is the next day in Vienna", () => {
    const list = [backup(100, Date.UTC(2026, 11, 3, 22) / 1000), backup(100, Date.UTC(2026, 11, 3, 23, 30) / 1000)];
    expect(marks(list, 'keep-daily=2', 'UTC')).toEqual(['remove:keep-daily', 'keep:keep-daily']);
    expect(marks(list, 'keep-daily=2', 'Europe/Vienna')).toEqual(['keep:keep-daily', 'keep:keep-daily']);
  });

  it('a repeated DST hour is one hourly period, as in Perl localtime', () => {
    // 2026-10-25: Vienna falls back 03:00 CEST -> 02:00 CET; 00:30 UTC and 01:30 UTC are both 02:30 local.
    const list = [backup(100, Date.UTC(2026, 9, 25, 0, 30) / 1000), backup(100, Date.UTC(2026, 9, 25, 1, 30) / 1000)];
    expect(marks(list, 'keep-hourly=5', 'Europe/Vienna')).toEqual(['remove:keep-hourly', 'keep:keep-hourly']);
    expect(marks(list, 'keep-hourly=5', 'UTC')).toEqual(['keep:keep-hourly', 'keep:keep-hourly']);
  });

  it('ISO weeks: 2026-12-31 (Thursday) and 2027-01-03 (Sunday) are week 53 of 2026', () => {
    const list = [backup(100, Date.UTC(2026, 11, 31) / 1000), backup(100, Date.UTC(2027, 0, 3) / 1000), backup(100, Date.UTC(2027, 0, 4) / 1000)];
    expect(marks(list, 'keep-weekly=5')).toEqual(['remove:keep-weekly', 'keep:keep-weekly', 'keep:keep-weekly']);
    expect(() => new LocalClock('Mars/Olympus')).toThrow(/unknown time zone 'Mars\/Olympus'/);
  });
});
