// The alternate screen is left on every way out: a crash (uncaught exception, unhandled rejection)
// restores the screen first and then prints the error, so the message stays readable. Runs the built
// module in a child process, whose death is the point.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const terminal = join(dirname(fileURLToPath(import.meta.url)), '../../dist/tui/terminal.js');

function crashWith(how: string): { status: number | null; out: string } {
  if (!existsSync(terminal)) throw new Error(`${terminal} is missing: build first (the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
  // A TTY-like stream that records what the TUI would send to the terminal, in order.
  const script = `
    import { enterAlternateScreen } from ${JSON.stringify(terminal)};
    const log = [];
    const stream = (name) => ({ isTTY: true, write: (s) => { log.push(name + ':' + JSON.stringify(s)); return true; } });
    enterAlternateScreen({ out: stream('out'), err: stream('err') });
    process.on('exit', () => console.log(log.join('\\n')));
    ${how}
  `;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: res.status, out: res.stdout };
}

describe('terminal restore', () => {
  it('restores the screen, then prints the error, on an uncaught exception', () => {
    const { status, out } = crashWith("setTimeout(() => { throw new Error('boom in a render'); }, 10);");
    expect(status).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('out:"\\u001b[?1049h\\u001b[H\\u001b[2J"');
    expect(lines[1]).toBe('out:"\\u001b[?25h\\u001b[?1049l"');
    expect(lines[2]).toMatch(/^err:"moxxie crashed: Error: boom in a render/);
  });

  it('restores the screen on an unhandled rejection and on a normal exit, once', () => {
    const rejected = crashWith("Promise.reject(new Error('lost promise'));");
    expect(rejected.status).toBe(1);
    expect(rejected.out).toMatch(/out:"\\u001b\[\?25h\\u001b\[\?1049l"\nerr:"moxxie crashed: Error: lost promise/);
    const normal = crashWith('process.exitCode = 0;');
    expect(normal.status).toBe(0);
    expect(normal.out.match(/1049l/g)).toHaveLength(1);
  });

  it('after a signal, a hang-up and a second SIGTERM do not cut the graceful shutdown short', async () => {
    // The child's shutdown takes a while (as saving the demo's state does); the signals that follow a terminal
    // closing (SIGHUP, and `script` passing on SIGTERM) arrive while it runs.
    const script = `
      import { enterAlternateScreen } from ${JSON.stringify(terminal)};
      const stream = { isTTY: true, write: () => true, on: () => stream };
      const keepAlive = setInterval(() => {}, 1000);
      enterAlternateScreen({ out: stream, err: stream, onSignal: () => {
        console.log('shutting down');
        setTimeout(() => { console.log('shutdown done'); clearInterval(keepAlive); }, 300);
      } });
      console.log('ready');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const saw = (text: string) => new Promise<void>((resolve) => {
      const look = () => (out.includes(text) ? resolve() : child.stdout.once('data', look));
      look();
    });
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await saw('ready');
    child.kill('SIGTERM');
    await saw('shutting down');
    child.kill('SIGHUP');
    child.kill('SIGTERM');
    const end = await exited;
    expect(end.signal).toBeNull();
    expect(out).toContain('shutdown done');
  });
});
