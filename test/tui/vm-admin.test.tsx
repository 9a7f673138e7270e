// The TUI's VM administration keys (X delete, Z resize, K SSH keys) and the :storage view with its
// download, driven by keys over the real core and a simulator; results checked in the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import { KEY, startTui, type Harness } from './harness.js';

let t: Harness;
beforeAll(async () => {
  t = await startTui();
});
afterAll(() => t.close());

const pickStopped = () => t.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && !v.protection && v.vmid < 8200 && /size=\d+G/.test(String(v.config.scsi0)))!;

describe('VM administration keys', () => {
  it('Z grows a disk of the cursor VM by +N, after the plan is confirmed', async () => {
    const vm = pickStopped();
    const gb = Number(/size=(\d+)G/.exec(String(vm.config.scsi0))![1]);
    await t.type(`:vms id:${vm.vmid}`);
    await t.press(KEY.enter, 'Z');
    expect(t.frame()).toMatch(new RegExp(`resize a disk of VM ${vm.vmid}[\\s\\S]*› disk\\s+scsi0`));
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/› size\s+\+10G/);
    await t.press(KEY.ctrlU);
    await t.type('+4G');
    await t.press(KEY.enter);
    await t.waitFor(new RegExp(`resize scsi0 ${gb}G → ${gb + 4}G`));
    await t.press('y');
    await t.controller.lastRun;
    expect(String(t.sim.state.vm(vm.vmid)!.config.scsi0)).toContain(`size=${gb + 4}G`);
  });

  it('K sets SSH keys (several, separated by ;)', async () => {
    const vm = t.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.vmid >= 8200)!;
    const a = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user1@example.com';
    const b = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example.org';
    await t.type(`:vms id:${vm.vmid}`);
    await t.press(KEY.enter, 'K');
    expect(t.frame()).toMatch(new RegExp(`set SSH keys of VM ${vm.vmid}`));
    await t.type(`${a} ; ${b}`);
    await t.press(KEY.enter);
    await t.waitFor(/set 2 SSH keys/);
    await t.press('y');
    await t.controller.lastRun;
    expect(decodeURIComponent(String(t.sim.state.vm(vm.vmid)!.config.sshkeys)).split('\n').filter(Boolean)).toEqual([a, b]);
  });

  it('X deletes only after the count is typed; a running VM is stopped first when asked', async () => {
    const vm = t.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !v.protection && !v.tags.includes('always-on') && v.vmid < 8200)!;
    await t.type(`:vms id:${vm.vmid}`);
    await t.press(KEY.enter, 'X');
    expect(t.frame()).toMatch(new RegExp(`delete VM ${vm.vmid}[\\s\\S]*› stop running VMs first\\s+no`));
    await t.press(KEY.ctrlU);
    await t.type('yes');
    await t.press(KEY.enter, KEY.enter, KEY.enter);
    await t.waitFor(/Destructive\. Type 1/);
    expect(t.frame()).toMatch(/stop, then delete \(stop first\) \(cannot be undone\)/);
    await t.press(KEY.enter);
    expect(t.sim.state.vm(vm.vmid)).toBeDefined();
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(vm.vmid)).toBeUndefined();
  });
});

describe(':storage', () => {
  it('lists template base disks, ISOs and import images; w downloads with a checksum', async () => {
    await t.type(':storage');
    await t.press(KEY.enter);
    await t.waitFor(/local-zfs:base-9001-disk-0\s+pve1\s+template 9001/);
    await t.press('/');
    await t.type('util-iso');
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/util-iso:iso\/debian-12\.7\.0-amd64-netinst\.iso\s+shared\s+ISO/);
    expect(t.frame()).toMatch(/util-iso:import\/debian-12-generic-amd64\.qcow2\s+shared\s+import image/);
    const url = 'https://dl.example.org/alpine-standard.iso';
    await t.press('w');
    expect(t.frame()).toMatch(/download to a storage[\s\S]*› storage\s+util-iso/);
    await t.press(KEY.enter);
    await t.type(url);
    await t.press(KEY.enter, KEY.enter);
    await t.type(simDownloadChecksum(url, 'sha256'));
    await t.press(KEY.enter);
    await t.waitFor(/Plan: download https:\/\/dl\.example\.org\/alpine-standard\.iso to util-iso/);
    expect(t.frame()).toMatch(/util-iso:iso\/alpine-sta.*download https:\/\/dl\.example\.org/);
    await t.press('y');
    await t.controller.lastRun;
    expect(t.sim.state.storageContent('util-iso').map((v) => v.volid)).toContain('util-iso:iso/alpine-standard.iso');
  });
});
