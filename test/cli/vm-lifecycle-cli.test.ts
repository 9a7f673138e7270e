// moxxie vm create | create-cloud-init | clone through the built CLI's dispatcher against a simulator: --file with the seed's bodies
// (`-` = stdin; vm create --file takes either create body, an imageSource tells them apart), flags, --dry-run,
// --json, a refused field naming its flag, and the password never in the output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { Operation } from '../../src/ops/types.js';
import { cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 30 });
  env = cliEnvironment(sim, tempDir('vm-cli'));
});
afterAll(async () => {
  await sim?.close();
});

// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);
const SLOW = { timeout: 120_000 };

describe('moxxie vm', SLOW, () => {
  it('vm create --file - with the seed\'s cloud-init body (imageSource) runs the cloud-init create; the password is not printed', async () => {
    const body = {
      vmid: 201, name: 'debian-test', node: 'pve1', cores: 2, memoryMB: 4096,
      imageSource: 'util-iso:images/debian-12-cloud.qcow2', targetStorage: 'local-zfs', diskSizeGB: 20,
      cloudInitUser: 'admin', cloudInitPassword: 'temppass123', ipConfig: 'ip=dhcp',
      network: { model: 'virtio', bridge: 'vmbr0' }, qemuAgent: true, start: false,
    };
    const res = await moxxie(['vm', 'create', '--file', '-', '--json'], JSON.stringify(body));
    expect(res.code, res.err).toBe(0);
    const op = JSON.parse(res.out) as Operation;
    expect(op).toMatchObject({ kind: 'vm.cloud-init', status: 'succeeded' });
    expect(res.out + res.err).not.toContain('temppass123');
    expect(sim.state.vm(201)).toMatchObject({ name: 'debian-test', status: 'stopped' });
    expect(sim.state.vm(201)!.config.ide2).toBe('local-zfs:vm-201-cloudinit,media=cdrom');
  });

  it('vm create with flags; --dry-run changes nothing', async () => {
    const before = sim.state.vms().length;
    const dry = await moxxie(['vm', 'create', '--name', 'simple-vm', '--node', 'pve2', '--disk-gb', '50', '--memory-mb', '2048', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('simple-vm');
    expect(sim.state.vms().length).toBe(before);
    const res = await moxxie(['vm', 'create', '--name', 'simple-vm', '--node', 'pve2', '--disk-gb', '50', '--json']);
    expect(res.code, res.err).toBe(0);
    const id = (JSON.parse(res.out) as Operation).targets[0].vmid;
    expect(sim.state.vm(id)!.config.scsi0).toBe(`local-zfs:vm-${id}-disk-0,size=50G`);
  });

  it('vm clone SOURCE_ID --file with the seed\'s clone body', async () => {
    const res = await moxxie(['vm', 'clone', '9000', '--file', '-', '--json'], JSON.stringify({ newVmId: 202, name: 'test-vm', targetNode: 'pve1', fullClone: false, targetStorage: 'local-zfs' }));
    expect(res.code, res.err).toBe(0);
    expect(sim.state.vm(202)!.config.scsi0).toBe('local-zfs:base-9000-disk-0/vm-202-disk-0,iothread=1,size=3G');
  });

  it('a refused field names the field and its flag (exit 2), nothing made', async () => {
    const before = sim.state.vms().length;
    const res = await moxxie(['vm', 'clone', '9000', '--name', 'far', '--target-node', 'pve3']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/targetNode \(--target-node\): VM 9000 uses local storage/);
    expect(sim.state.vms().length).toBe(before);
  });
});
