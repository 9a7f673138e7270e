// TUI figures.
// - first frame: wall time from spawning `node dist/bundle/cli.js --demo` (what `moxxie` runs) in a pseudo-terminal (util-linux
//   `script`, 120×40) to the moment its output holds the first full frame — the VM list with its
//   position line (`1/N ·`), i.e. header, rows and footer of a loaded inventory. Median of 5 starts
//   after one warm-up start (the warm-up creates the demo's state directory and certificate); each start
//   begins after the one before has exited.
// - key-to-frame and RSS at 10,000 VMs: measured in a fresh child process, with the bundle's build of Ink and
//   the TUI (dist/bundle/bench-tui-app.js, what `moxxie` runs), (so nothing else this bench
//   run allocated counts) that runs the real controller, store and Ink renderer (throttled at 60 fps, as
//   the CLI does) into an in-memory 120×40 terminal (the size the first-frame start uses too; Ink's
//   cost per frame grows with the screen's area: about 12 ms for 120×40 and 23 ms for 160×50 on a
//   2-core CI machine, whatever is drawn), over the real core and client, against a
//   10,000-VM simulator in a third process. key-to-frame is the median time from writing `j`/`k` to
//   stdin to Ink's next write to stdout, over 60 presses 40 ms apart (slower than Ink's 60 fps
//   throttle, so each press gets its own frame). RSS is that child's resident memory afterwards, at rest
//   (after the garbage collections an idle process gets).
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../bundle/cli.js');
const self = fileURLToPath(import.meta.url);
const CHILD_MEASURE = '--tui-bench-measure';
const CHILD_SIM = '--tui-bench-sim';

interface SimDetails {
  url: string;
  fingerprint: string;
  tokenId: string;
  tokenSecret: string;
}

interface Measured {
  keyToFrameMs: number;
  rssMb: number;
  vms: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');

async function oneStart(stateDir: string): Promise<number> {
  const command = `stty cols 120 rows 40; MOXXIE_STATE_DIR=${stateDir} exec ${process.execPath} ${cli} --demo`;
  const started = performance.now();
  const p = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  let out = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no first frame within 20 s; output so far:\n${plain(out).slice(-2000)}`)), 20_000);
      p.stdout!.on('data', (d: Buffer) => {
        out += String(d);
        if (/\b1\/\d+ ·/.test(plain(out))) {
          clearTimeout(timer);
          resolve(Math.round(performance.now() - started));
        }
      });
      p.on('exit', () => reject(new Error(`moxxie --demo exited before its first frame:\n${plain(out).slice(-2000)}`)));
    });
  } finally {
    // Each start is measured alone: the next one begins once this one has exited (its demo state saved),
    // as when an operator quits and opens moxxie again, not while it is still shutting down.
    const exited = new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));
    try {
      process.kill(-p.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}

async function firstFrameMs(): Promise<number> {
  if (spawnSync('script', ['--version']).error) throw new Error('bench tui: util-linux `script` is needed for the pseudo-terminal (apt-get install bsdutils)');
  const state = mkdtempSync(join(tmpdir(), 'moxxie-bench-tui-'));
  try {
    await oneStart(state);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await oneStart(state));
    return median(times);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

function waitMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before answering`)));
  });
}

async function measureAt10k(): Promise<Measured> {
  const sim = fork(self, [CHILD_SIM], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const details = await waitMessage<SimDetails>(sim, 'the 10k-VM simulator');
    const child = fork(self, [CHILD_MEASURE, JSON.stringify(details)], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], execArgv: ['--expose-gc'], env: { ...process.env, NODE_ENV: 'production' } });
    return await waitMessage<Measured>(child, 'the TUI measurement');
  } finally {
    sim.kill('SIGTERM');
  }
}

export async function run(): Promise<void> {
  console.log(`tui first-frame ms: ${await firstFrameMs()}`);
  const m = await measureAt10k();
  console.log(`tui key-to-frame ms 10k-vms: ${m.keyToFrameMs.toFixed(1)}`);
  console.log(`tui rss-mb 10k-vms: ${Math.round(m.rssMb)}`);
}

// ---- child processes ----------------------------------------------------------------------------

async function simChild(): Promise<void> {
  const { startSimulator } = await import('../src/sim/index.js');
  const sim = await startSimulator({ vms: 10_000, nodes: 32, seed: 3, taskDurationMs: 50 });
  const details: SimDetails = { url: sim.url, fingerprint: sim.fingerprint, tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret };
  process.send!(details);
  process.on('SIGTERM', () => void sim.close().finally(() => process.exit(0)));
  process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
}

/** An in-memory terminal for Ink: a TTY-like stdout that timestamps writes, and a stdin we type into. */
class BenchStdout extends EventEmitter {
  readonly isTTY = true;
  columns = 120;
  rows = 40;
  writes = 0;
  onWrite: () => void = () => {};
  write(_chunk: string): boolean {
    this.writes++;
    this.onWrite();
    return true;
  }
}

class BenchStdin extends EventEmitter {
  readonly isTTY = true;
  private queue: string[] = [];
  type(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

async function measureChild(details: SimDetails): Promise<void> {
  // The bundle's build of them (scripts/bundle.mjs), as `moxxie` runs them.
  const bundled = new URL('../bundle/bench-tui-app.js', import.meta.url).href;
  const { render, createElement, PveClient, createCore, App, TuiController, createTuiStore } = (await import(bundled)) as typeof import('./tui-app.js');
  const client = new PveClient({ url: details.url, auth: { tokenId: details.tokenId, tokenSecret: details.tokenSecret }, tls: { fingerprint: details.fingerprint } });
  const context = { name: 'bench', url: details.url, readOnly: false, safeMode: true, demo: false };
  const core = createCore({ context, client, frontEnd: 'tui' });
  const stdout = new BenchStdout();
  const stdin = new BenchStdin();
  const store = createTuiStore(context, { columns: stdout.columns, rows: stdout.rows });
  const controller = new TuiController(store, { core }, { refreshMs: 3_600_000 });
  const inventory = await core.inventory();
  await controller.start(inventory);
  const app = render(createElement(App, { store, controller }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
  });
  await sleep(500);
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const frame = new Promise<number>((resolve) => {
      stdout.onWrite = () => {
        stdout.onWrite = () => {};
        resolve(performance.now());
      };
    });
    const t0 = performance.now();
    // Down for the first half, up for the second: every press moves the cursor.
    stdin.type(i < 30 ? 'j' : 'k');
    times.push((await frame) - t0);
    await sleep(40);
  }
  const vms = store.getState().vmRows.length;
  // Resident memory at rest, as a TUI waiting for the next key is: after the collections V8's memory
  // reducer would run in idle time anyway.
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await sleep(200);
  }
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  app.unmount();
  controller.stop();
  await client.close();
  const result: Measured = { keyToFrameMs: median(times), rssMb, vms };
  process.send!(result);
  process.exit(0);
}

if (process.argv[2] === CHILD_SIM) void simChild();
if (process.argv[2] === CHILD_MEASURE) void measureChild(JSON.parse(process.argv[3]) as SimDetails);
