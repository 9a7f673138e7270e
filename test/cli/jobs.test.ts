// `moxxie jobs` through the built CLI's dispatcher (dist/; many command lines in one driver process,
// fixtures/cli-driver.ts) on the built-in demo cluster, its state in a temp dir. The demo saves its
// simulated cluster to <state>/demo/sim-state.json when each command closes it, so what a triggered job did
// is checked there, and jobs, runs and audit entries in the history file beside it.
// The steps share one state dir and run in order: each builds on the jobs the previous ones made.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import type { Exit } from '../fixtures/cli-process.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
let state: string;
let env: Record<string, string>;
let store: HistoryStore;
const inDriver = cliDriverForFile();

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
  state = mkdtempSync(join(tmpdir(), 'moxxie-jobs-cli-'));
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) inherited[k] = v;
  env = { ...inherited, MOXXIE_STATE_DIR: state, MOXXIE_CONFIG: join(state, 'no-config.json'), MOXXIE_DEMO_TASK_MS: '30' };
  store = new HistoryStore({ dir: join(state, 'demo') });
});
afterAll(() => rmSync(state, { recursive: true, force: true }));

const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(['jobs', ...args], env, stdin);

/** The demo cluster's true state, as the last process left it. */
function snapshotsOf(vmid: number): Array<{ name: string; description: string }> {
  const saved = JSON.parse(readFileSync(join(state, 'demo', 'sim-state.json'), 'utf8')) as { vms: Array<{ vmid: number; snapshots: Array<{ name: string; description: string }> }> };
  return saved.vms.find((v) => v.vmid === vmid)!.snapshots;
}

const jobNamed = async (name: string) => (await store.listJobs()).find((j) => j.name === name);

/** The next `count` daily fires at hh:mm UTC after `from`. */
function dailyUtc(hour: number, minute: number, count: number, from = new Date()): string[] {
  const first = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), hour, minute));
  if (first <= from) first.setUTCDate(first.getUTCDate() + 1);
  return Array.from({ length: count }, (_, i) => new Date(first.getTime() + i * 86_400_000).toISOString());
}

/** ISO UTC → the CLI's text form for a UTC job: `2025-06-02 04:30:00 +00:00`. */
const asText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} +00:00`;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const nightly = {
  name: 'nightly',
  description: 'snapshots of two workshop VMs',
  taskType: 'snapshot_create',
  cronExpression: '0 30 4 * * ?',
  timezone: 'UTC',
  enabled: true,
  parameters: { snapshotNamePattern: 'cli-{vmid}', snapshotTTL: '24' },
  vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }],
};

describe('moxxie jobs', () => {
  it('prints help for the command and for each subcommand, and names a bad flag with exit 2', async () => {
    const help = await moxxie(['--help']);
    expect(help.code).toBe(0);
    for (const sub of ['list', 'show', 'create', 'update', 'delete', 'enable', 'disable', 'trigger', 'runs']) expect(help.out).toContain(`moxxie jobs ${sub}`);
    const trigger = await moxxie(['trigger', '--help']);
    expect(trigger.out).toMatch(/--dry-run shows what it would do and changes nothing/);
    const stray = await moxxie(['list', '--yes']);
    expect(stray.code).toBe(2);
    // Since issue 11 saving a destructive job takes --yes too.
    expect(stray.err).toMatch(/--yes applies to jobs create, jobs update, jobs delete, jobs enable and jobs trigger only, not jobs list/);
    const limit = await moxxie(['runs', '--limit', 'lots']);
    expect(limit.code).toBe(2);
    expect(limit.err).toMatch(/--limit must be a whole number from 1 to 1000, got 'lots'/);
  });

  it('creates a job from a file and one from stdin', async () => {
    const file = join(state, 'nightly.json');
    writeFileSync(file, JSON.stringify(nightly));
    const fromFile = await moxxie(['create', '--file', file, '--demo']);
    expect(fromFile.err).toBe('');
    expect(fromFile.code).toBe(0);
    expect(fromFile.out).toMatch(/Created job nightly \(job-\w+\): snapshot_create, cron "0 30 4 \* \* \?" UTC, next fire/);

    const morning = { name: 'morning', taskType: 'power_schedule', cronExpression: '0 0 9 * * ?', timezone: 'Asia/Kolkata', parameters: { action: 'start' }, vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'workshop' }] };
    const fromStdin = await moxxie(['create', '-', '--demo'], JSON.stringify(morning));
    expect(fromStdin.code).toBe(0);
    // India has no daylight saving: 09:00 there is always +05:30.
    expect(fromStdin.out).toMatch(/Created job morning .* next fire \d{4}-\d\d-\d\d 09:00:00 \+05:30/);

    expect(await jobNamed('nightly')).toMatchObject({ taskType: 'snapshot_create', enabled: true, parameters: { snapshotNamePattern: 'cli-{vmid}', snapshotTTL: 24 } });
    expect(await jobNamed('morning')).toMatchObject({ taskType: 'power_schedule', parameters: { action: 'start' } });
  });

  it('lists the jobs and shows one with its next five fire times', async () => {
    const expected = dailyUtc(4, 30, 5);
    const list = await moxxie(['list', '--demo']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/NAME\s+TASK TYPE\s+CRON\s+ENABLED\s+NEXT FIRE\s+LAST RESULT/);
    expect(list.out).toMatch(new RegExp(`nightly\\s+snapshot_create\\s+0 30 4 \\* \\* \\?\\s+yes\\s+${escaped(asText(expected[0]))}\\s+-`));
    expect(list.out).toMatch(/morning\s+power_schedule\s+0 0 9 \* \* \?\s+yes\s+\S+ 09:00:00 \+05:30/);

    const json = JSON.parse((await moxxie(['show', 'nightly', '--json', '--demo'])).out) as { job: { name: string; cronExpression: string }; nextRuns: string[]; runs: unknown[] };
    expect(json.job).toMatchObject({ name: 'nightly', cronExpression: '0 30 4 * * ?' });
    expect(json.nextRuns).toEqual(expected);
    expect(json.runs).toEqual([]);

    const text = await moxxie(['show', 'nightly', '--demo']);
    expect(text.out).toMatch(/Next 5 fire times \(UTC\):/);
    for (const fire of expected) expect(text.out).toContain(`  ${asText(fire)}`);
    expect(text.out).toMatch(/vmSelectors\s+VM_IDS "8200,8201"/);
  });

  it('refuses an invalid cron with the reason and exit 2, on create and on update', async () => {
    const create = await moxxie(['create', '-', '--demo'], JSON.stringify({ ...nightly, name: 'bad-hour', cronExpression: '0 0 25 * * ?' }));
    expect(create.code).toBe(2);
    expect(create.err).toMatch(/cronExpression: '0 0 25 \* \* \?' is invalid: .*hour/);
    const update = await moxxie(['update', 'nightly', '-', '--demo'], '{"cronExpression":"0 0 2 * * 8"}');
    expect(update.code).toBe(2);
    expect(update.err).toMatch(/cronExpression: .*day-of-week 8 is out of range; Quartz numbers weekdays 1 \(SUN\) to 7 \(SAT\)/);
    const typo = await moxxie(['update', 'nightly', '-', '--demo'], '{"cronExpresion":"0 0 2 * * ?"}');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/cronExpresion: unknown field 'cronExpresion'; did you mean 'cronExpression'\? \(valid fields: name, description, taskType, cronExpression/);
    expect(await jobNamed('bad-hour')).toBeUndefined();
    expect((await jobNamed('nightly'))!.cronExpression).toBe('0 30 4 * * ?');
  });

  it('updates a job from a patch, and disables and enables it', async () => {
    const patch = join(state, 'patch.json');
    writeFileSync(patch, JSON.stringify({ cronExpression: '0 45 4 * * ?', maxRetries: 2 }));
    const update = await moxxie(['update', 'nightly', '--file', patch, '--demo']);
    expect(update.code).toBe(0);
    expect(update.out).toContain(`next fire ${asText(dailyUtc(4, 45, 1)[0])}`);
    expect(await jobNamed('nightly')).toMatchObject({ cronExpression: '0 45 4 * * ?', maxRetries: 2, parameters: { snapshotNamePattern: 'cli-{vmid}' } });

    const disable = await moxxie(['disable', 'nightly', '--demo']);
    expect(disable.code).toBe(0);
    expect(disable.out).toMatch(/Disabled job nightly .*, disabled$/m);
    expect((await jobNamed('nightly'))!.enabled).toBe(false);
    const enable = await moxxie(['enable', 'nightly', '--demo']);
    expect(enable.code).toBe(0);
    expect((await jobNamed('nightly'))!.enabled).toBe(true);
  });

  it('trigger --dry-run shows the plan and changes nothing', async () => {
    const before = [snapshotsOf(8200), snapshotsOf(8201)];
    const dry = await moxxie(['trigger', 'nightly', '--dry-run', '--demo']);
    expect(dry.code).toBe(0);
    // Each planned VM says what would happen to it.
    expect(dry.out).toMatch(/8200\s+workshop-wk-01\s+planned\s+snapshot cli-8200/);
    expect(dry.out).toMatch(/8201\s+workshop-wk-02\s+planned\s+snapshot cli-8201/);
    expect(dry.out).toMatch(/nightly: succeeded \(dry run\) .*2 planned/);
    expect([snapshotsOf(8200), snapshotsOf(8201)]).toEqual(before);
  });

  it('trigger runs the job and waits: the snapshots are on the cluster; a failed run exits 1', async () => {
    const res = await moxxie(['trigger', 'nightly', '--demo']);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/8200\s+workshop-wk-01\s+succeeded/);
    expect(res.out).toMatch(/8201\s+workshop-wk-02\s+succeeded/);
    const job = (await jobNamed('nightly'))!;
    for (const vmid of [8200, 8201]) {
      const snap = snapshotsOf(vmid).find((s) => s.name === `cli-${vmid}`);
      expect(snap, `snapshot cli-${vmid}`).toBeDefined();
      expect(snap!.description).toContain(`[job ${job.id}]`);
      expect(snap!.description).toContain('(TTL: 24h)');
    }
    // The same names again: PVE refuses them, so the run fails (no retries left to change that).
    await moxxie(['update', 'nightly', '-', '--demo'], '{"maxRetries":0}');
    const again = await moxxie(['trigger', 'nightly', '--json', '--demo']);
    expect(again.code).toBe(1);
    const run = (JSON.parse(again.out) as { run: { status: string; counts: Record<string, number> } }).run;
    expect(run).toMatchObject({ status: 'failed', counts: { failed: 2 } });
  });

  it('runs --json lists the runs newest first with per-VM rows', async () => {
    const res = await moxxie(['runs', 'nightly', '--json', '--demo']);
    expect(res.code).toBe(0);
    const { runs } = JSON.parse(res.out) as { runs: Array<{ jobName: string; status: string; dryRun: boolean; trigger: string; startedAt: string; vms: Array<{ vmid: number; state: string }> }> };
    expect(runs.map((r) => [r.status, r.dryRun])).toEqual([
      ['failed', false],
      ['succeeded', false],
      ['succeeded', true],
    ]);
    expect(runs[1]).toMatchObject({ jobName: 'nightly', trigger: 'manual', vms: [{ vmid: 8200, state: 'succeeded' }, { vmid: 8201, state: 'succeeded' }] });
    expect(new Date(runs[0].startedAt).getTime()).toBeGreaterThan(new Date(runs[1].startedAt).getTime());
    const limited = JSON.parse((await moxxie(['runs', '--limit', '1', '--json', '--demo'])).out) as { runs: unknown[] };
    expect(limited.runs).toHaveLength(1);
  });

  it('trigger of a destructive job shows its plan and runs only with --yes', async () => {
    const cleanup = { name: 'cleanup', description: 'drop the cli snapshots', taskType: 'snapshot_delete', cronExpression: '0 0 0 1 1 ? 2099', enabled: true, parameters: { namePattern: 'cli-*' }, vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }] };
    // Since issue 11 saving a destructive job needs --yes as triggering it does: without, what it would do, nothing saved.
    const unconfirmed = await moxxie(['create', '-', '--demo'], JSON.stringify(cleanup));
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.out).toMatch(/8200\s+workshop-wk-01\s+planned/);
    expect(unconfirmed.err).toMatch(/^moxxie jobs create: --yes: job 'cleanup' \(snapshot_delete\) is destructive: each run would delete snapshots cli-\* on the VMs its selectors match; creating it needs confirmation \(2 VM\(s\) now\); nothing was saved\. Run it again with --yes/);
    expect(await jobNamed('cleanup')).toBeUndefined();
    expect((await moxxie(['create', '-', '--yes', '--demo'], JSON.stringify(cleanup))).code).toBe(0);
    expect((await jobNamed('cleanup'))!.confirmation).toMatchObject({ frontEnd: 'cli' });
    expect((await moxxie(['show', 'cleanup', '--demo'])).out).toMatch(/confirmed\s+\S+ \S+ \S+ through cli \(its runs are destructive\)/);
    const before = [snapshotsOf(8200), snapshotsOf(8201)];
    expect(before.flat().filter((x) => x.name.startsWith('cli-'))).toHaveLength(2);
    const refused = await moxxie(['trigger', 'cleanup', '--demo']);
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/8200\s+workshop-wk-01\s+planned/);
    expect(refused.err).toMatch(/job cleanup \(snapshot_delete\) is destructive and would act on 2 VM\(s\); nothing ran\. Run it with --yes/);
    expect([snapshotsOf(8200), snapshotsOf(8201)]).toEqual(before);
    expect((await store.listJobRuns({ jobId: (await jobNamed('cleanup'))!.id })).length).toBe(0);
    const ran = await moxxie(['trigger', 'cleanup', '--yes', '--demo']);
    expect(ran.code).toBe(0);
    for (const vmid of [8200, 8201]) expect(snapshotsOf(vmid).map((x) => x.name)).not.toContain(`cli-${vmid}`);
    expect((await moxxie(['delete', 'cleanup', '--yes', '--demo'])).code).toBe(0);
  }, 90_000); // seven runs of the CLI, each a Node start-up: slow on a shared 2-core machine

  it('update that makes a job force-stop VMs needs --yes; a job file with a UTF-8 byte-order mark is read', async () => {
    const morning = { name: 'wake-up', taskType: 'power_schedule', cronExpression: '0 0 0 1 1 ? 2099', parameters: { action: 'start' }, vmSelectors: [{ type: 'VM_IDS', value: '8202' }] };
    const file = join(state, 'wake-up.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(morning)}`, 'utf8');
    expect((await moxxie(['create', '--file', file, '--demo'])).code).toBe(0);
    const patch = JSON.stringify({ parameters: { action: 'stop', force: true } });
    const refused = await moxxie(['update', 'wake-up', '-', '--demo'], patch);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--yes: job 'wake-up' \(power_schedule\) is destructive: each run would stop \(forced\) .*needs confirmation \(it was never confirmed\).*nothing was saved/);
    expect((await jobNamed('wake-up'))!.parameters).toMatchObject({ action: 'start' });
    expect((await moxxie(['update', 'wake-up', '-', '--yes', '--demo'], patch)).code).toBe(0);
    expect((await jobNamed('wake-up'))!.parameters).toMatchObject({ action: 'stop', force: true });
    expect((await moxxie(['delete', 'wake-up', '--yes', '--demo'])).code).toBe(0);
  });

  it('--read-only refuses create and trigger, and records the refusals', async () => {
    const runsBefore = (await store.listJobRuns()).length;
    const snapshotsBefore = snapshotsOf(8200);
    const create = await moxxie(['create', '-', '--demo', '--read-only'], JSON.stringify({ ...nightly, name: 'sneaky' }));
    expect(create.code).toBe(2);
    expect(create.err).toMatch(/context 'demo' is read-only: job\.create was refused/);
    const trigger = await moxxie(['trigger', 'nightly', '--demo', '--read-only']);
    expect(trigger.code).toBe(2);
    expect(trigger.err).toMatch(/context 'demo' is read-only: job\.trigger was refused/);
    expect(await jobNamed('sneaky')).toBeUndefined();
    expect((await store.listJobRuns()).length).toBe(runsBefore);
    expect(snapshotsOf(8200)).toEqual(snapshotsBefore);
    const refused = (await store.listAudit(2)).map((a) => [a.action, a.allowed, a.frontEnd]);
    expect(refused).toEqual([
      ['job.trigger', false, 'cli'],
      ['job.create', false, 'cli'],
    ]);
  });

  it('delete refuses without --yes, saying so, and deletes with it', async () => {
    const refused = await moxxie(['delete', 'morning', '--demo']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/refusing to delete job morning .* without --yes; nothing was changed/);
    expect(await jobNamed('morning')).toBeDefined();
    const deleted = await moxxie(['delete', 'morning', '--yes', '--demo']);
    expect(deleted.code).toBe(0);
    expect(await jobNamed('morning')).toBeUndefined();
    const unknown = await moxxie(['show', 'morning', '--demo']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/job: no job with id or name 'morning'; known: nightly/);
  });
});
