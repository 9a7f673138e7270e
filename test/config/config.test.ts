// Contexts and credentials: file validation, environment overrides, secret sources, the 0600 rule, opening
// contexts (configured and the built-in demo) against the simulator over HTTPS.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, resolveContext, saveConfig } from '../../src/config/contexts.js';
import { openContext } from '../../src/config/open-context.js';
import { configFile, contextStateDir, stateRoot } from '../../src/config/paths.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let dir: string;
let sim: Simulator;
beforeAll(async () => {
  dir = tempDir('config');
  sim = await startSimulator({ vms: 20 });
});
afterAll(() => sim?.close());

function writeConfig(name: string, body: unknown, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  chmodSync(path, mode);
  return path;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

const FP = 'AB:'.repeat(31) + 'AB';

describe('paths', () => {
  it('follows XDG and the MOXXIE overrides', () => {
    expect(configFile({ XDG_CONFIG_HOME: '/x' })).toBe('/x/moxxie/config.json');
    expect(configFile({ HOME: '/h' })).toBe('/h/.config/moxxie/config.json');
    expect(stateRoot({ XDG_STATE_HOME: '/s' })).toBe('/s/moxxie');
    expect(stateRoot({ HOME: '/h' })).toBe('/h/.local/state/moxxie');
    expect(stateRoot({ MOXXIE_STATE_DIR: '/m', XDG_STATE_HOME: '/s' })).toBe('/m');
    expect(contextStateDir('prod', { MOXXIE_STATE_DIR: '/m' })).toBe('/m/prod');
  });
});

describe('validation', () => {
  it('names every bad field and says what is valid', () => {
    const path = writeConfig('bad.json', {
      contexts: {
        prod: { url: 'not a url', auth: { tokenId: 'root@pam' }, tls: { fingerprint: 'AB:CD' }, safeMode: 'yes', defaults: { maxParallel: 50 } },
        'has space': { url: 'https://pve1:8006', auth: { username: 'root@pam' } },
        lab: { url: 'https://pve1:8006', auth: { username: 'root@pam', pasword: 'typo' } },
      },
    });
    const msg = errorOf(() => loadConfig(path)).message;
    expect(msg).toContain('bad.json is invalid');
    expect(msg).toMatch(/contexts\.prod\.url: must be a URL like https:\/\/pve1:8006/);
    expect(msg).toMatch(/contexts\.prod\.auth\.tokenId: must look like 'user@realm!tokenid'/);
    expect(msg).toMatch(/contexts\.prod\.tls\.fingerprint: must be a SHA-256 fingerprint/);
    expect(msg).toMatch(/contexts\.prod\.safeMode: must be true or false/);
    expect(msg).toMatch(/contexts\.prod\.defaults\.maxParallel: must be at most 20/);
    expect(msg).toMatch(/contexts\.has space: context names use letters, digits/);
    expect(msg).toMatch(/contexts\.lab\.auth: Unrecognized key: "pasword"/);
    expect(msg).not.toContain('typo');
  });

  it('reserves the name demo and refuses credentials inside the URL', () => {
    const path = writeConfig('reserved.json', { contexts: { demo: { url: 'https://root:hunter2@pve1:8006', auth: { username: 'root@pam' } } } });
    const msg = errorOf(() => loadConfig(path)).message;
    expect(msg).toMatch(/contexts\.demo: 'demo' is the built-in simulated cluster/);
    expect(msg).toMatch(/contexts\.demo\.url: .*no credentials in it/);
    expect(msg).not.toContain('hunter2');
  });

  it('reports broken JSON with the file name', () => {
    const path = join(dir, 'broken.json');
    // A forgotten pair of quotes: V8's own message would quote this text, secret included.
    writeFileSync(path, '{\n  "contexts": { "x": { "auth": { "tokenSecret": s3cr3t-in-file } } }\n}');
    const err = errorOf(() => loadConfig(path));
    expect(err.message).toMatch(/broken\.json: not valid JSON.*fix the syntax/);
    expect(err.message).not.toContain('s3cr3t-in-file');
  });

  it('explains what to do when no context exists', () => {
    expect(() => resolveContext({ env: {}, configPath: join(dir, 'missing.json') })).toThrow(/moxxie config add/);
  });

  it('lists the known contexts when the asked one is missing', () => {
    const path = writeConfig('known.json', { contexts: { lab: { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci' } } } });
    expect(() => resolveContext({ name: 'prod', env: {}, configPath: path })).toThrow(/context 'prod' is not in .*known: lab/);
  });
});

describe('secrets', () => {
  const entry = { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci', tokenSecret: 'file-secret-123' } };

  it('reads a secret from the file only when it is mode 0600, else says chmod 600 <path>', () => {
    const open = writeConfig('open.json', { current: 'lab', contexts: { lab: entry } }, 0o644);
    const err = errorOf(() => resolveContext({ env: {}, configPath: open }));
    expect(err.message).toContain(`chmod 600 ${open}`);
    expect(err.message).toContain('contexts.lab.auth.tokenSecret');
    expect(err.message).not.toContain('file-secret-123');
    const priv = writeConfig('private.json', { current: 'lab', contexts: { lab: entry } }, 0o600);
    const ctx = resolveContext({ env: {}, configPath: priv });
    expect(ctx.auth).toEqual({ tokenId: 'root@pam!ci', tokenSecret: 'file-secret-123' });
    expect(ctx.secretSource).toBe('config file');
    expect(ctx.safeMode).toBe(true);
    expect(ctx.defaults).toEqual({ maxParallel: 5 });
  });

  it('does not care about the file mode when the secret comes from the environment', () => {
    const open = writeConfig('open-env.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci' } } } }, 0o644);
    const ctx = resolveContext({ env: { PVE_TOKEN_SECRET: 'from-env' }, configPath: open });
    expect(ctx.auth).toEqual({ tokenId: 'root@pam!ci', tokenSecret: 'from-env' });
    expect(ctx.secretSource).toBe('environment');
  });

  it('runs a secretCommand, trims its output, and never echoes it on failure', () => {
    const path = writeConfig('cmd.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!ci', secretCommand: "printf '  from-command \\n\\n'" } } } }, 0o644);
    const ctx = resolveContext({ env: {}, configPath: path });
    expect(ctx.auth).toEqual({ tokenId: 'root@pam!ci', tokenSecret: 'from-command' });
    expect(ctx.secretSource).toBe('secretCommand');
    const failing = writeConfig('cmdfail.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { username: 'root@pam', secretCommand: 'echo leaked-value; echo leaked-err >&2; exit 3' } } } });
    const err = errorOf(() => resolveContext({ env: {}, configPath: failing }));
    expect(err.message).toMatch(/contexts\.lab\.auth\.secretCommand: secretCommand failed with exit code 3/);
    expect(err.message).not.toContain('leaked');
    const empty = writeConfig('cmdempty.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { username: 'root@pam', secretCommand: 'true' } } } });
    expect(() => resolveContext({ env: {}, configPath: empty })).toThrow(/secretCommand printed nothing/);
  });

  it('lets the environment override url, credentials and TLS', () => {
    const path = writeConfig('env.json', { current: 'lab', contexts: { lab: { url: 'https://pve1:8006', auth: { username: 'root@pam' }, tls: { caFile: '/etc/ca.pem' } } } }, 0o644);
    const ctx = resolveContext({
      env: { PVE_URL: 'https://other:8006', PVE_TOKEN_ID: 'ops@pve!tok', PVE_TOKEN_SECRET: 's', PVE_FINGERPRINT: FP, PVE_CA_FILE: '/ca.pem', PVE_INSECURE: '0' },
      configPath: path,
    });
    expect(ctx).toMatchObject({ name: 'lab', url: 'https://other:8006', auth: { tokenId: 'ops@pve!tok', tokenSecret: 's' }, tls: { fingerprint: FP, caFile: '/ca.pem', insecure: false } });
    const envOnly = resolveContext({ env: { PVE_URL: 'https://x:8006', PVE_USER: 'root', PVE_PASSWORD: 'p', PVE_REALM: 'pam', PVE_INSECURE: 'true' }, configPath: join(dir, 'none.json') });
    expect(envOnly).toMatchObject({ name: 'env', url: 'https://x:8006', auth: { username: 'root', password: 'p', realm: 'pam' }, tls: { insecure: true } });
    const picked = resolveContext({ env: { MOXXIE_CONTEXT: 'lab', PVE_PASSWORD: 'pw', MOXXIE_READ_ONLY: '1' }, configPath: path });
    expect(picked).toMatchObject({ auth: { username: 'root@pam', password: 'pw' }, readOnly: true });
  });

  it('refuses malformed environment overrides naming the variable', () => {
    const path = join(dir, 'none.json');
    const base = { PVE_URL: 'https://x:8006', PVE_TOKEN_ID: 'root@pam!ci', PVE_TOKEN_SECRET: 'secret-value-1' };
    expect(() => resolveContext({ env: { ...base, PVE_URL: 'pve1' }, configPath: path })).toThrow(/PVE_URL must be a URL like https:\/\/pve1:8006/);
    expect(() => resolveContext({ env: { ...base, PVE_TOKEN_ID: 'root' }, configPath: path })).toThrow(/PVE_TOKEN_ID must look like 'user@realm!tokenid'/);
    expect(() => resolveContext({ env: { ...base, PVE_FINGERPRINT: 'AA' }, configPath: path })).toThrow(/PVE_FINGERPRINT must be a SHA-256 fingerprint/);
    expect(() => resolveContext({ env: { ...base, PVE_INSECURE: 'maybe' }, configPath: path })).toThrow(/PVE_INSECURE must be 1 or 0/);
    expect(() => resolveContext({ env: { PVE_URL: 'https://x:8006' }, configPath: path })).toThrow(/no credentials are: set PVE_TOKEN_ID and PVE_TOKEN_SECRET/);
    expect(() => resolveContext({ env: { PVE_URL: 'https://x:8006', PVE_TOKEN_SECRET: 'x' }, configPath: path })).toThrow(/PVE_TOKEN_ID is not/);
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
    const path = writeConfig('sim.json', { current: 'sim', contexts: { sim: { url: sim.url, auth: { tokenId: sim.credentials.tokenId }, readOnly: true, defaults: { maxParallel: 3, maxPerNode: 1 } } } });
    const ctx = await openContext({ env: { PVE_TOKEN_SECRET: sim.credentials.tokenSecret, PVE_FINGERPRINT: sim.fingerprint, MOXXIE_STATE_DIR: dir }, configPath: path });
    try {
      expect(ctx.info).toMatchObject({ name: 'sim', readOnly: true, demo: false, safeMode: true });
      expect(ctx.defaults).toEqual({ maxParallel: 3, maxPerNode: 1 });
      expect(ctx.tls).toEqual({ fingerprint: sim.fingerprint });
      expect((await ctx.client.get<unknown[]>('/nodes')).length).toBe(sim.state.nodes().length);
      expect(ctx.stateDir).toBe(join(dir, 'sim'));
    } finally {
      await ctx.close();
    }
  });

  it('connects with user and password through a secretCommand', async () => {
    const path = writeConfig('sim-pw.json', {
      current: 'sim',
      contexts: { sim: { url: sim.url, auth: { username: 'root', realm: 'pam', secretCommand: `echo ${sim.credentials.password}` }, tls: { fingerprint: sim.fingerprint } } },
    }, 0o644);
    const ctx = await openContext({ env: { MOXXIE_STATE_DIR: dir }, configPath: path });
    try {
      const vm = sim.state.vm(8200)!;
      await ctx.client.put(`/nodes/${vm.node}/qemu/8200/config`, { description: 'via secretCommand' });
      expect(sim.state.vm(8200)?.config.description).toBe('via secretCommand');
    } finally {
      await ctx.close();
    }
  });

  it('starts the built-in demo cluster in-process over pinned HTTPS and keeps its state between runs', async () => {
    const env = { MOXXIE_STATE_DIR: join(dir, 'demo-state'), MOXXIE_DEMO_TASK_MS: '20' };
    const first = await openContext({ demo: true, env });
    const fp = first.sim!.fingerprint;
    expect(first.info).toMatchObject({ name: 'demo', demo: true, safeMode: true, readOnly: false });
    expect(first.info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(first.tls).toEqual({ fingerprint: fp });
    expect(first.stateDir).toBe(join(dir, 'demo-state', 'demo'));
    const vms = first.sim!.state.vms().filter((v) => v.type === 'qemu');
    expect(vms.length).toBeGreaterThanOrEqual(30);
    expect(first.sim!.state.nodes()).toHaveLength(4);
    const vm = first.sim!.state.vm(8200)!;
    await first.client.put(`/nodes/${vm.node}/qemu/8200/config`, { description: 'remembered' });
    await first.close();
    const second = await openContext({ name: 'demo', env });
    try {
      expect(second.sim!.state.vm(8200)?.config.description).toBe('remembered');
      expect(second.sim!.fingerprint).toBe(fp);
    } finally {
      await second.close();
    }
  });

  it('opens the demo when it is the current context or MOXXIE_CONTEXT', async () => {
    const path = writeConfig('current-demo.json', { current: 'demo', contexts: {} });
    const env = { MOXXIE_STATE_DIR: join(dir, 'demo-current'), MOXXIE_DEMO_TASK_MS: '20' };
    for (const opts of [{ configPath: path, env }, { configPath: join(dir, 'none.json'), env: { ...env, MOXXIE_CONTEXT: 'demo', MOXXIE_READ_ONLY: 'yes' } }]) {
      const ctx = await openContext(opts);
      try {
        expect(ctx.info.demo).toBe(true);
        expect(ctx.sim).toBeDefined();
      } finally {
        await ctx.close();
      }
    }
  });
});
