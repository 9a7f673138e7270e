// moxxie ct create through the built CLI's dispatcher against a simulator: flags (with --memory for memoryMB), --file - with a
// body holding NICs and a password (never printed), --dry-run, and a refused field naming its flag (exit 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { Operation } from '../../src/ops/types.js';
import { cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

let sim: Simulator;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ vms: 20, taskDurationMs: 30 });
  env = cliEnvironment(sim, tempDir('ct-cli'));
});
afterAll(async () => {
  await sim?.close();
});

// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);

describe('moxxie ct create', { timeout: 120_000 }, () => {
  it('flags; --dry-run changes nothing; then the CT', async () => {
    const before = sim.state.vms().length;
    const args = ['ct', 'create', '--node', 'pve2', '--hostname', 'cli-ct', '--ostemplate', TEMPLATE, '--memory', '1024', '--cores', '2'];
    const dry = await moxxie([...args, '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('cli-ct');
    expect(sim.state.vms()).toHaveLength(before);
    const res = await moxxie([...args, '--json']);
    expect(res.code, res.err).toBe(0);
    const op = JSON.parse(res.out) as Operation;
    expect(op).toMatchObject({ kind: 'ct.create', status: 'succeeded' });
    expect(sim.state.vm(op.targets[0].vmid)).toMatchObject({ type: 'lxc', name: 'cli-ct', config: expect.objectContaining({ memory: '1024', cores: '2' }) });
  });

  it('--file - with NICs and a password: made and started, the password never printed', async () => {
    const body = { node: 'pve1', hostname: 'file-ct', ostemplate: TEMPLATE, networks: [{ bridge: 'vmbr0', ip: 'dhcp', tag: 30 }], password: 'cli-secret-1', start: true };
    const res = await moxxie(['ct', 'create', '--file', '-', '--json'], JSON.stringify(body));
    expect(res.code, res.err).toBe(0);
    expect(res.out + res.err).not.toContain('cli-secret-1');
    const id = (JSON.parse(res.out) as Operation).targets[0].vmid;
    expect(sim.state.vm(id)).toMatchObject({ status: 'running' });
    expect(String(sim.state.vm(id)!.config.net0)).toMatch(/^name=eth0,bridge=vmbr0,ip=dhcp,tag=30,hwaddr=/);
  });

  it('a template that is not there: exit 2 naming the field and its flag, nothing made', async () => {
    const before = sim.state.vms().length;
    const res = await moxxie(['ct', 'create', '--node', 'pve2', '--hostname', 'x', '--ostemplate', 'util-iso:vztmpl/nope.tar.zst']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/ostemplate \(--ostemplate\): no template 'util-iso:vztmpl\/nope\.tar\.zst' on node pve2; templates there: util-iso:vztmpl\/debian-12/);
    expect(sim.state.vms()).toHaveLength(before);
  });
});
