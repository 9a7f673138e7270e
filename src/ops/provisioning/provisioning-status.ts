// Provisioning status and the list of provisioning operations, in the seed's shape: a running operation from
// this process's registry (live), any other from history (its journal applied, so after a kill -9 it shows
// which VM reached which phase).
import { RequestError } from '../errors.js';
import type { CoreRecorder } from '../recorder.js';
import type { OperationStore } from '../registry.js';
import type { Operation } from '../types.js';
import { provisioningProgress, type ProvisioningProgress } from './progress.js';

export const PROVISION_KIND = 'cluster.provision';

export async function provisioningStatusOf(store: OperationStore, recorder: CoreRecorder | undefined, id: string): Promise<ProvisioningProgress> {
  if (typeof id !== 'string' || !id) throw new RequestError('operationId', 'required: a provisioning operation id such as op-20261205-101500-a1b2c3');
  const op: Operation | undefined = store.get(id) ?? (await recorder?.getOperation?.(id));
  if (!op) throw new RequestError('operationId', `no operation '${id}' in this context (moxxie cluster list shows the provisioning operations)`);
  if (op.kind !== PROVISION_KIND) throw new RequestError('operationId', `operation ${id} is a '${op.kind}' operation, not a cluster provisioning (moxxie ops show ${id} shows it)`);
  return provisioningProgress(op);
}

export async function listProvisioningOf(store: OperationStore, recorder: CoreRecorder | undefined, o: { limit?: number } = {}): Promise<ProvisioningProgress[]> {
  const limit = o.limit ?? 50;
  const live = store.list().filter((op) => op.kind === PROVISION_KIND && !op.dryRun);
  const seen = new Set(live.map((op) => op.id));
  const recorded: Operation[] = [];
  if (recorder?.listOperationSummaries && recorder.getOperation) {
    // The index is cheap; only provisioning records are read whole.
    const summaries = (await recorder.listOperationSummaries({ limit: 5000 })).filter((s) => s.kind === PROVISION_KIND && !seen.has(s.id));
    for (const s of summaries.slice(0, limit)) {
      const op = await recorder.getOperation(s.id);
      if (op && !op.dryRun) recorded.push(op);
    }
  }
  return [...live, ...recorded]
    .sort((a, b) => b.startedAt - a.startedAt)
    .slice(0, limit)
    .map(provisioningProgress);
}
