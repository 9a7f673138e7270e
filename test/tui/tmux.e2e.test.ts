// moxxie --demo in a real terminal (tmux): start, read the screen, send keys, quit cleanly.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli.js');
const session = `moxxie-e2e-${process.pid}`;
const state = mkdtempSync(join(tmpdir(), 'moxxie-tmux-'));

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', session);
}

async function waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = screen();
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched ${pattern}:\n${last}`);
}

afterAll(() => {
  spawnSync('tmux', ['kill-session', '-t', session]);
});

describe('moxxie --demo in tmux', () => {
  it('has tmux (CI installs it)', () => {
    const res = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
    expect(res.error, 'tmux is not installed: apt-get install tmux').toBeUndefined();
    expect(res.stdout).toMatch(/tmux/);
  });

  it('draws the VM list, switches views, filters, shows help and quits, restoring the terminal', async () => {
    tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '40', `MOXXIE_STATE_DIR=${state} MOXXIE_DEMO_TASK_MS=200 ${process.execPath} ${cli} --demo; echo EXITED-$?; sleep 30`);
    const first = await waitFor(/1\/40/);
    expect(first).toMatch(/moxxie ctx demo/);
    expect(first).toMatch(/VMID.*NAME.*NODE.*STATUS/);
    tmux('send-keys', '-t', session, 'j', 'j');
    await waitFor(/3\/40/);
    tmux('send-keys', '-t', session, ':', 'n', 'o', 'd', 'e', 's', 'Enter');
    await waitFor(/pve1\s+online/);
    tmux('send-keys', '-t', session, ':', 'v', 'm', 's', 'Enter');
    tmux('send-keys', '-t', session, '/', 'w', 'o', 'r', 'k', 's', 'h', 'o', 'p', 'Enter');
    const filtered = await waitFor(/\/workshop/);
    expect(filtered).toContain('workshop-wk-01');
    tmux('send-keys', '-t', session, '?');
    await waitFor(/Keys/);
    // Sent apart: ESC followed at once by a key reads as Alt+key in a terminal.
    tmux('send-keys', '-t', session, 'Escape');
    await waitFor(/VMID.*NAME/);
    tmux('send-keys', '-t', session, 'q');
    const after = await waitFor(/EXITED-0/);
    // The alternate screen is gone: the shell's screen is back, without the TUI.
    expect(after).not.toMatch(/VMID.*NAME.*NODE/);
  }, 60_000);
});
