// TUI figures: start-to-first-frame of `moxxie --demo` in a pseudo-terminal (script), and, with 10,000 VMs
// from a simulator in another process, the keypress-to-frame time and this process's memory.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { App } from '../tui/App.js';
import { TuiController } from '../tui/controller.js';
import { createTuiStore } from '../tui/store.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../src/cli.js');

/** Process start to the first full frame (header, rows, the position line of a loaded inventory), in a pty. */
async function timeToFirstFrame(state: string): Promise<number> {
  const started = Date.now();
  const p = spawn('script', ['-qc', `MOXXIE_STATE_DIR=${state} ${process.execPath} ${cli} --demo`, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  try {
    return await new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(Number.NaN), 20_000);
      p.stdout.on('data', (d: Buffer) => {
        out += String(d);
        if (/1\/40/.test(out.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, ''))) {
          clearTimeout(timer);
          resolve(Date.now() - started);
        }
      });
    });
  } finally {
    p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function firstFrameMs(): Promise<string> {
  if (spawnSync('script', ['--version']).error) return 'n/a (util-linux script is not installed)';
  const state = mkdtempSync(join(tmpdir(), 'moxxie-bench-tui-'));
  // The first start in a new state directory also makes the demo cluster's certificate.
  const cold = await timeToFirstFrame(state);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(await timeToFirstFrame(state));
  warm.sort((a, b) => a - b);
  return `${warm[2]} (median of 5 starts; the very first start, which also creates the demo state and certificate: ${cold} ms)`;
}

async function bigSimulator(): Promise<{ url: string; fingerprint: string; tokenId: string; secret: string; stop: () => void }> {
  const child = spawn(process.execPath, [cli, 'sim', '--port', '0', '--vms', '10000', '--nodes', '32'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const url = /listening on (\S+)/.exec(out)?.[1];
      const fp = /fingerprint \(SHA-256\): (\S+)/.exec(out)?.[1];
      const tok = /token:\s+(\S+)\s+secret: (\S+)/.exec(out);
      if (url && fp && tok) resolve({ url, fingerprint: fp, tokenId: tok[1], secret: tok[2], stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', () => reject(new Error(`simulator exited: ${out}`)));
  });
}

export async function run(): Promise<void> {
  console.log(`tui first-frame ms: ${await firstFrameMs()}`);

  const sim = await bigSimulator();
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.tokenId, tokenSecret: sim.secret }, tls: { fingerprint: sim.fingerprint } });
  const context = { name: 'bench', url: sim.url, readOnly: false, safeMode: true, demo: false };
  const core = createCore({ context, client });
  const store = createTuiStore(context, { columns: 140, rows: 50 });
  const controller = new TuiController(store, { core }, 3_600_000);
  const ui = render(createElement(App, { store, controller }));
  await controller.start();
  await new Promise((r) => setTimeout(r, 200));
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const before = ui.frames.length;
    const t = performance.now();
    ui.stdin.write(i % 2 ? 'k' : 'j');
    while (ui.frames.length === before) await new Promise((r) => setImmediate(r));
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  times.sort((a, b) => a - b);
  const rows = store.getState().visible.length;
  console.log(`tui key-to-frame ms 10k-vms: ${times[20].toFixed(1)} (median of 40 cursor moves over ${rows} VMs)`);
  global.gc?.();
  console.log(`tui rss-mb 10k-vms: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} (this process: TUI + core + client, simulator in another process)`);
  controller.stop();
  ui.unmount();
  await client.close();
  sim.stop();
}
