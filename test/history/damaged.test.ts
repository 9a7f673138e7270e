import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryDamagedError, HistoryStore, openHistory } from '../../src/history/store.js';
import { operation, tmp } from './fixtures.js';

async function failure(p: Promise<unknown>): Promise<HistoryDamagedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HistoryDamagedError);
  return err as HistoryDamagedError;
}

const job = (over: Record<string, unknown> = {}) => ({
  id: 'job-1',
  name: 'nightly',
  taskType: 'snapshot_create',
  cronExpression: '0 0 2 * * ?',
  enabled: true,
  parameters: { snapshotNamePattern: 'n-{vmid}', includeVmState: false },
  vmSelectors: [{ type: 'ALL' }],
  maxRetries: 0,
  retryDelaySeconds: 0,
  timeoutSeconds: 600,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});

const index = (over: Record<string, unknown> = {}) => JSON.stringify({ version: 2, operations: [], jobRuns: [], migrations: [], jobs: [job()], ...over });

describe('a damaged or wrongly shaped store is never read as empty', () => {
  it('refuses to read an index that is not valid JSON, naming the file, and changes nothing', async () => {
    const dir = tmp('bad-json');
    const file = join(dir, 'history.json');
    writeFileSync(file, '{"jobs": [');
    const store = new HistoryStore({ dir });
    const err = await failure(store.listJobs());
    expect(err.file).toBe(file);
    expect(err.message).toMatch(new RegExp(`history store ${file} is damaged: it is not valid JSON`));
    expect(err.setAsideAs).toBeUndefined();
    await failure(store.listOperations());
    // Opening it (as every front end and the scheduler do) fails the same way: nothing runs on an empty history.
    expect((await failure(openHistory({ dir }))).file).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe('{"jobs": [');
    expect(readdirSync(dir)).toEqual(['history.json']);
  });

  it('sets a damaged index aside on a write, fails naming where, and keeps refusing until a human acts', async () => {
    const dir = tmp('bad-write');
    const file = join(dir, 'history.json');
    writeFileSync(file, '{"jobs": [');
    const errors: Error[] = [];
    const store = new HistoryStore({ dir, onError: (e) => errors.push(e) });
    const err = await failure(store.update((d) => void d.jobs.push(job() as never)));
    expect(err.setAsideAs).toMatch(/history\.json\.damaged-\d+$/);
    expect(err.message).toContain(`it was set aside as ${err.setAsideAs}`);
    expect(readFileSync(err.setAsideAs!, 'utf8')).toBe('{"jobs": [');
    expect(existsSync(file)).toBe(false);

    // No reader or writer starts over from empty while the damaged index is set aside.
    const read = await failure(new HistoryStore({ dir }).listJobs());
    expect(read.message).toMatch(/is missing because it was found damaged; it was set aside as .*history\.json\.damaged-\d+/);
    await failure(store.update(() => undefined));
    await failure(openHistory({ dir }));
    // The core's recording fails loudly (onError), while the operation's own record is still kept.
    await store.operationStarted(operation('op-1'));
    expect(errors.at(-1)).toBeInstanceOf(HistoryDamagedError);
    expect(existsSync(join(dir, 'operations', 'op-1.json'))).toBe(true);
    expect(existsSync(file)).toBe(false);
    await store.close();
  });

  it('names what is wrong in a wrongly shaped index: a list that is not one, a field of the wrong type', async () => {
    const dir = tmp('bad-shape');
    const file = join(dir, 'history.json');
    writeFileSync(file, index({ jobs: {} }));
    expect((await failure(new HistoryStore({ dir }).listJobs())).problem).toBe('jobs is not a list (found an object)');

    writeFileSync(file, index({ jobs: [job(), job({ name: 5 })] }));
    expect((await failure(new HistoryStore({ dir }).listJobs())).problem).toBe('jobs[1].name is not a text (found number 5)');

    writeFileSync(file, index({ operations: [{ id: 'op-1', status: 'running' }] }));
    expect((await failure(new HistoryStore({ dir }).listOperationSummaries())).problem).toMatch(/^operations\[0\]\.kind is missing; operations\[0\]\.label is missing; .*more problems/);

    writeFileSync(file, JSON.stringify([1, 2]));
    expect((await failure(new HistoryStore({ dir }).listJobs())).problem).toBe('it holds a list, not a history object');

    writeFileSync(file, index({ version: 7 }));
    expect((await failure(new HistoryStore({ dir }).listJobs())).problem).toMatch(/version 7, which this moxxie does not know/);
    expect(readdirSync(dir)).toEqual(['history.json']);
  });

  it('reports a wrongly shaped store of the old single-file layout before migrating anything', async () => {
    const dir = tmp('bad-legacy');
    const file = join(dir, 'history.json');
    const op = (id: string) => ({ ...operation(id, 'succeeded'), targets: [{ vmid: 100, name: 'a', node: 'pve1', state: 'succeeded', action: 'snapshot x' }] });
    const { targets: _dropped, ...noTargets } = op('op-4');
    const text = JSON.stringify({ version: 1, operations: [op('op-1'), op('op-2'), op('op-3'), noTargets], jobRuns: [], audit: [], migrations: [], jobs: [] });
    writeFileSync(file, text);
    const err = await failure(openHistory({ dir }));
    expect(err.message).toContain(`history store ${file} is damaged: operations[3].targets is missing`);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual(['history.json']);
  });

  it('refuses a damaged operation record, run rows file or audit line, naming the file', async () => {
    const dir = tmp('bad-shards');
    const store = new HistoryStore({ dir });
    await store.operationFinished(operation('op-1', 'succeeded'));
    await store.update((d) => void d.jobRuns.push({ id: 'run-1', jobId: 'j', jobName: 'j', trigger: 'manual', dryRun: false, startedAt: 1, status: 'succeeded', attempts: 1, operationIds: [], vms: [{ vmid: 1, name: 'a', state: 'succeeded' }] }));
    await store.audit({ at: 1, context: 't', frontEnd: 'cli', action: 'one', request: {}, allowed: true });
    await store.flush();

    const opFile = store.layout.operation('op-1');
    const record = JSON.parse(readFileSync(opFile, 'utf8')) as { operation: { targets: Array<Record<string, unknown>> } };
    delete record.operation.targets[1].phases;
    writeFileSync(opFile, JSON.stringify(record));
    const err = await failure(store.getOperation('op-1'));
    expect(err.message).toContain(`history store ${opFile} is damaged: operation.targets[1].phases is missing`);
    await failure(store.listOperations());
    writeFileSync(opFile, '');
    expect((await failure(store.getOperation('op-1'))).problem).toMatch(/not valid JSON/);

    writeFileSync(store.layout.runRows('run-1'), '{"version":2,"vms":{}}');
    expect((await failure(store.listJobRuns())).message).toContain(`${store.layout.runRows('run-1')} is damaged: vms is not a list`);

    appendFileSync(store.layout.audit, '{"at":2,\n{"at":3,"context":"t","frontEnd":"cli","action":"three","request":{},"allowed":true}\n');
    expect((await failure(store.listAudit())).message).toMatch(/audit\.jsonl is damaged: the line at byte \d+ is not valid JSON/);
  });
});
