// Child process for the history tests, using the compiled store (dist/, built by the test setup).
//   audit DIR TAG COUNT     appends COUNT audit records, one write each ('ready' after SIGNAL_AFTER)
//   op DIR ID               starts an operation, completes its first target, prints 'ready', then hangs
import { HistoryStore } from '../../dist/src/history/store.js';

const [mode, dir, ...rest] = process.argv.slice(2);
const store = new HistoryStore({ dir, progressFlushMs: 10 });

if (mode === 'audit') {
  const [tag, count] = rest;
  for (let i = 0; i < Number(count); i++) {
    await store.audit({ at: Date.now(), context: 'concurrency', frontEnd: 'cli', action: `${tag}-${i}`, request: { i }, allowed: true });
    if (process.env.SIGNAL_AFTER && i === Number(process.env.SIGNAL_AFTER)) process.stdout.write('ready\n');
  }
  if (store.lastError) throw store.lastError;
  process.stdout.write('done\n');
} else if (mode === 'op') {
  const [id] = rest;
  const target = (vmid, state) => ({ vmid, name: `vm-${vmid}`, node: 'pve1', state, action: 'snapshot pre-change' });
  const op = {
    id,
    kind: 'snapshot.create',
    request: { snapshotName: 'pre-change', vmSelectors: [{ type: 'VM_IDS', value: '100-102' }] },
    dryRun: false,
    status: 'running',
    targets: [target(100, 'running'), target(101, 'running'), target(102, 'planned')],
    warnings: [],
    frontEnd: 'tui',
    context: 'test',
    startedAt: Date.now(),
  };
  await store.operationStarted(op);
  op.targets[0] = { ...op.targets[0], state: 'succeeded', message: 'snapshot pre-change created', upid: 'UPID:pve1:00001234:00005678:65000000:qmsnapshot:100:root@pam:' };
  op.targets[1] = { ...op.targets[1], upid: 'UPID:pve1:00001235:00005679:65000001:qmsnapshot:101:root@pam:' };
  store.targetUpdated(op);
  await store.flush();
  process.stdout.write('ready\n');
  setInterval(() => {}, 1000);
}
