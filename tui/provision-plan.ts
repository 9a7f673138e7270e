// The `:provision` view's data. `:provision FILE`: a cluster spec file (YAML or the seed's JSON) planned
// against the session's cluster, as the lines of the plan report (placement table hosts x groups, then one
// row per VM); P provisions it. `:provision OPERATION-ID`: a provisioning operation of this or another
// process (after a crash too), read from history. Once the view follows an operation it shows its progress in
// the seed's shape (provisioningProgress), live from the operation's events while it runs here.
import { readFile } from 'node:fs/promises';
import type { MoxxieCore } from '../src/core.js';
import type { HistoryStore } from '../src/history/store.js';
import type { ClusterSpec } from '../src/ops/provisioning/cluster-spec.js';
import { placementSettingsOf } from '../src/config/placement-settings.js';
import { planReport } from '../src/ops/provisioning/plan-report.js';
import { provisioningProgress, type ProvisioningProgress } from '../src/ops/provisioning/progress.js';
import type { Operation, OperationKind } from '../src/ops/types.js';
import { textTable } from '../src/text/table.js';

/** The operation kind that provisions a cluster (the `provision` capability's). */
export const PROVISION_KIND = 'cluster.provision' satisfies OperationKind;

export interface ProvisionPlanView {
  /** The spec file planned (empty for an operation opened by id). */
  path: string;
  cluster: string;
  ok: boolean;
  lines: string[];
  /** The spec P provisions (the file's, as parsed); absent for an operation opened by id. */
  spec?: ClusterSpec;
  /** The provisioning operation the view follows: started here with P, or opened with `:provision ID`. */
  operationId?: string;
  /** That operation as history holds it: one of another process, or interrupted by a crash. */
  recorded?: Operation;
}

/** Throws with a message naming the file or the spec's field when it cannot be read or is not valid. */
export async function loadProvisionPlan(core: MoxxieCore, path: string): Promise<ProvisionPlanView> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? `no file ${path}` : `cannot read ${path}: ${(err as Error).message}`);
  }
  // Loaded here, with `yaml`: the TUI's start does without both.
  const { parseClusterSpecText } = await import('../src/ops/provisioning/cluster-spec-text.js');
  const spec = parseClusterSpecText(text, path);
  const plan = await core.planCluster(spec, core.context.demo ? {} : placementSettingsOf(core.context.name));
  return { path, cluster: plan.cluster, ok: plan.ok, lines: planReport(plan).split('\n'), spec };
}

/** What `:provision WORD` means: an operation id (op-…) that is not a file, or a spec file. */
export const looksLikeOperationId = (word: string): boolean => /^op-[0-9a-z-]+$/i.test(word);

/** A provisioning operation by id: live in this process, else from history. */
export async function loadProvisionOperation(core: MoxxieCore, history: HistoryStore | undefined, id: string): Promise<ProvisionPlanView> {
  const op = core.operations.get(id) ?? (await history?.getOperation(id));
  if (!op) throw new Error(`no operation ${id} in this context (:history lists them)`);
  if (op.kind !== PROVISION_KIND) throw new Error(`${id} is a ${op.kind} operation, not a cluster provisioning`);
  const progress = provisioningProgress(op);
  return { path: '', cluster: progress.clusterName, ok: true, lines: [], operationId: id, recorded: op };
}

/** The followed operation: its live copy (kept current by the operation events) or the recorded one. */
export function followedOperation(s: { provision: ProvisionPlanView | null; liveOps: Operation[] }): Operation | undefined {
  const id = s.provision?.operationId;
  if (!id) return undefined;
  return s.liveOps.find((o) => o.id === id) ?? s.provision?.recorded;
}

export interface ProgressLine {
  text: string;
  tone?: 'ok' | 'error' | 'warn' | 'dim' | 'bold';
}

const TONE: Record<string, ProgressLine['tone']> = { READY: 'ok', FAILED: 'error', ROLLED_BACK: 'warn', PENDING: 'dim' };

/** The progress view's lines: the placement as it stands (hosts x groups), then one row per VM with its phase. */
export function progressLines(p: ProvisioningProgress): ProgressLine[] {
  const groups = [...new Set(p.nodeStates.map((n) => n.nodeGroup))];
  const hosts = [...new Set(p.nodeStates.map((n) => n.host))].sort();
  const placement = textTable(
    ['HOST', ...groups, 'VMS'],
    hosts.map((h) => {
      const on = p.nodeStates.filter((n) => n.host === h);
      return [h, ...groups.map((g) => String(on.filter((n) => n.nodeGroup === g).length)), String(on.length)];
    }),
  );
  const vms = textTable(
    ['NAME', 'GROUP', 'VMID', 'HOST', 'STATUS', 'PHASE', 'MESSAGE'],
    p.nodeStates.map((n) => [n.name, n.nodeGroup, String(n.vmId || '-'), n.host, n.status, n.phase ?? '-', n.message ?? '']),
  ).split('\n');
  return [
    { text: 'Placement (hosts x groups):', tone: 'bold' },
    ...placement.split('\n').map((text) => ({ text })),
    { text: '' },
    { text: vms[0], tone: 'bold' },
    ...vms.slice(1).map((text, i) => ({ text, tone: TONE[p.nodeStates[i].status] })),
  ];
}

/** Rows of the view (for the cursor's bounds): the followed operation's, else the plan's. */
export function provisionRowCount(s: { provision: ProvisionPlanView | null; liveOps: Operation[] }): number {
  const op = followedOperation(s);
  return op ? progressLines(provisioningProgress(op)).length : (s.provision?.lines.length ?? 0);
}
