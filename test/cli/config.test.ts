// `moxxie config list | use | add | test` in-process, against the simulator over HTTPS; output captured.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/config.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let home: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ vms: 30 });
  home = tempDir('cmd');
  for (const k of Object.keys(process.env)) if (/^(PVE_|MOXXIE_)/.test(k)) delete process.env[k];
  process.env.XDG_CONFIG_HOME = join(home, 'config');
  process.env.MOXXIE_STATE_DIR = join(home, 'state');
  process.env.MOXXIE_DEMO_TASK_MS = '20';
});
afterAll(async () => {
  process.env = savedEnv;
  await sim?.close();
});

/** Runs the command with stdout and stderr captured. */
async function moxxie(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

const configPath = () => join(home, 'config', 'moxxie', 'config.json');

describe('moxxie config', () => {
  it('adds a token context (file mode 0600, no secret stored) and lists it as current', async () => {
    const add = await moxxie('add', 'lab', '--url', sim.url, '--token-id', sim.credentials.tokenId, '--fingerprint', sim.fingerprint, '--max-parallel', '4');
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/added context 'lab' .*\(current\)/);
    expect(add.out).toContain('PVE_TOKEN_SECRET');
    expect(statSync(configPath()).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(configPath(), 'utf8'));
    expect(file).toEqual({ current: 'lab', contexts: { lab: { url: sim.url, auth: { tokenId: sim.credentials.tokenId }, tls: { fingerprint: sim.fingerprint }, defaults: { maxParallel: 4 } } } });
    const list = await moxxie('list');
    expect(list.out).toMatch(/^\* +lab +https:\/\/127\.0\.0\.1:\d+ +token root@pam!moxxie \(from env\) +pinned,safe-mode$/m);
    expect(list.out).toMatch(/^ +demo +\(built-in simulated cluster\)/m);
  });

  it('adds a read-only user context with a password command and switches to it', async () => {
    const add = await moxxie('add', 'audit', '--url', sim.url, '--user', 'auditor', '--realm', 'pve', '--password-command', `echo ${sim.credentials.password}`, '--fingerprint', sim.fingerprint, '--read-only');
    expect(add.code).toBe(0);
    expect((await moxxie('use', 'audit')).out).toBe('current context: audit\n');
    expect(JSON.parse(readFileSync(configPath(), 'utf8')).current).toBe('audit');
    expect((await moxxie('list')).out).toMatch(/^\* +audit .*user auditor realm pve \(secretCommand\) +pinned,read-only,safe-mode$/m);
  });

  it('refuses bad input naming the option or field', async () => {
    const none = await moxxie('add', 'x', '--url', sim.url);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/exactly one of --token-id .* or --user/);
    const bad = await moxxie('add', 'x', '--url', 'nope', '--token-id', 'root');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/contexts\.x\.url: must be a URL/);
    expect(bad.err).toMatch(/contexts\.x\.auth\.tokenId: must look like/);
    const num = await moxxie('add', 'x', '--url', sim.url, '--token-id', 'a@pam!bb', '--max-parallel', 'lots');
    expect(num.err).toMatch(/--max-parallel must be a whole number/);
    const nowhere = await moxxie('use', 'nowhere');
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toMatch(/context 'nowhere' is not configured .*known: lab, audit, demo/);
    const unknown = await moxxie('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown subcommand 'frobnicate'/);
    expect((await moxxie('add', 'x', '--bogus')).code).toBe(2);
  });

  it('refuses to overwrite a context without --force, and removes one', async () => {
    const before = readFileSync(configPath(), 'utf8');
    const again = await moxxie('add', 'lab', '--url', sim.url, '--token-id', 'other@pam!x');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/context 'lab' already exists .*add --force to replace it \(or moxxie config remove lab\)/);
    expect(readFileSync(configPath(), 'utf8')).toBe(before);
    expect((await moxxie('add', 'demo', '--url', sim.url, '--token-id', 'a@pam!bb')).err).toMatch(/built-in demo context/);

    const forced = await moxxie('add', 'spare', '--url', sim.url, '--token-id', 'a@pam!bb');
    expect(forced.code).toBe(0);
    const replaced = await moxxie('add', 'spare', '--url', sim.url, '--token-id', 'c@pam!dd', '--force');
    expect(replaced.code).toBe(0);
    expect(replaced.out).toMatch(/replaced context 'spare'/);
    expect(JSON.parse(readFileSync(configPath(), 'utf8')).contexts.spare.auth).toEqual({ tokenId: 'c@pam!dd' });

    const removed = await moxxie('remove', 'spare');
    expect(removed.code).toBe(0);
    expect(removed.out).toMatch(/removed context 'spare'/);
    const file = JSON.parse(readFileSync(configPath(), 'utf8'));
    expect(file.contexts.spare).toBeUndefined();
    expect(file.current).toBe('audit');
    const unknown = await moxxie('remove', 'spare');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/context 'spare' is not configured .*known: lab, audit/);
    expect((await moxxie('remove', 'demo')).code).toBe(2);
  });

  it('tests a token context: version, nodes, online nodes, VMs and write access, never printing the secret', async () => {
    process.env.PVE_TOKEN_SECRET = sim.credentials.tokenSecret;
    try {
      const r = await moxxie('test', 'lab');
      expect(r.code).toBe(0);
      const state = sim.state;
      const vms = state.vms().filter((v) => v.type === 'qemu' && !v.template).length;
      expect(r.out).toContain('version:  PVE 9.1.2');
      expect(r.out).toContain(`nodes:    ${state.nodes().length}, online ${state.nodes().length}: pve1, pve2, pve3, pve4`);
      expect(r.out).toMatch(new RegExp(`vms: +${vms} `));
      expect(r.out).toMatch(/write: +yes: VM\.PowerMgmt.* \(from GET \/access\/permissions\)/);
      expect(r.out).toMatch(/tls: +fingerprint pinned/);
      // PVE 9 (the simulator's default): HA rules, and the guest-agent privilege under its 9 name.
      expect(r.out).toMatch(/ha: +rules \(GET \/cluster\/ha\/rules answers\)/);
      expect(r.out).toMatch(/agent: +yes: VM\.GuestAgent\.Audit on \/vms/);
      expect(r.out).toMatch(/vzdump-notification-policy: no \(removed in PVE 9\.0/);
      expect(r.out + r.err).not.toContain(sim.credentials.tokenSecret);
    } finally {
      delete process.env.PVE_TOKEN_SECRET;
    }
  });

  it('tests a read-only auditor context: offline node shown, no write access', async () => {
    sim.faults.set({ offlineNodes: ['pve2'] });
    try {
      const r = await moxxie('test');
      expect(r.code).toBe(0);
      expect(r.out).toContain('context:  audit (read-only)');
      expect(r.out).toContain('online 3: pve1, pve3, pve4');
      expect(r.out).toMatch(/write: +no: none of VM\.PowerMgmt/);
    } finally {
      sim.faults.set({ offlineNodes: [] });
    }
  });

  it('fails a test with bad credentials with a hint and without the secret', async () => {
    process.env.PVE_TOKEN_SECRET = 'definitely-wrong-secret-77';
    try {
      const r = await moxxie('test', 'lab');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/authentication failed/);
      expect(r.err).toMatch(/hint: /);
      expect(r.out + r.err).not.toContain('definitely-wrong-secret-77');
    } finally {
      delete process.env.PVE_TOKEN_SECRET;
    }
  });

  it('takes --demo anywhere to mean the built-in demo context', async () => {
    for (const argv of [['--demo', 'test'], ['test', '--demo']]) {
      const r = await moxxie(...argv);
      expect(r.code).toBe(0);
      expect(r.out).toContain('context:  demo (built-in simulated cluster)');
      expect(r.out).toMatch(/nodes: +4, online 4/);
      expect(r.out).toMatch(/write: +yes/);
    }
  });
});
