// One demo cluster per state directory: a second `--demo` opener joins the one a live process serves
// (in this process, or in another: the built CLI), and starts its own once that one is gone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/config/open-context.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function stateEnv() {
  const root = mkdtempSync(join(tmpdir(), 'moxxie-demo-share-'));
  dirs.push(root);
  return { root, env: { MOXXIE_STATE_DIR: root, MOXXIE_DEMO_TASK_MS: '20', MOXXIE_CONFIG: join(root, 'none.json') }, announcement: join(root, 'demo', 'demo-server.json') };
}

describe('the shared demo cluster', () => {
  it('lets a second opener join the running demo, and starts a fresh one from the saved state once it is gone', async () => {
    const { env, announcement } = stateEnv();
    const owner = await openContext({ demo: true, env });
    expect(owner.sim).toBeDefined();
    expect(existsSync(announcement)).toBe(true);
    // It holds the demo's API token: readable by the user only.
    expect(statSync(announcement).mode & 0o077).toBe(0);
    const joiner = await openContext({ demo: true, env });
    try {
      expect(joiner.sim).toBeUndefined();
      expect(joiner.info.url).toBe(owner.info.url);
      const vm = owner.sim!.state.vm(8200)!;
      await joiner.client.put(`/nodes/${vm.node}/qemu/8200/config`, { description: 'seen by both' });
      expect(owner.sim!.state.vm(8200)!.config.description).toBe('seen by both');
    } finally {
      await joiner.close();
    }
    // The joiner leaving changes nothing for the owner.
    expect(existsSync(announcement)).toBe(true);
    await owner.close();
    expect(existsSync(announcement)).toBe(false);
    const next = await openContext({ demo: true, env });
    try {
      expect(next.sim).toBeDefined();
      expect(next.sim!.state.vm(8200)!.config.description).toBe('seen by both');
    } finally {
      await next.close();
    }
  });

  it('ignores the announcement of a process that is gone', async () => {
    const { env, announcement } = stateEnv();
    const first = await openContext({ demo: true, env });
    await first.close();
    writeFileSync(announcement, JSON.stringify({ url: 'https://127.0.0.1:1', fingerprint: 'AA', tokenId: 'root@pam!moxxie', tokenSecret: 'x', owner: { pid: 2 ** 22 + 7, host: (await import('node:os')).hostname() } }), { mode: 0o600 });
    const ctx = await openContext({ demo: true, env });
    try {
      expect(ctx.sim).toBeDefined();
      expect(JSON.parse(readFileSync(announcement, 'utf8')).owner.pid).toBe(process.pid);
    } finally {
      await ctx.close();
    }
  });

  it('joins the demo cluster another moxxie process serves (the built CLI)', async () => {
    const { env, announcement } = stateEnv();
    const child = spawn(process.execPath, [cli, 'scheduler', '--demo'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // Ready when it says so on stdout; a child that exits first fails the test with what it said.
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += String(d);
          if (/scheduler started/.test(out)) resolve();
        });
        child.once('exit', () => reject(new Error(`moxxie scheduler --demo exited: ${out}`)));
      });
      const served = JSON.parse(readFileSync(announcement, 'utf8')) as { url: string; owner: { pid: number } };
      expect(served.owner.pid).toBe(child.pid);
      const ctx = await openContext({ demo: true, env });
      try {
        expect(ctx.sim).toBeUndefined();
        expect(ctx.info.url).toBe(served.url);
        expect((await ctx.client.get<Array<{ node: string }>>('/nodes')).length).toBe(4);
      } finally {
        await ctx.close();
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(existsSync(announcement)).toBe(false);
  });
});
