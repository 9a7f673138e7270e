// provision_cluster sends a progress notification per VM phase change (through the SDK client): the
// message names the VM and its phase, progress only grows, and the last one is every VM of the total.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedSpec } from '../ops/provisioning/seed-specs.js';
import { startHarness, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ nodes: 4, vms: 40, seed: 7 });
});
afterAll(() => h.close());

it('provision_cluster reports each VM\'s phase changes as progress messages', async () => {
  const spec = { ...seedSpec('seed-test-cluster.json'), name: 'progress' };
  const plan = (await h.client.callTool({ name: 'provision_cluster', arguments: spec })) as CallResult;
  const token = (plan.structuredContent as Record<string, unknown>).confirmToken;
  const events: Array<{ progress: number; total?: number; message?: string }> = [];
  const r = (await h.client.callTool({ name: 'provision_cluster', arguments: { ...spec, confirm: token } }, undefined, {
    onprogress: (p) => void events.push({ progress: p.progress, total: p.total, message: p.message }),
  })) as CallResult;
  expect((r.structuredContent as Record<string, unknown>).status).toBe('succeeded');
  const made = h.cluster.sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith('progress-'));
  expect(made).toHaveLength(2);
  for (const vm of made) {
    const name = String(vm.config.name);
    for (const phase of ['clone', 'configure', 'start']) {
      expect(events.map((e) => e.message)).toContain(`${name}: ${phase} running`);
      expect(events.map((e) => e.message)).toContain(`${name}: ${phase} succeeded`);
    }
  }
  const progress = events.map((e) => e.progress);
  for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
  expect(events.at(-1)).toMatchObject({ progress: 2, total: 2 });
});
