// What the CLI says after acting must be what happened, checked on the built CLI against a simulator this
// test owns: a job triggered from the CLI is audited as `cli` (not `scheduler`) and names the job, in the
// operation and in its audit entries; a tag plan shows the tags as PVE will store them (lower-cased, and
// says so); a history filter that matches nothing says what there is; two name globs that match nothing
// together say the terms are ANDed and spell the union.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/history/store.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let state: string;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ vms: 12, taskDurationMs: 20 });
  state = tempDir('honest-text');
  env = cliEnvironment(sim, state);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);

describe('honest text', { timeout: 180_000 }, () => {
  it('a job triggered from the CLI is audited as cli and names the job, in the operation and its audit', async () => {
    const job = { name: 'nightly-web', taskType: 'snapshot_create', cronExpression: '0 3 * * *', parameters: { snapshotNamePattern: 'nightly-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '100,101' }] };
    const created = await moxxie(['jobs', 'create', '-'], JSON.stringify(job));
    expect(created.code, created.err).toBe(0);
    const triggered = await moxxie(['jobs', 'trigger', 'nightly-web']);
    expect(triggered.code, triggered.err).toBe(0);
    for (const vmid of [100, 101]) expect(sim.state.vm(vmid)!.snapshots.map((s) => s.name)).toContain(`nightly-${vmid}`);

    const store = await openHistory({ dir: join(state, 'env') });
    try {
      const [op] = await store.listOperations({ limit: 1 });
      expect(op).toMatchObject({ kind: 'snapshot.create', frontEnd: 'cli', job: { name: 'nightly-web', id: expect.stringMatching(/^job-/), runId: expect.stringMatching(/^run-/) } });
      const audit = await store.listAudit(10);
      const trigger = audit.find((a) => a.action === 'job.trigger');
      expect(trigger).toMatchObject({ frontEnd: 'cli', allowed: true, job: { name: 'nightly-web', runId: op.job!.runId } });
      expect(audit.find((a) => a.operationId === op.id)).toMatchObject({ frontEnd: 'cli', action: 'snapshot.create', job: { name: 'nightly-web' } });
      expect(audit.some((a) => a.frontEnd === 'scheduler')).toBe(false);

      const list = await moxxie(['history']);
      expect(list.out).toMatch(new RegExp(`^${op.id}\\s+.*snapshot\\.create\\s+succeeded\\s+cli job nightly-web\\s`, 'm'));
      const auditText = await moxxie(['history', 'audit']);
      expect(auditText.out).toMatch(/cli job nightly-web\s+job\.trigger\s+allowed/);
      const show = await moxxie(['ops', 'show', op.id]);
      expect(show.out).toContain(`by cli for job nightly-web (${op.job!.id}, run ${op.job!.runId})`);
    } finally {
      await store.close();
    }
  });

  it('a tag plan shows the tags lower-cased, as PVE stores them, and says so; applying stores exactly that', async () => {
    const plan = await moxxie(['tags', 'add', 'id:102', 'Maint_Window', '--dry-run']);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain('plan of add tags maint_window (lower-cased from Maint_Window: PVE keeps tags in lower case)');
    expect(plan.out).not.toMatch(/add tags Maint_Window/);
    expect(sim.state.vm(102)!.tags).not.toContain('maint_window');
    const applied = await moxxie(['tags', 'add', 'id:102', 'Maint_Window']);
    expect(applied.code, applied.err).toBe(0);
    expect(sim.state.vm(102)!.tags).toContain('maint_window');
    expect(sim.state.vm(102)!.tags).not.toContain('Maint_Window');
  });

  it('history --status with no match says what there is, not "no operations recorded"', async () => {
    const res = await moxxie(['history', '--status', 'failed']);
    expect(res.code, res.err).toBe(0);
    expect(res.out).not.toMatch(/no operations recorded/);
    expect(res.out.trim()).toMatch(/^no operation has status failed \(of \d+ recorded: \d+ succeeded\)$/);
  });

  it('two bare name globs that match nothing together: the terms are ANDed, and the union is spelled', async () => {
    const names = sim.state.vms().filter((v) => !v.template).map((v) => v.name);
    const [a, b] = [names[0].split('-')[0], names.find((n) => n.split('-')[0] !== names[0].split('-')[0])!.split('-')[0]];
    const res = await moxxie(['vms', `${a}-*`, `${b}-*`]);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toContain('no guest matches');
    expect(res.err).toContain(`warning: no guest matches '${a}-*' and '${b}-*' together: the terms of a selector are ANDed`);
    expect(res.err).toContain(`name:{${a}-*,${b}-*}`);
    const union = await moxxie(['vms', `name:{${a}-*,${b}-*}`, '--ids']);
    const expected = sim.state.vms().filter((v) => !v.template && (v.name.startsWith(`${a}-`) || v.name.startsWith(`${b}-`))).map((v) => v.vmid).sort((x, y) => x - y);
    expect(union.out.trim().split('\n').map(Number)).toEqual(expected);
  });
});
