// `moxxie --demo` from the built CLI in a real terminal (tmux): draw, navigate, select, snapshot with
// live progress, help, then quit — and the terminal is given back (alternate screen left) after q,
// Ctrl+C and SIGTERM. The demo cluster keeps its state in MOXXIE_STATE_DIR, which is where the
// snapshot is checked after the TUI exits. tmux is required: CI installs it; without it this fails.
// CI=true is set on purpose: CI machines export it, and Ink then draws nothing until exit (it once
// left this very test staring at a blank screen in CI).
// The second part (issue 19) runs one TUI at 80×24 through the new forms (plan options, :jobs, :ct), the
// views whose first row must stay visible, a CLI run killed with SIGKILL mid-task (interrupted, never
// cancelled), and a --read-only TUI beside it; the simulator's saved state is checked once the TUI quits.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/bundle/cli.js');
const socket = `moxxie-e2e-${process.pid}`;
const dirs: string[] = [];

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

function screen(session: string): string {
  return tmux('capture-pane', '-p', '-t', session);
}

async function waitFor(session: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    // A capture can fail for a moment while tmux is busy starting the session; keep polling until the deadline.
    try {
      last = screen(session);
    } catch (err) {
      last = `(capture failed: ${err instanceof Error ? err.message : String(err)})`;
    }
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the terminal never showed ${pattern}; it shows:\n${last}`);
}

function keys(session: string, ...k: string[]): void {
  tmux('send-keys', '-t', session, ...k);
}

/** Types literal text (send-keys -l), so ':' and spaces arrive as typed. */
function text(session: string, s: string): void {
  tmux('send-keys', '-t', session, '-l', s);
}

function startDemo(session: string, size = { x: 140, y: 40 }, taskMs = 300): string {
  const state = mkdtempSync(join(tmpdir(), 'moxxie-tmux-'));
  dirs.push(state);
  const env = `MOXXIE_STATE_DIR=${state} MOXXIE_CONFIG=${join(state, 'config.json')} MOXXIE_DEMO_TASK_MS=${taskMs} CI=true`;
  tmux('new-session', '-d', '-s', session, '-x', String(size.x), '-y', String(size.y), `${env} ${process.execPath} ${cli} --demo; echo EXITED-$?; sleep 120`);
  return state;
}

/** Polls until `done` holds for the screen; false at the deadline (the caller decides whether to press again). */
async function settles(session: string, done: (screen: string) => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if (done(screen(session))) return true;
    } catch {
      // tmux busy for a moment: poll on.
    }
    await new Promise((r) => setTimeout(r, 40));
  }
  return false;
}

/**
 * Sends `send` until the screen matches `next`. An @inkjs/ui input that has just appeared may not listen
 * yet and drops a key that comes too soon: the key is sent again only while the screen still shows `at`
 * (so a key it took, which moves the screen on, is never sent twice).
 */
async function answer(session: string, send: () => void, next: RegExp, at: RegExp): Promise<string> {
  for (let attempt = 0; attempt < 15; attempt++) {
    send();
    if (await settles(session, (x) => next.test(x) || !at.test(x), 3000)) return waitFor(session, next);
  }
  throw new Error(`the screen never moved on to ${next}:\n${screen(session)}`);
}

/** The line of the list right under its column header (the header matched by `header`). */
function firstRowUnder(view: string, header: RegExp): string {
  const lines = view.split('\n');
  const at = lines.findIndex((l) => header.test(l));
  if (at < 0) throw new Error(`no header ${header} on the screen:\n${view}`);
  return lines[at + 1] ?? '';
}

beforeAll(() => {
  const probe = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('tmux is not installed: the TUI end-to-end test needs a real terminal multiplexer (apt-get install -y tmux; CI installs it)');
  }
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
});

afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('moxxie --demo in tmux', () => {
  it('draws the VM list, navigates, selects, snapshots with live progress, shows help, and quits restoring the terminal', async () => {
    const s = 'main';
    const state = startDemo(s);
    const first = await waitFor(s, /1\/\d+ ·/);
    expect(first).toMatch(/moxxie ctx demo \(demo\) nodes 4\/4 VMs \d+: \d+ running · \d+ stopped cluster 127\.0\.0\.1:\d+/);
    // LOCK is drawn only while some guest holds a lock (the demo may have none).
    expect(first).toMatch(/VMID↑\s+NAME\s+NODE\s+STATUS\s+CPU\s+MEM\s+UPTIME\s+(?:LOCK\s+)?TAGS/);
    expect(first).toMatch(/Space mark .* s snapshot .* q quit/);

    keys(s, 'j', 'j', 'Down');
    await waitFor(s, /4\/\d+ ·/);

    text(s, ':vms id:8200-8201');
    await waitFor(s, /2 VMs match/);
    keys(s, 'Enter');
    await waitFor(s, /1\/2 · :vms id:8200-8201/);
    keys(s, 'a', 's');
    await waitFor(s, /snapshot 2 VMs[\s\S]*› snapshot name\s+tui-\{vmid\}-\{datetime\}/);
    keys(s, 'C-u');
    // Cleared, the field's input starts afresh: text sent before it listens is typed again (see answer()).
    const EMPTY = /› snapshot name\s*$/m;
    await waitFor(s, EMPTY);
    await answer(s, () => text(s, 'e2e-{vmid}'), /› snapshot name\s+e2e-\{vmid\}/, EMPTY);
    await answer(s, () => keys(s, 'Enter'), /› TTL hours/, /› snapshot name/);
    keys(s, 'Enter');
    const plan = await waitFor(s, /Plan: snapshot 2 VMs as e2e-\{vmid\} \(TTL 24h\)/);
    expect(plan).toMatch(/2 will change · 0 skipped/);
    keys(s, 'y');
    await waitFor(s, /snapshot\.create running/);
    const done = await waitFor(s, /snapshot\.create succeeded .* 2\/2/);
    expect(done).toMatch(/8200\s+workshop-wk-01\s+succeeded/);

    keys(s, '?');
    await waitFor(s, /Keys and commands/);
    // Sent on its own: Esc directly followed by another key would read as Alt+key.
    keys(s, 'Escape');
    await waitFor(s, /VMID↑\s+NAME/);

    keys(s, 'q');
    const after = await waitFor(s, /EXITED-0/);
    expect(after).not.toMatch(/VMID.*NAME.*NODE/);

    // The demo cluster saved its state on the way out: the snapshots are really there.
    const saved = JSON.parse(readFileSync(join(state, 'demo', 'sim-state.json'), 'utf8')) as { vms: Array<{ vmid: number; snapshots: Array<{ name: string; description: string }> }> };
    for (const id of [8200, 8201]) {
      const snap = saved.vms.find((v) => v.vmid === id)!.snapshots.find((x) => x.name === `e2e-${id}`);
      expect(snap, `snapshot e2e-${id}`).toBeDefined();
      expect(snap!.description).toContain('(TTL: 24h)');
    }
  }, 90_000);

  it('gives the terminal back on Ctrl+C and on SIGTERM', async () => {
    const a = 'ctrlc';
    startDemo(a);
    await waitFor(a, /1\/\d+ ·/);
    keys(a, 'C-c');
    const afterCtrlC = await waitFor(a, /EXITED-0/);
    expect(afterCtrlC).not.toMatch(/VMID.*NAME/);

    const b = 'sigterm';
    startDemo(b);
    await waitFor(b, /1\/\d+ ·/);
    const pid = tmux('list-panes', '-t', b, '-F', '#{pane_pid}').trim();
    // The pane runs a shell; the TUI is its child.
    const child = execFileSync('pgrep', ['-P', pid], { encoding: 'utf8' }).trim().split('\n')[0];
    process.kill(Number(child), 'SIGTERM');
    const afterTerm = await waitFor(b, /EXITED-143/);
    expect(afterTerm).not.toMatch(/VMID.*NAME/);
  }, 90_000);
});

describe('moxxie on a cluster that never answers, in tmux', () => {
  it('draws the frame saying it is loading, and Ctrl+C quits at once instead of waiting out the timeout', async () => {
    // Accepts connections and never says a word: the TLS handshake, and so the inventory, never ends.
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const state = mkdtempSync(join(tmpdir(), 'moxxie-tmux-'));
      dirs.push(state);
      const pve = `PVE_URL=https://127.0.0.1:${port} PVE_TOKEN_ID='root@pam!ci' PVE_TOKEN_SECRET=not-a-real-secret PVE_FINGERPRINT=${Array(32).fill('AB').join(':')}`;
      const env = `MOXXIE_STATE_DIR=${state} MOXXIE_CONFIG=${join(state, 'config.json')} ${pve} CI=true`;
      const q = 'silent';
      tmux('new-session', '-d', '-s', q, '-x', '120', '-y', '30', `${env} ${process.execPath} ${cli}; echo EXITED-$?; sleep 120`);
      const loading = await waitFor(q, /loading the inventory…/);
      expect(loading).toMatch(/0\/0 · sort id/);
      expect(held.length).toBeGreaterThan(0);
      const asked = Date.now();
      keys(q, 'C-c');
      const after = await waitFor(q, /EXITED-0/, 10_000);
      // The client would wait 30 s for an answer; the quit did not.
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(after).not.toMatch(/loading the inventory/);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);
});

describe('moxxie --demo in tmux at 80×24 (issue 19)', () => {
  // One TUI for every step below, in order; its demo tasks take 1 s, long enough to kill a CLI mid-task.
  const s = 'small';
  let state = '';
  const VMS = /VMID↑\s+NAME/;
  const opsDir = () => join(state, 'demo', 'operations');
  const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

  const ro = `${s}:ro`;

  beforeAll(async () => {
    state = startDemo(s, { x: 80, y: 24 }, 1000);
    await waitFor(s, /1\/\d+ ·/);
    // A --read-only TUI beside it, on the same demo cluster, started now so its start overlaps the steps
    // below (-d: the first window stays the one keys go to).
    const env = `MOXXIE_STATE_DIR=${state} MOXXIE_CONFIG=${join(state, 'config.json')} CI=true`;
    tmux('new-window', '-d', '-t', s, '-n', 'ro', `${env} ${process.execPath} ${cli} --demo --read-only; echo EXITED-$?; sleep 120`);
  });

  /** Back to the list with no dialog, form or pane open, whatever a failed step before left. */
  const NORMAL = /\? help · : command/;
  beforeEach(async () => {
    for (let i = 0; i < 4 && !NORMAL.test(screen(s)); i++) {
      keys(s, 'Escape');
      await settles(s, (x) => NORMAL.test(x), 1000);
    }
    if (/╭─+╮/.test(screen(s))) {
      keys(s, 'x');
      await settles(s, (x) => !/╭─+╮/.test(x), 1000);
    }
  });

  it('plan options (o): description and includeMemory make the plan again; the progress pane leaves the first row visible', async () => {
    text(s, ':vms id:8200-8209');
    keys(s, 'Enter');
    await waitFor(s, /1\/10 · :vms id:8200-8209/);
    keys(s, 'a', 's');
    // The request form: every field at once, the focused one marked ›; Enter on the last one plans.
    await waitFor(s, /snapshot 10 VMs[\s\S]*› snapshot name\s+tui-\{vmid\}-\{datetime\}[\s\S]*TTL hours\s+24/);
    await answer(s, () => keys(s, 'Enter'), /›\s*TTL hours\s+24/, /› snapshot name/);
    const plan = await answer(s, () => keys(s, 'Enter'), /Plan: snapshot 10 VMs/, /› TTL hours/);
    // The dialog is whole at 80×24: its last line and bottom border are on screen.
    expect(plan).toMatch(/Enter or y runs it/);
    expect(plan).toMatch(/╚═+╝/);
    expect(plan).toMatch(/o options: ttlHours 24 · .*description/);

    // The options form (o): ↓ to a field, type; Esc goes back to the plan made again with it.
    const OPTIONS = /Options of snapshot/;
    await answer(s, () => keys(s, 'o'), /›\s*maxParallel/, /Plan: snapshot/);
    for (const field of ['maxPerNode', 'onFailure', 'description']) await answer(s, () => keys(s, 'Down'), new RegExp(`›\\s*${field}\\b`), OPTIONS);
    await answer(s, () => text(s, 'e2e options'), /›\s*description\s+e2e options/, OPTIONS);
    await waitFor(s, /plan: 10 will change · 0 skipped/);
    await answer(s, () => keys(s, 'Escape'), /o options: description e2e options/, OPTIONS);

    // Again: → picks includeMemory's yes, Enter on the last field goes back to the plan.
    await answer(s, () => keys(s, 'o'), /›\s*maxParallel/, /Plan: snapshot/);
    for (const field of ['maxPerNode', 'onFailure', 'description', 'ttlHours', 'includeMemory']) await answer(s, () => keys(s, 'Down'), new RegExp(`›\\s*${field}\\b`), OPTIONS);
    keys(s, 'Right');
    const again = await answer(s, () => keys(s, 'Enter'), /includeMemory yes/, OPTIONS);
    expect(again).toMatch(/10 will change · 0 skipped/);

    keys(s, 'y');
    await waitFor(s, /snapshot\.create succeeded .*10\/10/);
    // The pane takes the bottom of the screen; the list still starts at its first row (once the inventory
    // is read again, without the snapshot locks and their LOCK column).
    const done = await waitFor(s, /^\s*8200\s+workshop-wk-01\s[\s\S]*snapshot\.create succeeded/m);
    expect(firstRowUnder(done, VMS)).toMatch(/^\s*8200\s+workshop-wk-01/);
    keys(s, 'x');
    // The list's line was there before x too: wait for the screen without the pane.
    const closed = await waitFor(s, /^(?![\s\S]*snapshot\.create succeeded)[\s\S]*1\/10 · :vms id:8200-8209/);
    expect(closed).not.toMatch(/snapshot\.create succeeded/);
    expect(firstRowUnder(closed, VMS)).toMatch(/^\s*8200\s/);
  }, 60_000);

  it('the first row stays visible after each view change: :nodes → Enter → :vms, :backups, :jobs', async () => {
    text(s, ':nodes');
    keys(s, 'Enter');
    await waitFor(s, /NODE\s+STATUS/);
    keys(s, 'j');
    keys(s, 'Enter');
    const onNode = await waitFor(s, /1\/\d+ · :vms node:pve2/);
    expect(firstRowUnder(onNode, VMS)).toMatch(/^\s*\d+\s+\S+\s+pve2\s/);
    text(s, ':vms');
    keys(s, 'Enter');
    const all = await waitFor(s, /1\/\d+ · sort id/);
    expect(firstRowUnder(all, VMS)).toMatch(/^\s*100\s+web-/);

    text(s, ':backups');
    keys(s, 'Enter');
    const backups = await waitFor(s, /1\/\d+ · backups cluster-wide/);
    // The first backup row under the header (cursor 1/N), columns apart even when a value is cut.
    expect(firstRowUnder(backups, /^VMID\s+NAME\s+VOLID/)).toMatch(/^\d+\s+\S+\s+backup-nfs:\S*\s+pve\d\s/);

    text(s, ':jobs');
    keys(s, 'Enter');
    const jobs = await waitFor(s, /no scheduler jobs yet: N creates one/);
    expect(jobs).toMatch(/NAME\s+TYPE\s+CRON/);
  }, 30_000);

  it(':jobs → N: a job made in the form, with live next fire times and the cron error', async () => {
    keys(s, 'N');
    await waitFor(s, /New job — Enter on the last field creates the job/);
    await answer(s, () => text(s, 'e2e-nightly'), /› name\s+e2e-nightly/, /› name\s*$/m);
    await answer(s, () => keys(s, 'Tab'), /› task/, /› name/);
    await answer(s, () => keys(s, 'Tab'), /› schedule/, /› task/);
    // The schedule's next fire times, live under it.
    await waitFor(s, /› schedule\s+0 2 \* \* \*\s*\n\s+next: \d{4}-\d\d-\d\d 02:00 · \d{4}-\d\d-\d\d 02:00/);
    // A bad day of week: the parser's error, live, a caret under the field; Enter does not move on.
    const bad = await answer(s, () => text(s, ' 99'), /✗ field 6 \(day of week\): 99 is out of range/, /› schedule\s+0 2 \* \* \*\s*$/m);
    const rows = bad.split('\n');
    const at = rows.findIndex((l) => /› schedule\s+0 2 \* \* \* 99/.test(l));
    expect(rows[at + 1].indexOf('^^')).toBe(rows[at].indexOf('99'));
    expect(rows[at + 1].trim()).toBe('^^');
    keys(s, 'Enter');
    await waitFor(s, /✗ schedule: field 6 \(day of week\)/);
    expect(await settles(s, (x) => /› VMs by/.test(x), 500)).toBe(false);
    // Three backspaces in one write (one chunk on stdin) are three keys; the error of that Enter goes with the fix.
    keys(s, 'BSpace', 'BSpace', 'BSpace');
    const fixed = await waitFor(s, /› schedule\s+0 2 \* \* \*\s*\n\s+next: \d{4}-\d\d-\d\d 02:00/);
    expect(fixed).not.toMatch(/✗/);
    // VMs by: v picks VM_IDS; the ids typed match two VMs, live.
    await answer(s, () => keys(s, 'Tab'), /› VMs by/, /› schedule/);
    keys(s, 'v');
    await answer(s, () => keys(s, 'Tab'), /› VMs\s*$/m, /› VMs by/);
    await answer(s, () => text(s, '8200-8201'), /matches 2 VMs now: 8200, 8201/, /› VMs\s*$/m);
    await answer(s, () => keys(s, 'Tab'), /› except tags/, /› VMs /);
    await answer(s, () => keys(s, 'Tab'), /› snapshotNamePattern/, /› except tags/);
    await answer(s, () => text(s, 'nightly-{vmid}'), /› snapshotNamePattern\s+nightly-\{vmid\}/, /› snapshotNamePattern\s*$/m);
    // Ctrl+S saves from any field.
    const listed = await answer(s, () => keys(s, 'C-s'), /e2e-nightly\s+snapshot_create\s+0 2 \* \* \*\s+yes/, /› snapshotNamePattern/);
    expect(firstRowUnder(listed, /^NAME\s+TYPE\s+CRON/)).toMatch(/^e2e-nightly\s/);
    // The job store (the history index) holds it as the form said.
    const { jobs } = readJson<{ jobs: Array<{ name: string; cronExpression: string; enabled: boolean; vmSelectors: unknown; parameters: Record<string, unknown> }> }>(join(state, 'demo', 'history.json'));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ name: 'e2e-nightly', cronExpression: '0 2 * * *', enabled: true, vmSelectors: [{ type: 'VM_IDS', value: '8200-8201' }], parameters: { snapshotNamePattern: 'nightly-{vmid}' } });
  }, 60_000);

  it(':ct: the container form, its password never on screen, the plan, then the container', async () => {
    text(s, ':ct');
    keys(s, 'Enter');
    await waitFor(s, /Create a container — step 1 of 14/);
    // Every answer but the password is the form's default.
    for (let step = 1; step <= 12; step++) await answer(s, () => keys(s, 'Enter'), new RegExp(`step ${step + 1} of 14`), new RegExp(`step ${step} of 14`));
    await waitFor(s, /root password/);
    await answer(s, () => text(s, 'e2e-s3cret'), /\*{10}/, /root password — /);
    await answer(s, () => keys(s, 'Enter'), /step 14 of 14/, /step 13 of 14/);
    const plan = await answer(s, () => keys(s, 'Enter'), /Plan: create container ct-1 on pve1/, /step 14 of 14/);
    expect(plan).toMatch(/╚═+╝/);
    expect(plan).not.toContain('e2e-s3cret');
    keys(s, 'y');
    const done = await waitFor(s, /ct\.create succeeded/);
    expect(done).not.toContain('e2e-s3cret');
    keys(s, 'x');
  }, 60_000);

  it('a CLI run killed with SIGKILL mid-task is interrupted (UPID, check the VM), never cancelled', async () => {
    const env = { ...process.env, MOXXIE_STATE_DIR: state, MOXXIE_CONFIG: join(state, 'config.json'), CI: 'true' };
    // It joins the demo cluster the TUI serves, so the PVE task goes on after the CLI dies, as on PVE.
    const server = () => readJson<{ owner: { pid: number } }>(join(state, 'demo', 'demo-server.json')).owner.pid;
    const tuiServes = server();
    const child = spawn(process.execPath, [cli, 'snapshot', 'create', 'id:8205', '--name', 'killed-{vmid}', '--demo', '--yes'], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Killed once its journal holds the UPID of the running PVE task (the task takes 1 s).
    const journalHasTask = () => readdirSync(opsDir()).some((f) => f.endsWith('.journal') && /qmsnapshot:8205:/.test(readFileSync(join(opsDir(), f), 'utf8')));
    const until = Date.now() + 20_000;
    while (!(existsSync(opsDir()) && journalHasTask())) {
      if (Date.now() > until) throw new Error('the CLI never started its PVE task');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // It served no cluster of its own (that one would have died with it, and its task too).
    expect(server()).toBe(tuiServes);

    text(s, ':history');
    keys(s, 'Enter');
    const history = await waitFor(s, /snapshot\.create\s+interrupted\s+cli/);
    expect(firstRowUnder(history, /^STARTED\s+KIND\s+STATUS/)).toMatch(/snapshot\.create\s+interrupted\s+cli/);
    keys(s, 'Enter');
    const detail = await waitFor(s, /8205\s+workshop-wk-06\s+pve\d\s+interrupted/);
    expect(detail).toMatch(/\(snapshot\.create\) interrupted/);
    // The message, whole enough at 80 columns: check the VM and its PVE task; the UPID on a line of its own.
    const flat = detail.replace(/\n\s*/g, ' ');
    expect(flat).toMatch(/interrupted while running: the moxxie process \(pid \d+\) died; check the VM 8205 and PVE task UPID:/);
    expect(detail).toMatch(/^\s+UPID:pve\d:[0-9A-F]+:[0-9A-F]+:[0-9A-F]+:qmsnapshot:8205:/m);
    expect(detail).not.toMatch(/cancelled/);

    // The record: interrupted, counted so, with the UPID of the task that ran on.
    const [file] = readdirSync(opsDir()).filter((f) => f.endsWith('.json') && readFileSync(join(opsDir(), f), 'utf8').includes('killed-{vmid}'));
    const { operation } = readJson<{ operation: { status: string; summary: { counts: Record<string, number> }; targets: Array<{ state: string; message: string; phases: Array<{ upids: string[] }> }> } }>(join(opsDir(), file));
    expect(operation.status).toBe('interrupted');
    expect(operation.summary.counts).toMatchObject({ interrupted: 1, cancelled: 0, succeeded: 0 });
    expect(operation.targets[0].phases[0].upids[0]).toMatch(/:qmsnapshot:8205:/);
    keys(s, 'Escape');
    // The PVE task ran on without its CLI: the VM's detail shows its snapshot once it is done (the demo
    // keeps no task that runs when the TUI quits, so the last step waits for this).
    // Back in :history (the detail gone) before the next key: Esc and ':' together would read as Alt+:.
    await waitFor(s, /^(?![\s\S]*\(snapshot\.create\) interrupted)[\s\S]*STARTED\s+KIND\s+STATUS/);
    text(s, ':vms id:8205');
    keys(s, 'Enter');
    await waitFor(s, /1\/1 · :vms id:8205/);
    keys(s, 'Enter');
    await waitFor(s, /killed-8205/);
    keys(s, 'Escape');
  }, 60_000);

  it('--read-only: an action key says the context is read-only', async () => {
    await waitFor(ro, /1\/\d+ ·/);
    keys(ro, 's');
    await waitFor(ro, /read-only context demo: snapshot changes the cluster and is not available here/);
    keys(ro, 'q');
    await waitFor(ro, /EXITED-0/);
  }, 30_000);

  it('quits, and the simulator kept what each step did', async () => {
    keys(s, 'q');
    await waitFor(s, /EXITED-0/);
    type Saved = { vms: Array<{ vmid: number; name?: string; type: string; state?: string; status?: string; config: Record<string, unknown>; snapshots: Array<{ name: string; description: string; vmstate: boolean }> }> };
    const saved = readJson<Saved>(join(state, 'demo', 'sim-state.json'));
    const vm = (id: number) => saved.vms.find((v) => v.vmid === id)!;
    // The options: every one of the ten has the description; RAM saved for the running ones only.
    for (let id = 8200; id <= 8209; id++) {
      const snap = vm(id).snapshots.find((x) => x.description.includes('e2e options'));
      expect(snap, `VM ${id}`).toBeDefined();
      expect(snap!.name).toMatch(new RegExp(`^tui-${id}-`));
    }
    expect(vm(8200).snapshots.find((x) => x.description.includes('e2e options'))!.vmstate).toBe(true);
    // The killed CLI's PVE task ran to its end: the snapshot is there although moxxie says interrupted.
    expect(vm(8205).snapshots.map((x) => x.name)).toContain('killed-8205');
    // The container from :ct.
    const ct = saved.vms.find((v) => v.type === 'lxc' && v.config.hostname === 'ct-1');
    expect(ct).toBeDefined();
    // The password went to PVE only: nothing moxxie keeps has it.
    for (const f of ['history.json', 'audit.jsonl']) expect(readFileSync(join(state, 'demo', f), 'utf8')).not.toContain('e2e-s3cret');
    for (const f of readdirSync(opsDir())) expect(readFileSync(join(opsDir(), f), 'utf8')).not.toContain('e2e-s3cret');
  }, 30_000);
});
