// A listener (`moxxie serve`, `moxxie mcp`) stops on its first SIGINT, SIGTERM or SIGHUP and then finishes its
// shutdown even when more signals follow (a terminal closing sends a hang-up; npm or script pass a signal on
// again); a shutdown that hangs is ended after the grace period. Runs the built module in a child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const module = join(dirname(fileURLToPath(import.meta.url)), '../../dist/src/net/stop-signal.js');

/** A child that waits for a stop signal, then shuts down in `shutdownMs` (never, when null). */
function listener(shutdownMs: number | null, graceMs: number) {
  if (!existsSync(module)) throw new Error(`${module} is missing: build first`);
  const script = `
    import { untilStopSignal } from ${JSON.stringify(module)};
    const keepAlive = setInterval(() => {}, 1000);
    const stopping = untilStopSignal(${graceMs});
    console.log('ready');
    const signal = await stopping;
    console.log('stopping on ' + signal);
    ${shutdownMs === null ? '' : `setTimeout(() => { console.log('shutdown done'); clearInterval(keepAlive); }, ${shutdownMs});`}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  const saw = (text: string) =>
    new Promise<void>((resolve) => {
      const look = () => (out.includes(text) ? resolve() : child.stdout.once('data', look));
      look();
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, saw, exited, output: () => out };
}

it('stops on the first signal and finishes its shutdown through a hang-up and repeated signals', async () => {
  const l = listener(300, 10_000);
  await l.saw('ready');
  l.child.kill('SIGTERM');
  await l.saw('stopping on SIGTERM');
  l.child.kill('SIGHUP');
  l.child.kill('SIGTERM');
  l.child.kill('SIGINT');
  const end = await l.exited;
  expect(end).toEqual({ code: 0, signal: null });
  expect(l.output()).toContain('shutdown done');
});

it('a shutdown that hangs is ended after the grace period, with 128 + the signal', async () => {
  const l = listener(null, 200);
  await l.saw('ready');
  l.child.kill('SIGHUP');
  await l.saw('stopping on SIGHUP');
  expect(await l.exited).toEqual({ code: 129, signal: null });
});
