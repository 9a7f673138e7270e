// The alternate screen is left on every way out: a crash (uncaught exception, unhandled rejection)
// restores the screen first and then prints the error, so the message stays readable. Runs the built
// module in a child process, whose death is the point.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtModule, spawnScript } from '../fixtures/script-child.js';

const terminal = builtModule('tui/terminal.js');

function crashWith(how: string): { status: number | null; out: string } {
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
    const c = spawnScript(`
      import { enterAlternateScreen } from ${JSON.stringify(terminal)};
      const stream = { isTTY: true, write: () => true, on: () => stream };
      const keepAlive = setInterval(() => {}, 1000);
      enterAlternateScreen({ out: stream, err: stream, onSignal: () => {
        console.log('shutting down');
        setTimeout(() => { console.log('shutdown done'); clearInterval(keepAlive); }, 300);
      } });
      console.log('ready');
    `);
    await c.saw('ready');
    await c.signal('SIGTERM', 'shutting down');
    c.child.kill('SIGHUP');
    c.child.kill('SIGTERM');
    const end = await c.exited;
    expect(end.signal).toBeNull();
    expect(c.output()).toContain('shutdown done');
  });

  it('once the screen is restored (the TUI quit), a signal ends the process as by default', async () => {
    const c = spawnScript(`
      import { enterAlternateScreen } from ${JSON.stringify(terminal)};
      const stream = { isTTY: true, write: () => true, on: () => stream };
      setInterval(() => {}, 1000);
      enterAlternateScreen({ out: stream, err: stream, onSignal: () => console.log('shutting down') }).restore();
      console.log('restored');
    `);
    await c.saw('restored');
    c.child.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(c.output()).toBe('restored\n');
  });
});
