// Whether a record's owner process is gone. A process that has exited but is not reaped yet (a zombie: its
// parent died first, or never waits) still answers kill(pid, 0); it runs nothing, so its records and its
// demo announcement must count as abandoned at once, not when init gets round to reaping it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { expect, it } from 'vitest';
import { currentOwner, ownerGone } from '../../src/history/process-owner.js';
import { until } from '../fixtures/wait.js';

const stateOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[0];

it('counts an exited, unreaped process (a zombie) as gone, and a live one as not', async () => {
  // `sleep 0` ends at once; its parent becomes `sleep 30` through exec, which never waits for it.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(String(d).trim()))));
    await until('the child to exit unreaped', () => stateOf(pid) === 'Z');
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(ownerGone({ pid, host: hostname() })).toBe(true);
    expect(ownerGone({ pid: parent.pid!, host: hostname() })).toBe(false);
    expect(ownerGone(currentOwner())).toBe(false);
  } finally {
    parent.kill('SIGKILL');
  }
});
