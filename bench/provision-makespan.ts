// Provisioning makespan against its ideal, on the simulator (4 nodes, the demo's templates on pve1's
// local-zfs, simulated tasks of TASK_MS, migrations at MS_PER_GIB): the seed's Talos 3+3 cluster, and 30 VMs
// of two templates. The ideal is the critical path the run's constraints allow given the phase durations the
// run itself recorded: one clone per template at a time (the template lock the run respects; the runner
// holds it for the VM's clone phase), each VM's later phases (migrate, configure, resize, start, verify) after its
// clone, at most maxParallelOperations VMs at once, and the waves (a group that depends on another starts
// after it). The lower bound is the largest of: per template, the clones back to back with the VM whose
// remaining chain is longest cloned first (Jackson's rule, optimal for one lock); the total work over the
// parallel cap; and the longest single chain. Phases are measured from the journal (startedAt/finishedAt).
import { createCore } from '../src/ops/core.js';
import type { Operation, OperationTarget } from '../src/ops/types.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';

const TASK_MS = 100;
const MS_PER_GIB = 20;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';

/** The seed's Talos 3+3 body (API_EXAMPLES.md), its placeholder key replaced by a real one. */
function talosSpec(): Record<string, unknown> {
  const group = (name: string, role: string, cores: number, memoryMB: number, sizeGB: number, ipBase: number, antiAffinity: string, tag: string) => ({
    name,
    role,
    count: 3,
    template: {
      cores,
      memoryMB,
      disks: [{ diskInterface: 'SCSI', slot: 0, storage: 'local-zfs', sizeGB, ssd: true, iothread: true }],
      networks: [{ model: 'virtio', bridge: 'vmbr0', vlanTag: 100 }],
      imageSource: 'local-zfs:base-9002-disk-0',
      cloudInit: { user: 'talos', sshKeys: KEY, ipConfigPatterns: [`ip=10.0.100.{${ipBase}+index}/24,gw=10.0.100.1`] },
    },
    placement: { antiAffinity },
    tags: ['talos', tag, 'k8s'],
  });
  return {
    name: 'talos-prod-01',
    type: 'TALOS',
    nodeGroups: [group('control-plane', 'CONTROL_PLANE', 4, 8192, 50, 10, 'HARD', 'control-plane'), group('worker', 'WORKER', 8, 16384, 100, 20, 'SOFT', 'worker')],
    networkTopology: { primaryBridge: 'vmbr0', clusterVlan: 100 },
    globalCloudInit: { nameservers: '1.1.1.1,8.8.8.8', searchDomain: 'cluster.local' },
    options: { startAfterCreation: false, parallelProvisioning: true, maxParallelOperations: 3, rollbackStrategy: 'FULL' },
  };
}

/** 30 VMs: 15 from each demo template, spread (SOFT), started, 10 at a time. */
function thirtySpec(): Record<string, unknown> {
  const group = (name: string, template: number) => ({
    name,
    count: 15,
    template: { cores: 2, memoryMB: 2048, disks: [{ storage: 'local-zfs', sizeGB: 10 }], networks: [{ bridge: 'vmbr0' }], imageSource: `local-zfs:base-${template}-disk-0`, cloudInit: { user: 'debian', sshKeys: KEY, ipConfigPatterns: ['ip=dhcp'] } },
    placement: { antiAffinity: 'SOFT' },
  });
  return { name: 'fleet', nodeGroups: [group('web', 9001), group('app', 9002)], options: { startAfterCreation: true, parallelProvisioning: true, maxParallelOperations: 10, rollbackStrategy: 'FULL' } };
}

const ms = (p: { startedAt?: number; finishedAt?: number }) => (p.finishedAt ?? 0) - (p.startedAt ?? 0);
const templateOf = (t: OperationTarget): string => String((t.spec?.source as { templateVmid?: number } | undefined)?.templateVmid ?? (t.spec?.source as { volid?: string } | undefined)?.volid ?? '');
const waveOf = (t: OperationTarget): number => (typeof t.spec?.wave === 'number' ? t.spec.wave : 0);

export interface MakespanFigures {
  makespan: number;
  ideal: number;
  /** The bound that set the ideal, and the figures behind it (stderr). */
  detail: string;
}

/** The ideal of one finished provisioning operation, as the file comment says. */
export function provisioningIdeal(op: Operation, maxParallel: number): MakespanFigures {
  const targets = op.targets.filter((t) => t.kind === 'new-guest');
  // The runner holds a VM's template for its clone phase (templateUntil): that phase, as recorded, is the lock's hold.
  const clone = (t: OperationTarget) => ms(t.phases[0]);
  const rest = (t: OperationTarget) => t.phases.slice(1).reduce((s, p) => s + ms(p), 0);
  let ideal = 0;
  const parts: string[] = [];
  for (const wave of [...new Set(targets.map(waveOf))].sort((a, b) => a - b)) {
    const inWave = targets.filter((t) => waveOf(t) === wave);
    let lock = 0;
    for (const tpl of new Set(inWave.map(templateOf))) {
      // Jackson's rule: the longest remaining chain cloned first minimises the last end on one lock.
      const vms = inWave.filter((t) => templateOf(t) === tpl).sort((a, b) => rest(b) - rest(a));
      let at = 0;
      for (const t of vms) {
        at += clone(t);
        lock = Math.max(lock, at + rest(t));
      }
    }
    const work = inWave.reduce((s, t) => s + clone(t) + rest(t), 0) / Math.min(maxParallel, inWave.length);
    const longest = Math.max(...inWave.map((t) => clone(t) + rest(t)));
    const bound = Math.max(lock, work, longest);
    ideal += bound;
    parts.push(`wave ${wave}: ${inWave.length} VMs, template lock ${Math.round(lock)} ms, work/cap ${Math.round(work)} ms, longest chain ${Math.round(longest)} ms`);
  }
  return { makespan: op.finishedAt! - op.startedAt, ideal, detail: `clone phases ${Math.min(...targets.map(clone))}-${Math.max(...targets.map(clone))} ms; ${parts.join('; ')}` };
}

async function provisionOnce(spec: Record<string, unknown>, maxParallel: number): Promise<MakespanFigures> {
  const sim: Simulator = await startSimulator({ nodes: 4, vms: 40, seed: 7, taskDurationMs: TASK_MS, faults: { migrationMsPerGiB: MS_PER_GIB } });
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: 20 });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  try {
    const op = await core.run('cluster.provision', spec);
    if (op.status !== 'succeeded') throw new Error(`bench/provision: ${String(spec.name)} ended ${op.status}: ${op.targets.map((t) => t.message).join('; ')}`);
    if (process.env.PROVISION_TIMELINE) for (const t of op.targets) console.error(`    ${t.name} ${t.node} ${t.phases.map((p) => `${p.name} ${(p.startedAt ?? 0) - op.startedAt}-${(p.finishedAt ?? 0) - op.startedAt}`).join(', ')}`);
    return provisioningIdeal(op, maxParallel);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}

export async function makespanFigures(): Promise<void> {
  for (const [label, spec, cap] of [
    ['talos-3+3', talosSpec(), 3],
    ['30-vms', thirtySpec(), 10],
  ] as const) {
    const f = await provisionOnce(spec, cap);
    console.log(`provision ${label} makespan/ideal: ${(f.makespan / f.ideal).toFixed(3)}`);
    console.error(`  (${label}: ${f.makespan} ms vs ideal ${Math.round(f.ideal)} ms; ${f.detail})`);
  }
}
