// The scheduler task types backup_create and backup_verify: parameters validated when the job is saved,
// and a triggered run doing the real thing on the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { parseJobParameters } from '../../src/schedule/params.js';
import { JobManager } from '../../src/schedule/jobs.js';
import { isDestructiveJob } from '../../src/schedule/job-tasks.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const MANUAL = '0 0 0 1 1 ? 2099';
let c: TestCluster;
let jobs: JobManager;
beforeAll(async () => {
  c = await startCluster({ vms: 40 });
  jobs = new JobManager(new HistoryStore({ dir: tempDir('backup-jobs') }), c.core);
});
afterAll(() => c.close());

describe('backup job parameters', () => {
  it('coerce the seed\'s strings and refuse what the bulk backup refuses, naming the job field', async () => {
    expect(parseJobParameters('backup_create', { storage: 'local', ttlDays: '14', protectBackup: 'true', compress: 'lzo' })).toEqual({ storage: 'local', ttlDays: 14, protectBackup: true, compress: 'lzo' });
    expect(parseJobParameters('backup_verify', { bootTimeoutSeconds: '120' })).toEqual({ bootTimeoutSeconds: 120 });
    expect(() => parseJobParameters('backup_create', {})).toThrow(/^parameters\.storage: required/);
    expect(() => parseJobParameters('backup_create', { storage: 'local', ttlDays: 5000 })).toThrow(/^parameters\.ttlDays: must be at most 3653/);
    expect(() => parseJobParameters('backup_create', { storage: 'local', compression: 'zstd' })).toThrow(/^parameters\.compression: unknown field 'compression'; did you mean 'compress'/);
    expect(() => parseJobParameters('backup_verify', { bootTimeoutSeconds: 5 })).toThrow(/^parameters\.bootTimeoutSeconds: must be at least 10/);
    const base = { taskType: 'backup_create' as const, cronExpression: MANUAL, enabled: true, vmSelectors: [{ type: 'VM_IDS' as const, value: '8200' }] };
    await expect(jobs.create({ ...base, name: 'bad-notes', parameters: { storage: 'local', notes: '{{host}}' } })).rejects.toThrow(/^parameters\.notes: unknown variable '\{\{host\}\}'/);
    expect(isDestructiveJob({ id: 'x', name: 'x', ...base, parameters: { storage: 'local', removeOlder: 7 } })).toBe(true);
    expect(isDestructiveJob({ id: 'x', name: 'x', ...base, parameters: { storage: 'local' } })).toBe(false);
  });
});

describe('backup jobs run', () => {
  it('backup_create backs up the selected VMs with the job\'s notes and TTL', async () => {
    const job = await jobs.create({
      name: 'nightly-backup',
      taskType: 'backup_create',
      cronExpression: MANUAL,
      enabled: true,
      parameters: { storage: 'backup-nfs', notes: 'nightly {{vmid}}', ttlDays: '7', maxParallel: '4' },
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }],
    });
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('succeeded');
    for (const vmid of [8200, 8201]) {
      expect(c.sim.state.storageContent('backup-nfs').some((v) => v.vmid === vmid && v.notes === `nightly ${vmid} (TTL: 7d)`)).toBe(true);
    }
  });

  it('backup_verify drills the newest backup and leaves no scratch VM', async () => {
    const job = await jobs.create({ name: 'weekly-drill', taskType: 'backup_verify', cronExpression: MANUAL, enabled: true, parameters: {}, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    const before = c.sim.state.vms().map((v) => v.vmid);
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('succeeded');
    expect(run.vms[0].message).toMatch(/^drill OK/);
    expect(c.sim.state.vms().map((v) => v.vmid)).toEqual(before);
  });
});
