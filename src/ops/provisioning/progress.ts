// Provisioning progress in the seed's shape (`GET /clusters/operations/{id}`), mapped purely from moxxie's
// one Operation: its 'new-guest' targets and their phases. Every front end (CLI status, MCP, TUI) shows this
// mapping, so a status read after a crash (from the journal) and a live one look the same.
import type { Operation, OperationTarget, PhaseRecord } from '../types.js';

export const PROVISIONING_STATUSES = ['PENDING', 'PROVISIONING', 'COMPLETED', 'FAILED', 'ROLLING_BACK', 'ROLLED_BACK', 'CANCELLED'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];
export const NODE_STATUSES = ['PENDING', 'CREATING_VM', 'CONFIGURING', 'STARTING', 'READY', 'FAILED', 'ROLLED_BACK'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/**
 * Which seed status a running phase means. The phase names are the lifecycle capability's (make -> migrate ->
 * configure -> resize -> start -> verify); a phase not listed counts as configuring (it comes after the VM
 * exists and before it starts).
 */
const PHASE_STATUS: Record<string, NodeStatus> = {
  allocate: 'CREATING_VM',
  make: 'CREATING_VM',
  clone: 'CREATING_VM',
  import: 'CREATING_VM',
  create: 'CREATING_VM',
  migrate: 'CREATING_VM',
  configure: 'CONFIGURING',
  'cloud-init': 'CONFIGURING',
  resize: 'CONFIGURING',
  tags: 'CONFIGURING',
  start: 'STARTING',
  verify: 'STARTING',
  agent: 'STARTING',
};

export const phaseStatus = (phase: string): NodeStatus => PHASE_STATUS[phase] ?? 'CONFIGURING';

export interface NodeState {
  name: string;
  nodeGroup: string;
  vmId: number;
  host: string;
  status: NodeStatus;
  /** The phase it is in (or failed in), and PVE's or moxxie's message. */
  phase?: string;
  message?: string;
}

export interface NodeLogEntry {
  phase: string;
  state: PhaseRecord['state'];
  upids: string[];
  message?: string;
  startedAt?: number;
  finishedAt?: number;
  /** Its undo in a rollback (e.g. the destroy task). */
  undo?: { state: string; upids: string[]; message?: string };
}

export interface ProvisioningProgress {
  operationId: string;
  clusterName: string;
  status: ProvisioningStatus;
  progressPercentage: number;
  currentOperation: string;
  totalNodes: number;
  successfulNodes: number;
  failedNodes: number;
  nodeStates: NodeState[];
  /** Per VM, every phase with the UPIDs of its PVE tasks. */
  logs: Array<{ name: string; vmId: number; entries: NodeLogEntry[] }>;
  startedAt: string;
  finishedAt?: string;
}

const groupOf = (t: OperationTarget): string => (typeof t.spec?.group === 'string' ? t.spec.group : '');

export function nodeStatusOf(t: OperationTarget): { status: NodeStatus; phase?: string } {
  const started = t.phases.filter((p) => p.state !== 'pending');
  const last = started.at(-1);
  switch (t.state) {
    case 'planned':
      return { status: 'PENDING' };
    case 'succeeded':
      return { status: 'READY' };
    case 'rolled-back':
      return { status: 'ROLLED_BACK', phase: last?.name };
    case 'cancelled':
      // Cancelled before its first phase: nothing of it exists, it simply never started.
      return started.length ? { status: 'FAILED', phase: last?.name } : { status: 'PENDING' };
    case 'failed':
    case 'interrupted':
    case 'skipped':
      return { status: 'FAILED', phase: last?.name };
    case 'running': {
      const running = t.phases.find((p) => p.state === 'running') ?? t.phases.find((p) => p.state === 'pending') ?? last;
      return running ? { status: phaseStatus(running.name), phase: running.name } : { status: 'CREATING_VM' };
    }
  }
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted', 'rolled-back', 'skipped']);

function overallStatus(op: Operation): ProvisioningStatus {
  const undoing = op.targets.some((t) => t.phases.some((p) => p.undo?.state === 'running'));
  switch (op.status) {
    case 'planned':
      return 'PENDING';
    case 'running':
      if (undoing || op.continuations?.at(-1)?.action === 'rollback') return 'ROLLING_BACK';
      return op.targets.every((t) => t.state === 'planned') ? 'PENDING' : 'PROVISIONING';
    case 'succeeded':
      return 'COMPLETED';
    case 'cancelled':
      return 'CANCELLED';
    case 'rolled-back':
      return 'ROLLED_BACK';
    default:
      return 'FAILED'; // partial, failed, interrupted (resume or roll back)
  }
}

const VERB: Partial<Record<NodeStatus, string>> = { CREATING_VM: 'Creating', CONFIGURING: 'Configuring', STARTING: 'Starting' };

function currentOperation(op: Operation, status: ProvisioningStatus, nodes: NodeState[]): string {
  const count = (s: NodeStatus) => nodes.filter((n) => n.status === s).length;
  switch (status) {
    case 'COMPLETED':
      return `Provisioned ${nodes.length} node${nodes.length === 1 ? '' : 's'}`;
    case 'ROLLED_BACK':
      return `Rolled back: ${count('ROLLED_BACK')} VM${count('ROLLED_BACK') === 1 ? '' : 's'} removed`;
    case 'CANCELLED':
      return `Cancelled: ${count('READY')} ready, ${count('FAILED')} failed, ${count('ROLLED_BACK') ? `${count('ROLLED_BACK')} rolled back, ` : ''}${count('PENDING')} not started`;
    case 'FAILED':
      return op.status === 'interrupted'
        ? `Interrupted: ${count('READY')} of ${nodes.length} ready; resume or roll back`
        : `Failed: ${nodes.length - count('READY') - count('PENDING')} of ${nodes.length} node${nodes.length === 1 ? '' : 's'} failed${count('ROLLED_BACK') ? `; ${count('ROLLED_BACK')} rolled back` : ''}`;
    case 'ROLLING_BACK':
      return 'Rolling back';
    case 'PENDING':
      return 'Waiting to start';
    case 'PROVISIONING': {
      // "Creating worker nodes; Configuring control-plane nodes", in the order the groups appear.
      const parts: string[] = [];
      for (const n of nodes) {
        const verb = VERB[n.status];
        const part = verb && `${verb} ${n.nodeGroup || 'cluster'} nodes`;
        if (part && !parts.includes(part)) parts.push(part);
      }
      if (parts.length) return parts.join('; ');
      const waiting = nodes.find((n) => n.status === 'PENDING');
      return waiting ? `Waiting for ${waiting.nodeGroup || 'cluster'} nodes` : 'Finishing';
    }
  }
}

function fraction(t: OperationTarget): number {
  if (TERMINAL.has(t.state)) return 1;
  if (!t.phases.length) return 0;
  const done = t.phases.filter((p) => p.state === 'succeeded').length + (t.phases.some((p) => p.state === 'running') ? 0.5 : 0);
  return done / t.phases.length;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The seed's status object for a provisioning operation. */
export function provisioningProgress(op: Operation): ProvisioningProgress {
  const targets = op.targets.filter((t) => t.kind === 'new-guest');
  const nodeStates: NodeState[] = targets.map((t) => {
    const { status, phase } = nodeStatusOf(t);
    return { name: t.name, nodeGroup: groupOf(t), vmId: t.vmid, host: t.node, status, ...(phase ? { phase } : {}), ...(t.message ? { message: t.message } : {}) };
  });
  const status = overallStatus(op);
  const request = op.request as { name?: unknown } | null;
  const clusterName = typeof request?.name === 'string' ? request.name : typeof targets[0]?.spec?.cluster === 'string' ? String(targets[0].spec.cluster) : '';
  const pct = status === 'COMPLETED' || status === 'ROLLED_BACK' ? 100 : targets.length ? Math.floor((100 * targets.reduce((s, t) => s + fraction(t), 0)) / targets.length) : 0;
  return {
    operationId: op.id,
    clusterName,
    status,
    progressPercentage: pct,
    currentOperation: currentOperation(op, status, nodeStates),
    totalNodes: targets.length,
    successfulNodes: nodeStates.filter((n) => n.status === 'READY').length,
    failedNodes: nodeStates.filter((n) => n.status === 'FAILED').length,
    nodeStates,
    logs: targets.map((t) => ({
      name: t.name,
      vmId: t.vmid,
      entries: t.phases
        .filter((p) => p.state !== 'pending' || p.undo)
        .map((p) => ({
          phase: p.name,
          state: p.state,
          upids: [...p.upids],
          ...(p.message ? { message: p.message } : {}),
          ...(p.startedAt !== undefined ? { startedAt: p.startedAt } : {}),
          ...(p.finishedAt !== undefined ? { finishedAt: p.finishedAt } : {}),
          ...(p.undo ? { undo: { state: p.undo.state, upids: [...p.undo.upids], ...(p.undo.message ? { message: p.undo.message } : {}) } } : {}),
        })),
    })),
    startedAt: iso(op.startedAt)!,
    ...(op.finishedAt !== undefined ? { finishedAt: iso(op.finishedAt) } : {}),
  };
}
