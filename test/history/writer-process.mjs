// Child process for the history tests, using the compiled store (dist/, built by the test setup).
//   audit DIR TAG COUNT     appends COUNT audit records, one write each ('ready' after SIGNAL_AFTER)
//   index DIR TAG COUNT     COUNT index writes (a job run each) and audit records, alternating ('ready' after SIGNAL_AFTER)
//   op DIR ID               starts an operation of three targets, journals the phases of the first two
//                           (the first completes, the second is left running on PVE), prints 'ready', then hangs
import { HistoryStore } from '../../dist/src/history/store.js';

const [mode, dir, ...rest] = process.argv.slice(2);
const store = new HistoryStore({ dir });
const signalAfter = process.env.SIGNAL_AFTER === undefined ? -1 : Number(process.env.SIGNAL_AFTER);

if (mode === 'audit') {
  const [tag, count] = rest;
  for (let i = 0; i < Number(count); i++) {
    await store.audit({ at: Date.now(), context: 'concurrency', frontEnd: 'cli', action: `${tag}-${i}`, request: { i }, allowed: true });
    if (i === signalAfter) process.stdout.write('ready\n');
  }
  if (store.lastError) throw store.lastError;
  process.stdout.write('done\n');
} else if (mode === 'index') {
  const [tag, count] = rest;
  for (let i = 0; i < Number(count); i++) {
    await store.update((d) => {
      d.jobRuns.push({ id: `${tag}-${i}`, jobId: 'job-x', jobName: 'x', trigger: 'manual', dryRun: true, startedAt: Date.now(), finishedAt: Date.now(), status: 'succeeded', attempts: 1, operationIds: [], vms: [{ vmid: 100 + (i % 5), name: 'vm', state: 'succeeded' }] });
    });
    await store.audit({ at: Date.now(), context: 'concurrency', frontEnd: 'cli', action: `${tag}-${i}`, request: { i }, allowed: true });
    if (i === signalAfter) process.stdout.write('ready\n');
  }
  if (store.lastError) throw store.lastError;
  process.stdout.write('done\n');
} else if (mode === 'op') {
  const [id] = rest;
  const upid = (n, vmid) => `UPID:pve1:0000123${n}:0000567${n}:6500000${n}:qmsnapshot:${vmid}:root@pam:`;
  const target = (vmid) => ({ id: `t${vmid}`, kind: 'guest', vmid, name: `vm-${vmid}`, node: 'pve1', state: 'planned', action: 'snapshot pre-change', phases: [{ name: 'snapshot', state: 'pending', upids: [] }, { name: 'verify', state: 'pending', upids: [] }] });
  const op = {
    id,
    kind: 'snapshot.create',
    label: 'snapshot pre-change',
    request: { snapshotName: 'pre-change', vmSelectors: [{ type: 'VM_IDS', value: '100-102' }] },
    dryRun: false,
    status: 'running',
    targets: [target(100), target(101), target(102)],
    warnings: [],
    frontEnd: 'tui',
    context: 'test',
    startedAt: Date.now(),
  };
  await store.operationStarted(op);
  // As the engine does: the phase is journaled before its PVE call and again once it returned a UPID.
  const step = async (t, phaseIndex, state, upids) => {
    const phase = { ...t.phases[phaseIndex], state, upids };
    t.phases[phaseIndex] = phase;
    await store.phaseChanged(op, t, phase);
    await store.targetUpdated(op);
  };
  const [a, b] = op.targets;
  a.state = 'running';
  b.state = 'running';
  await step(a, 0, 'running', []);
  await step(b, 0, 'running', []);
  await step(a, 0, 'running', [upid(4, 100)]);
  await step(b, 0, 'running', [upid(5, 101)]);
  a.upid = upid(4, 100);
  b.upid = upid(5, 101);
  await step(a, 0, 'succeeded', [upid(4, 100)]);
  await step(a, 1, 'running', []);
  a.state = 'succeeded';
  a.message = 'snapshot pre-change created';
  await step(a, 1, 'succeeded', []);
  if (store.lastError) throw store.lastError;
  process.stdout.write('ready\n');
  setInterval(() => {}, 1000);
}
