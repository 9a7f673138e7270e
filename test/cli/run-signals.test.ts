// The convention of the commands that run operations (`scheduler`, `jobs trigger`, the capability verbs): the
// first SIGINT or SIGTERM cancels, each later one stops waiting for running steps, and SIGHUP keeps its
// default effect. Runs the built module in a child process.
import { expect, it } from 'vitest';
import { builtModule, spawnScript } from '../fixtures/script-child.js';

function run() {
  return spawnScript(`
    import { watchRunSignals } from ${JSON.stringify(builtModule('cli/run-signals.js'))};
    setInterval(() => {}, 1000);
    watchRunSignals((s) => console.log('cancel ' + s), (s) => console.log('stop waiting ' + s));
    console.log('ready');
  `);
}

it('the first SIGINT or SIGTERM cancels and every later one stops waiting; the process goes on', async () => {
  const r = run();
  await r.saw('ready');
  r.child.kill('SIGTERM');
  await r.saw('cancel SIGTERM');
  r.child.kill('SIGINT');
  await r.saw('stop waiting SIGINT');
  r.child.kill('SIGTERM');
  await r.saw('stop waiting SIGTERM');
  expect(r.output()).toBe('ready\ncancel SIGTERM\nstop waiting SIGINT\nstop waiting SIGTERM\n');
  r.child.kill('SIGKILL');
  expect(await r.exited).toEqual({ code: null, signal: 'SIGKILL' });
});

it('a hang-up is not one of them: it ends the process as by default', async () => {
  const r = run();
  await r.saw('ready');
  r.child.kill('SIGHUP');
  expect(await r.exited).toEqual({ code: null, signal: 'SIGHUP' });
  expect(r.output()).toBe('ready\n');
});
