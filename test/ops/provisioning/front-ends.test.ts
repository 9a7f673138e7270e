// Cluster planning through the front ends: the MCP tool plan_cluster and `moxxie cluster plan` (the built
// CLI against a test simulator), each with the seed's Talos spec; bad specs are refused naming the field;
// nothing is created; passwords never appear.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementSettingsOf } from '../../../src/config/placement-settings.js';
import { cliEnvironment, startCli } from '../../fixtures/cli-process.js';
import { tempDir } from '../../fixtures/temp-dirs.js';
import { startHarness, textOf, type Harness } from '../../mcp/in-memory-server.js';

const here = (f: string) => join(import.meta.dirname, f);
const talos = JSON.parse(readFileSync(here('seed-talos-prod-01.json'), 'utf8')) as Record<string, any>;
const testCluster = JSON.parse(readFileSync(here('seed-test-cluster.json'), 'utf8')) as Record<string, any>;

let h: Harness;
let freeIds: number[];
beforeAll(async () => {
  h = await startHarness({ nodes: 4, vms: 40, seed: 7 });
  const used = new Set(h.cluster.sim.state.vms().map((v) => v.vmid));
  freeIds = [];
  for (let id = 100; freeIds.length < 6; id++) if (!used.has(id)) freeIds.push(id);
});
afterAll(() => h.close());

type PlanAnswer = { ok: boolean; vms: Array<{ name: string; vmid: number; host: string; ipconfig: string[] }>; placement: { groups: string[]; rows: Array<{ host: string; counts: number[] }> }; problems: Array<{ where: string; message: string }> };

describe('MCP plan_cluster', () => {
  it('plans the seed\'s Talos spec verbatim: ids, hosts, IPs and the placement table; creates nothing', async () => {
    const vmsBefore = h.cluster.sim.state.vms().length;
    const r = await h.call('plan_cluster', { spec: talos });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as PlanAnswer;
    expect(s.ok).toBe(true);
    expect(s.vms.map((v) => v.vmid)).toEqual(freeIds);
    expect(s.vms[0]).toMatchObject({ name: 'talos-prod-01-control-plane-01', ipconfig: ['ip=10.0.100.10/24,gw=10.0.100.1'] });
    expect(new Set(s.vms.slice(0, 3).map((v) => v.host)).size).toBe(3);
    expect(s.placement.groups).toEqual(['control-plane', 'worker']);
    expect(s.placement.rows.map((row) => row.host)).toEqual(['pve1', 'pve2', 'pve3', 'pve4']);
    expect(textOf(r)).toContain('Placement (hosts x groups):');
    expect(textOf(r)).toContain('talos-prod-01-worker-03');
    expect(h.cluster.sim.state.vms().length).toBe(vmsBefore);
  });

  it('returns the problems of an infeasible HARD group, and refuses an unknown field naming it', async () => {
    const five = structuredClone(talos);
    five.nodeGroups[0].count = 5;
    const s = (await h.call('plan_cluster', { spec: five })).structuredContent as PlanAnswer;
    expect(s.ok).toBe(false);
    expect(s.problems[0].message).toContain("HARD anti-affinity for group 'control-plane' needs 5 hosts (one per VM); 4 can hold one");
    const typo = structuredClone(talos);
    typo.options.rollbackStrategie = 'FULL';
    const bad = await h.call('plan_cluster', { spec: typo });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain("rollbackStrategie");
    expect(textOf(bad)).toContain("did you mean 'rollbackStrategy'");
  });

  it('never shows the cloud-init password', async () => {
    const r = await h.call('plan_cluster', { spec: testCluster });
    expect(r.isError).toBeFalsy();
    expect(JSON.stringify(r)).not.toContain('changeme');
  });
});

describe('moxxie cluster plan', () => {
  it('prints the placement table and the VM rows from a YAML file; --json gives the same plan as MCP', async () => {
    const dir = tempDir('cluster-plan');
    const env = cliEnvironment(h.cluster.sim, dir);
    const text = await startCli(['cluster', 'plan', '--file', here('seed-talos-prod-01.yaml')], env).done;
    expect(text.err).toBe('');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^HOST\s+control-plane\s+worker\s+VMS\s+MEM FREE AFTER\s+VCPUS$/m);
    for (const [i, id] of freeIds.entries()) expect(text.out).toMatch(new RegExp(`^${id}\\s+talos-prod-01-${i < 3 ? 'control-plane' : 'worker'}-0${(i % 3) + 1}\\s`, 'm'));
    expect(text.out).toContain('ip=10.0.100.22/24,gw=10.0.100.1');
    const json = await startCli(['cluster', 'plan', '--file', here('seed-talos-prod-01.json'), '--json'], env).done;
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.out) as PlanAnswer;
    const mcp = (await h.call('plan_cluster', { spec: talos })).structuredContent as PlanAnswer;
    expect(plan.vms.map((v) => [v.name, v.vmid, v.host, v.ipconfig])).toEqual(mcp.vms.map((v) => [v.name, v.vmid, v.host, v.ipconfig]));
  });

  it('exits 1 with the reasons when the plan cannot run, 2 for a bad spec naming the field; reads stdin', async () => {
    const dir = tempDir('cluster-plan-bad');
    const env = cliEnvironment(h.cluster.sim, dir);
    const five = structuredClone(talos);
    five.nodeGroups[0].count = 5;
    const infeasible = await startCli(['cluster', 'plan', '--file', '-'], env, JSON.stringify(five)).done;
    expect(infeasible.code).toBe(1);
    expect(infeasible.out).toContain('The plan cannot run (1 problem); nothing would be created:');
    expect(infeasible.out).toContain("nodeGroups[0].placement.antiAffinity: HARD anti-affinity for group 'control-plane' needs 5 hosts (one per VM)");
    const badFile = join(dir, 'bad.yaml');
    writeFileSync(badFile, 'name: x\nnodeGroups:\n  - name: a\n    count: 0\n    template: {cores: 1, memoryMB: 512, disks: [{storage: local-zfs, sizeGB: 4}], imageSource: "local-zfs:base-9001-disk-0"}\n');
    const bad = await startCli(['cluster', 'plan', '--file', badFile], env).done;
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('moxxie cluster plan: nodeGroups[0].count: must be a number of VMs from 1 to 100 (got 0)\n');
    const help = await startCli(['cluster', '--help'], env).done;
    expect(help.out + help.err).toContain('moxxie cluster plan --file SPEC [--json]');
  });
});

describe('placement settings from the context config', () => {
  it('reads zones and cpuOvercommit from the context\'s provisioning section, and its VM id range', () => {
    const dir = tempDir('cluster-config');
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ contexts: { lab: { url: 'https://pve1:8006', auth: { tokenId: 'root@pam!moxxie', tokenSecret: 'x' }, defaults: { vmidRange: { min: 5000, max: 5999 } }, provisioning: { zones: { pve1: 'rack-a', pve2: 'rack-b' }, cpuOvercommit: 2 } } } }), { mode: 0o600 });
    expect(placementSettingsOf('lab', { configPath })).toEqual({ zones: { pve1: 'rack-a', pve2: 'rack-b' }, cpuOvercommit: 2, vmidRange: { min: 5000, max: 5999 } });
    expect(placementSettingsOf('other', { configPath })).toEqual({});
  });
});
