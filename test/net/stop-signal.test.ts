// A listener (`moxxie serve`, `moxxie mcp`) stops on its first SIGINT, SIGTERM or SIGHUP and then finishes its
// shutdown even when more signals follow (a terminal closing sends a hang-up; npm or script pass a signal on
// again); a shutdown that hangs is ended after the grace period. The watch under it (shared with the TUI and
// the CLI's runs) hands later signals to the caller when asked, and once disposed leaves signals their default
// effect. Runs the built module in a child process.
import { expect, it } from 'vitest';
import { builtModule, spawnScript } from '../fixtures/script-child.js';

const module = builtModule('src/net/stop-signal.js');

/** A child that waits for a stop signal, then shuts down in `shutdownMs` (never, when null). */
function listener(shutdownMs: number | null, graceMs: number) {
  return spawnScript(`
    import { untilStopSignal } from ${JSON.stringify(module)};
    const keepAlive = setInterval(() => {}, 1000);
    const stopping = untilStopSignal(${graceMs});
    console.log('ready');
    const signal = await stopping;
    console.log('stopping on ' + signal);
    ${shutdownMs === null ? '' : `setTimeout(() => { console.log('shutdown done'); clearInterval(keepAlive); }, ${shutdownMs});`}
  `);
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

it('hands each later signal to onRepeat, and once disposed a signal ends the process again', async () => {
  // Without a grace period the caller ends the process itself: here it never does, so the disposed watch is
  // what lets the last signal end it.
  const c = spawnScript(`
    import { watchStopSignals } from ${JSON.stringify(module)};
    setInterval(() => {}, 1000);
    let repeats = 0;
    const watch = watchStopSignals((s) => console.log('stop ' + s), {
      onRepeat: (s) => {
        console.log('repeat ' + s + ' ' + ++repeats);
        if (repeats === 2) { watch.dispose(); console.log('disposed'); }
      },
    });
    console.log('ready');
  `);
  await c.saw('ready');
  await c.signal('SIGINT', 'stop SIGINT');
  await c.signal('SIGHUP', 'repeat SIGHUP 1');
  await c.signal('SIGINT', 'disposed');
  c.child.kill('SIGTERM');
  expect(await c.exited).toEqual({ code: null, signal: 'SIGTERM' });
  expect(c.output()).toBe('ready\nstop SIGINT\nrepeat SIGHUP 1\nrepeat SIGINT 2\ndisposed\n');
});
