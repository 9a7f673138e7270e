// `moxxie --demo` from the built CLI in a real terminal (tmux): draw, navigate, select, snapshot with
// live progress, help, then quit — and the terminal is given back (alternate screen left) after q,
// Ctrl+C and SIGTERM. The demo cluster keeps its state in MOXXIE_STATE_DIR, which is where the
// snapshot is checked after the TUI exits. tmux is required: CI installs it; without it this fails.
// CI=true is set on purpose: CI machines export it, and Ink then draws nothing until exit (it once
// left this very test staring at a blank screen in CI).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

function startDemo(session: string): string {
  const state = mkdtempSync(join(tmpdir(), 'moxxie-tmux-'));
  dirs.push(state);
  const env = `MOXXIE_STATE_DIR=${state} MOXXIE_CONFIG=${join(state, 'config.json')} MOXXIE_DEMO_TASK_MS=300 CI=true`;
  tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '40', `${env} ${process.execPath} ${cli} --demo; echo EXITED-$?; sleep 120`);
  return state;
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
    text(s, 'e2e-{vmid}');
    keys(s, 'Enter', 'Enter');
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
