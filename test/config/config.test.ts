import { chmodSync, mkdtempSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveContext, saveConfig, loadConfig } from '../../src/config/contexts.js';
import { openContext } from '../../src/config/open-context.js';
import { configFile, contextStateDir, stateRoot } from '../../src/config/paths.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

let dir: string;
let sim: Simulator;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moxxie-config-'));
  sim = await startSimulator({ vms: 20 });
});
afterAll(() => sim.close());

function writeConfig(name: string, body: unknown, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  chmodSync(path, mode);
  return path;
}

describe('paths', () => {
  it('follows XDG and the MOXXIE overrides', () => {
    expect(configFile({ XDG_CONFIG_HOME: '/x' })).toBe('/x/moxxie/config.json');
    expect(configFile({ HOME: '/h' })).toBe('/h/.config/moxxie/config.json');
    expect(stateRoot({ XDG_STATE_HOME: '/s' })).toBe('/s/moxxie');
    expect(stateRoot({ MOXXIE_STATE_DIR: '/m', XDG_STATE_HOME: '/s' })).toBe('/m');
    expect(contextStateDir('prod', { MOXXIE_STATE_DIR: '/m' })).toBe('/m/prod');
  });
});

describe('validation', () => {
  it('names the bad field', () => {
    const path = writeConfig('bad.json', { contexts: { prod: { url: 'not a url', auth: { tokenId: 'root@pam!x' }, defaults: { maxParallel: 50 } } } });
    expect(() => loadConfig(path)).toThrow(/contexts\.prod\.url: must be a URL/);
    expect(() => loadConfig(path)).toThrow(/contexts\.prod\.defaults\.maxParallel/);
  });

  it('reports broken JSON with the file name', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ nope');
    expect(() => loadConfig(path)).toThrow(/broken\.json: not valid JSON/);
  });

  it('explains what to do when no context exists', () => {
    expect(() => resolveContext({ env: {}, configPath: join(dir, 'missing.json') })).toThrow(/moxxie config add/);
  });
});

describe('secrets', () => {
  const entry = { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci', tokenSecret: 'file-secret-123' } };

  it('reads a secret from the file only when it is mode 0600', () => {
    const open = writeConfig('open.json', { current: 'lab', contexts: { lab: entry } }, 0o644);
    expect(() => resolveContext({ env: {}, configPath: open })).toThrow(/chmod 600/);
    const priv = writeConfig('private.json', { current: 'lab', contexts: { lab: entry } }, 0o600);
    const ctx = resolveContext({ env: {}, configPath: priv });
    expect(ctx.auth).toEqual({ tokenId: 'root@pam!ci', tokenSecret: 'file-secret-123' });
    expect(ctx.safeMode).toBe(true);
    expect(ctx.defaults.maxParallel).toBe(5);
  });

  it('runs a secretCommand and never echoes its output on failure', () => {
    const path = writeConfig('cmd.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci', secretCommand: 'echo from-command' } } } }, 0o644);
    expect(resolveContext({ env: {}, configPath: path }).auth).toEqual({ tokenId: 'root@pam!ci', tokenSecret: 'from-command' });
    const failing = writeConfig('cmdfail.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci', secretCommand: 'echo leaked-value; exit 3' } } } });
    const err = (() => {
      try {
        resolveContext({ env: {}, configPath: failing });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toMatch(/secretCommand failed with exit code 3/);
    expect(err?.message).not.toContain('leaked-value');
  });

  it('lets the environment override url, credentials and TLS', () => {
    const path = writeConfig('env.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { username: 'root@pam' } } } }, 0o644);
    const ctx = resolveContext({
      env: { PVE_URL: 'https://other:8006', PVE_TOKEN_ID: 'ops@pve!t', PVE_TOKEN_SECRET: 's', PVE_FINGERPRINT: 'AA', PVE_CA_FILE: '/ca.pem', PVE_INSECURE: '1' },
      configPath: path,
    });
    expect(ctx).toMatchObject({ name: 'lab', url: 'https://other:8006', auth: { tokenId: 'ops@pve!t', tokenSecret: 's' }, tls: { fingerprint: 'AA', caFile: '/ca.pem', insecure: true } });
    const envOnly = resolveContext({ env: { PVE_URL: 'https://x:8006', PVE_USER: 'root@pam', PVE_PASSWORD: 'p', PVE_REALM: 'pam' }, configPath: join(dir, 'none.json') });
    expect(envOnly).toMatchObject({ name: 'env', auth: { username: 'root@pam', password: 'p', realm: 'pam' } });
    const picked = resolveContext({ env: { MOXXIE_CONTEXT: 'lab', PVE_PASSWORD: 'pw' }, configPath: path });
    expect(picked.auth).toMatchObject({ username: 'root@pam', password: 'pw' });
  });

  it('saves the config privately', () => {
    const path = join(dir, 'saved', 'config.json');
    saveConfig(path, { contexts: { lab: entry } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8')).contexts.lab.url).toBe('https://pve1:8006');
  });
});

describe('opening contexts', () => {
  it('connects a configured context with fingerprint pinning from the environment', async () => {
    const path = writeConfig('sim.json', { current: 'sim', contexts: { sim: { url: sim.url, auth: { tokenId: sim.credentials.tokenId }, readOnly: true } } });
    const ctx = await openContext({ env: { PVE_TOKEN_SECRET: sim.credentials.tokenSecret, PVE_FINGERPRINT: sim.fingerprint, MOXXIE_STATE_DIR: dir }, configPath: path });
    try {
      expect(ctx.info).toMatchObject({ name: 'sim', readOnly: true, demo: false });
      expect((await ctx.client.get<unknown[]>('/nodes')).length).toBe(4);
      expect(ctx.stateDir).toBe(join(dir, 'sim'));
    } finally {
      await ctx.close();
    }
  });

  it('starts the built-in demo cluster in-process and keeps its state between runs', async () => {
    const env = { MOXXIE_STATE_DIR: join(dir, 'demo-state'), MOXXIE_DEMO_TASK_MS: '20' };
    const first = await openContext({ demo: true, env });
    const fp = first.info.url && first.sim!.fingerprint;
    await first.client.put('/nodes/pve1/qemu/8200/config', { description: 'remembered' }).catch(async () => {
      const vm = first.sim!.state.vm(8200)!;
      await first.client.put(`/nodes/${vm.node}/qemu/8200/config`, { description: 'remembered' });
    });
    expect(first.info).toMatchObject({ name: 'demo', demo: true });
    await first.close();
    const second = await openContext({ demo: true, env });
    try {
      expect(second.sim!.state.vm(8200)?.config.description).toBe('remembered');
      expect(second.sim!.fingerprint).toBe(fp);
    } finally {
      await second.close();
    }
  });
});
