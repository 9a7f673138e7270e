import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryStore, openHistory } from '../../src/history/store.js';
import { tmp } from './fixtures.js';

const DEAD = { pid: 2 ** 22 + 17, host: hostname() };

/** history.json as moxxie wrote it before the sharded layout: every record in one file. */
function oldStore() {
  const target = (vmid: number, state: string, extra: Record<string, unknown> = {}) => ({ vmid, name: `vm-${vmid}`, node: 'pve1', state, action: 'snapshot pre', ...extra });
  return {
    version: 1,
    operations: [
      {
        id: 'op-done',
        kind: 'snapshot.create',
        request: { snapshotName: 'pre', vmSelectors: [{ type: 'VM_IDS', value: '100-102' }] },
        dryRun: false,
        status: 'partial',
        targets: [target(100, 'succeeded', { upid: 'UPID:pve1:1:1:1:qmsnapshot:100:root@pam:', message: 'created' }), target(101, 'failed', { message: 'VM is locked' }), target(102, 'skipped')],
        warnings: ['vmid 999 not found'],
        frontEnd: 'mcp',
        context: 'lab',
        startedAt: 1_700_000_000_000,
        finishedAt: 1_700_000_005_000,
        summary: { counts: { planned: 0, skipped: 1, running: 0, succeeded: 1, failed: 1, cancelled: 0 }, durationMs: 5000 },
        owner: { pid: 1234, host: 'old-host' },
        extraField: 'kept',
      },
      {
        id: 'op-crashed',
        kind: 'power',
        request: { operation: 'SHUTDOWN' },
        dryRun: false,
        status: 'running',
        targets: [target(103, 'running', { upid: 'UPID:pve1:2:2:2:qmshutdown:103:root@pam:' }), target(104, 'planned')],
        warnings: [],
        frontEnd: 'scheduler',
        context: 'lab',
        startedAt: 1_700_000_100_000,
        owner: DEAD,
      },
    ],
    jobRuns: [
      { id: 'run-1', jobId: 'job-1', jobName: 'nightly', trigger: 'schedule', dryRun: false, scheduledAt: 1_700_000_000_000, startedAt: 1_700_000_000_100, finishedAt: 1_700_000_005_000, status: 'partial', attempts: 2, vms: [{ vmid: 100, name: 'vm-100', state: 'succeeded' }, { vmid: 101, name: 'vm-101', state: 'failed', message: 'VM is locked' }], operationIds: ['op-done'] },
      { id: 'run-2', jobId: 'job-1', jobName: 'nightly', trigger: 'schedule', dryRun: false, startedAt: 1_700_000_200_000, finishedAt: 1_700_000_200_000, status: 'missed', attempts: 0, vms: [], operationIds: [], missedFires: 3 },
    ],
    audit: [
      { at: 1_700_000_000_000, context: 'lab', frontEnd: 'mcp', action: 'snapshot.create', request: { snapshotName: 'pre' }, allowed: true, operationId: 'op-done' },
      { at: 1_700_000_050_000, context: 'lab', frontEnd: 'cli', action: 'job.create', request: { name: 'nightly' }, allowed: true },
      { at: 1_700_000_060_000, context: 'lab', frontEnd: 'mcp', action: 'power STOP', request: {}, allowed: false, reason: 'read-only' },
    ],
    migrations: [{ id: 'mig-1', at: 1_700_000_070_000, vmid: 100, from: 'pve1', to: 'pve2', status: 'succeeded' }],
    jobs: [
      {
        id: 'job-1',
        name: 'nightly',
        taskType: 'snapshot_create',
        cronExpression: '0 0 2 * * ?',
        timezone: 'UTC',
        enabled: true,
        parameters: { snapshotNamePattern: 'n-{vmid}', includeVmState: false, maxSnapshots: 3 },
        vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod' }],
        maxRetries: 1,
        retryDelaySeconds: 30,
        timeoutSeconds: 600,
        createdAt: 1_690_000_000_000,
        updatedAt: 1_690_000_000_000,
        lastScheduledAt: 1_700_000_000_000,
      },
    ],
  };
}

describe('migration from the single-file store of an older moxxie', () => {
  it('moves every record into the sharded layout on open, losing nothing, and keeps the old file', async () => {
    const dir = tmp('migrate');
    const old = oldStore();
    const text = JSON.stringify(old, null, 2);
    writeFileSync(join(dir, 'history.json'), text);
    const errors: string[] = [];
    const store = await openHistory({ dir, onError: (e) => errors.push(e.message) });
    expect(errors.join('\n')).toMatch(/single-file layout of an older moxxie; moved into the sharded layout \(2 operation\(s\), 2 run\(s\), 3 audit entries, 1 job\(s\)\); the old file is kept as .*history\.v1\.json/);
    expect(readFileSync(join(dir, 'history.v1.json'), 'utf8')).toBe(text);
    expect(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).version).toBe(2);

    expect(await store.listJobs()).toEqual(old.jobs);
    expect(await store.listJobRuns()).toEqual([old.jobRuns[1], old.jobRuns[0]]);
    expect(await store.listAudit()).toEqual([...old.audit].reverse());
    expect(await store.listMigrations()).toEqual(old.migrations);

    const done = (await store.getOperation('op-done'))!;
    const { targets: oldTargets, summary: _s, ...rest } = old.operations[0];
    expect(done).toMatchObject({ ...rest, label: 'snapshot pre' });
    expect(done.targets).toEqual(oldTargets.map((t) => ({ ...t, id: String(t.vmid), kind: 'guest', phases: [] })));
    expect(done.summary).toEqual({ counts: { planned: 0, skipped: 1, running: 0, succeeded: 1, failed: 1, cancelled: 0, interrupted: 0, 'rolled-back': 0 }, durationMs: 5000 });
    expect((await store.listOperationSummaries()).map((o) => [o.id, o.status])).toEqual([
      ['op-crashed', 'interrupted'],
      ['op-done', 'partial'],
    ]);
    // The operation whose process had died is interrupted, as any would be.
    const crashed = (await store.getOperation('op-crashed'))!;
    expect(crashed.targets.map((t) => t.state)).toEqual(['interrupted', 'cancelled']);
    expect(crashed.targets[0].message).toContain('UPID:pve1:2:2:2:qmshutdown:103:root@pam:');

    // A second open finds the new layout and changes nothing.
    const again = await openHistory({ dir });
    expect(await again.listAudit()).toHaveLength(3);
    expect(await again.listOperationSummaries()).toHaveLength(2);
  });

  it('adds nothing twice when a migration cut off is run again, and keeps audit lines written meanwhile', async () => {
    const dir = tmp('migrate-again');
    const old = oldStore();
    writeFileSync(join(dir, 'history.json'), JSON.stringify(old));
    // A process of this version appended to the audit before any opened the store.
    await new HistoryStore({ dir }).audit({ at: 1_800_000_000_000, context: 'lab', frontEnd: 'cli', action: 'new', request: {}, allowed: true });
    await openHistory({ dir });
    // As if the migration had stopped before its last step (the index): the old file is back.
    copyFileSync(join(dir, 'history.v1.json'), join(dir, 'history.json'));
    const store = await openHistory({ dir });
    expect((await store.listAudit()).map((a) => a.action)).toEqual(['new', 'power STOP', 'job.create', 'snapshot.create']);
    expect((await store.listOperationSummaries()).map((o) => o.id).sort()).toEqual(['op-crashed', 'op-done']);
    expect(await store.listJobRuns()).toHaveLength(2);
  });
});
