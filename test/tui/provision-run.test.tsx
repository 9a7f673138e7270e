// The provisioning view against the simulator: `:provision FILE` then P runs the plan after the destructive
// confirmation (the VM count typed), and the view follows the operation to COMPLETED, its rows matching the
// VMs the simulator really holds; c cancels a run (rollback NONE keeps what was made), r resumes it to the
// end, R rolls it back and the VMs are gone; `:provision OPERATION-ID` opens a provisioning operation.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { followedOperation } from '../../tui/provision-plan.js';
import { provisioningProgress } from '../../src/ops/provisioning/progress.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { KEY, startTui, type Harness } from './harness.js';

const KEY_TEXT = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';
const dir = tempDir('tui-provision');

/** The seed's Talos YAML with a real key in place of its placeholder (which PVE, and so the plan, refuses). */
function talosFile(): string {
  const text = readFileSync(join(import.meta.dirname, '../ops/provisioning/seed-talos-prod-01.yaml'), 'utf8').replace(/ssh-ed25519 AAAAC3\.\.\. [a-z@.]+/g, KEY_TEXT);
  const path = join(dir, 'talos.yaml');
  writeFileSync(path, text);
  return path;
}

/** Four VMs one after another, kept on a failure or a cancel (rollback NONE): a run to cancel and resume. */
function serialFile(): string {
  const spec = {
    name: 'lab',
    nodeGroups: [
      {
        name: 'node',
        count: 4,
        template: { cores: 1, memoryMB: 1024, disks: [{ storage: 'local-zfs', sizeGB: 4 }], networks: [{ bridge: 'vmbr0' }], imageSource: 'local-zfs:base-9001-disk-0', cloudInit: { user: 'debian', ipConfigPatterns: ['ip=dhcp'] } },
        placement: { antiAffinity: 'SOFT' },
      },
    ],
    options: { startAfterCreation: false, parallelProvisioning: false, rollbackStrategy: 'NONE' },
  };
  const path = join(dir, 'lab.json');
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const vmsNamed = (prefix: string) => h!.sim.state.vms().filter((v) => String(v.name ?? '').startsWith(prefix));

async function provision(file: string, count: number): Promise<void> {
  await h!.type(`:provision ${file}`);
  await h!.press(KEY.enter);
  await h!.waitFor(/P provisions this plan/, 'the plan with P');
  await h!.press('P');
  await h!.waitFor(/type \d+|destructive/i, 'the confirmation');
  await h!.type(String(count));
  await h!.press(KEY.enter);
}

describe('the provisioning view', () => {
  it('runs the plan after the confirmation and follows it to COMPLETED: rows are the VMs the simulator holds', async () => {
    h = await startTui({ vms: 40 });
    await provision(talosFile(), 6);
    const frame = await h.waitFor(/\) · COMPLETED · /, 'the completed provisioning');
    expect(frame).toMatch(/Provisioning talos-prod-01 \(op-[^)]+\)/);
    expect(frame).toMatch(/6\/6 ready/);
    expect(frame).toMatch(/100%/);
    expect(frame).toMatch(/HOST\s+control-plane\s+worker\s+VMS/);
    const op = followedOperation(h.store.getState())!;
    expect(op.kind).toBe('cluster.provision');
    const progress = provisioningProgress(op);
    const made = vmsNamed('talos-prod-01-');
    expect(made).toHaveLength(6);
    for (const n of progress.nodeStates) {
      const vm = h.sim.state.vm(n.vmId)!;
      expect([vm.name, vm.node, n.status]).toEqual([n.name, n.host, 'READY']);
      expect(frame).toMatch(new RegExp(`${n.name}\\s+${n.nodeGroup}\\s+${n.vmId}\\s+${n.host}\\s+READY`));
    }
    // The HARD control plane really sits on three hosts.
    expect(new Set(made.filter((v) => String(v.name).includes('control-plane')).map((v) => v.node)).size).toBe(3);
  });

  it('c cancels a run (NONE keeps what was made), r resumes it to the end, R rolls it back: the VMs are gone', async () => {
    h = await startTui({ vms: 40, taskDurationMs: 150 });
    await provision(serialFile(), 4);
    // Cancel once the first VM is ready: the others never start.
    await h.waitFor(/1\/4 ready/, 'the first VM ready');
    await h.press('c');
    await h.waitFor(/\) · CANCELLED · /, 'the cancelled provisioning');
    const cancelled = provisioningProgress(followedOperation(h.store.getState())!);
    expect(cancelled.successfulNodes).toBeGreaterThanOrEqual(1);
    expect(cancelled.successfulNodes).toBeLessThan(4);
    expect(vmsNamed('lab-node-').length).toBeLessThan(4);
    expect(h.frame()).toMatch(/r resumes · R rolls back/);

    h.sim.faults.set({ taskDurationMs: 30 });
    await h.press('r');
    await h.waitFor(/Plan: resume/, 'the resume plan');
    // A provisioning is destructive: its resume asks for the count of VMs it would still change.
    const resumeCount = h.store.getState().confirm!.count;
    expect(resumeCount).toBe(4 - cancelled.successfulNodes);
    await h.type(String(resumeCount));
    await h.press(KEY.enter);
    await h.waitFor(/\) · COMPLETED · /, 'the resumed provisioning completed');
    const names = vmsNamed('lab-node-').map((v) => v.name).sort();
    expect(names).toEqual(['lab-node-01', 'lab-node-02', 'lab-node-03', 'lab-node-04']);
    const ids = vmsNamed('lab-node-').map((v) => v.vmid);

    await h.press('R');
    await h.waitFor(/Plan: roll back/, 'the rollback plan');
    expect(h.store.getState().confirm!.count).toBe(4);
    await h.type('4');
    await h.press(KEY.enter);
    await h.waitFor(/\) · ROLLED_BACK · /, 'the rolled back provisioning');
    for (const id of ids) expect(h.sim.state.vm(id)).toBeUndefined();
    expect(provisioningProgress(followedOperation(h.store.getState())!).nodeStates.every((n) => n.status === 'ROLLED_BACK')).toBe(true);
  });

  it(':provision OPERATION-ID opens a provisioning operation; an unknown id or another kind is said on the status line', async () => {
    h = await startTui({ vms: 40 });
    await provision(serialFile(), 4);
    await h.waitFor(/\) · COMPLETED · /, 'the completed provisioning');
    const id = followedOperation(h.store.getState())!.id;
    await h.press(KEY.esc);
    expect(h.store.getState().view).not.toBe('provision');
    await h.type(`:provision ${id}`);
    await h.press(KEY.enter);
    const frame = await h.waitFor(/Provisioning lab/, 'the operation');
    expect(frame).toContain(id);
    expect(frame).toMatch(/lab-node-04\s+node\s+\d+\s+pve\d\s+READY/);
    await h.press(KEY.esc);
    await h.type(':provision op-20990101-000000-abcdef');
    await h.press(KEY.enter);
    expect(h.store.getState().status).toEqual({ text: 'no operation op-20990101-000000-abcdef in this context (:history lists them)', tone: 'error' });
  });
});
