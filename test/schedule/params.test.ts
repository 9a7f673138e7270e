import { describe, expect, it } from 'vitest';
import { nameClock, renderSnapshotName } from '../../src/ops/snapshot-names.js';
import { parseJobParameters } from '../../src/schedule/params.js';
import { ownSnapshotMatcher } from '../../src/schedule/snapshot-rotation.js';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('job parameters', () => {
  it('coerces the seed\'s strings and stores them typed', () => {
    expect(parseJobParameters('snapshot_create', { snapshotNamePattern: 'auto-{vm}-{date}', description: 'Automated daily snapshot', maxSnapshots: '7' })).toEqual({
      snapshotNamePattern: 'auto-{vm}-{date}',
      description: 'Automated daily snapshot',
      maxSnapshots: 7,
      includeVmState: false,
    });
    expect(parseJobParameters('snapshot_create', { snapshotNamePattern: 'pre-update-{vm}', snapshotTTL: '24', includeVmState: 'true' })).toMatchObject({ snapshotTTL: 24, includeVmState: true });
    expect(parseJobParameters('snapshot_delete', { checkDescription: 'true', safeMode: 'true', dryRun: 'false' })).toEqual({ checkDescription: true, safeMode: true, dryRun: false });
    expect(parseJobParameters('power_schedule', { action: 'SHUTDOWN', timeoutSeconds: '120' })).toEqual({ action: 'shutdown', force: false, timeoutSeconds: 120 });
    expect(parseJobParameters('power_schedule', { operation: 'start' })).toMatchObject({ action: 'start' });
  });

  it('only checks the TTL marker by default when nothing else says what to delete', () => {
    expect(parseJobParameters('snapshot_delete', {})).toMatchObject({ checkDescription: true, safeMode: true });
    expect(parseJobParameters('snapshot_delete', { ageThresholdHours: '48' })).toMatchObject({ ageThresholdHours: 48, checkDescription: false });
    expect(parseJobParameters('snapshot_delete', { namePattern: 'auto-*', checkDescription: true })).toMatchObject({ checkDescription: true });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['snapshot_create', { snapshotNamePattern: 'a-{vm}', maxSnapshots: 'seven' }, /^parameters\.maxSnapshots: must be a whole number from 1 to 1000/],
    ['snapshot_create', { snapshotNamePattern: 'a-{vm}', maxSnapshots: 0 }, /^parameters\.maxSnapshots: must be at least 1/],
    ['snapshot_create', { snapshotNamePattern: 'a-{host}' }, /^parameters\.snapshotNamePattern: unknown placeholder \{host\}/],
    ['snapshot_create', {}, /^parameters\.snapshotNamePattern: required/],
    ['snapshot_create', { snapshotNamePattern: 'a', bogus: 1 }, /^parameters\.bogus: unknown field 'bogus' \(valid fields: snapshotNamePattern, .*\) for task type snapshot_create/],
    ['snapshot_create', { snapshotNamePattern: 'a', snapshotTtl: 4 }, /^parameters\.snapshotTtl: unknown field 'snapshotTtl'; did you mean 'snapshotTTL'\?/],
    ['snapshot_create', { snapshotNamePattern: 'a', includeVmState: 'maybe' }, /^parameters\.includeVmState: must be true or false/],
    ['snapshot_delete', { ageThresholdHours: -1 }, /^parameters\.ageThresholdHours/],
    ['snapshot_delete', { checkDescription: false }, /say what to delete/],
    ['power_schedule', { action: 'reboot' }, /^parameters\.action: 'reboot' is not valid; use one of start, shutdown, stop/],
    ['power_schedule', {}, /^parameters\.action: required/],
    ['power_schedule', { action: 'stop', timeoutSeconds: 5 }, /^parameters\.timeoutSeconds: must be at least 30/],
  ])('%s %j is refused naming the field', (type, raw, reason) => {
    expect(refusal(() => parseJobParameters(type as 'snapshot_create', raw))).toMatch(reason);
  });
});

describe('a job\'s own snapshots', () => {
  const vm = { vmid: 8201, name: 'workshop-wk-02' };
  const clock = nameClock(new Date('2026-11-28T02:00:07'));

  it('matches every name the pattern produces for that VM, and nothing else', () => {
    for (const pattern of ['auto-{vm}-{datetime}', 'auto-{vm}-{date}', '{vmid}-{time}', 'daily {vm} {date}.snap']) {
      const mine = ownSnapshotMatcher(pattern, vm);
      expect(mine(renderSnapshotName(pattern, vm, clock))).toBe(true);
      expect(mine(renderSnapshotName(pattern, vm, nameClock(new Date('2027-01-02T23:59:59'))))).toBe(true);
      expect(mine(renderSnapshotName(pattern, { vmid: 8202, name: 'workshop-wk-03' }, clock))).toBe(false);
    }
    const mine = ownSnapshotMatcher('auto-{vm}-{date}', vm);
    expect(mine('auto-workshop-wk-02-manual')).toBe(false);
    expect(mine('auto-workshop-wk-02-2026112')).toBe(false);
    expect(mine('xauto-workshop-wk-02-20261128')).toBe(false);
    expect(mine('pre-upgrade')).toBe(false);
  });

  it('matches names cut at the 40-character limit', () => {
    const pattern = '{vm}-{date}-nightly-retained-copy';
    const name = renderSnapshotName(pattern, vm, clock);
    expect(name.length).toBeLessThanOrEqual(40);
    expect(name).not.toMatch(/copy$/);
    expect(ownSnapshotMatcher(pattern, vm)(name)).toBe(true);
    expect(ownSnapshotMatcher(pattern, vm)(`${name.slice(0, 30)}`)).toBe(false);
  });
});
