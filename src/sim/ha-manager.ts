// The simulated HA manager (pve-ha-manager's CRM and LRM): it acts on each HA resource's requested state.
// A `started` resource whose guest is stopped is started, a `stopped` or `disabled` one that runs is shut
// down, `ignored` is left alone — each as a root@pam task on the guest's node, a CRM round after the request
// (PVE: "the VM changes state a few seconds later", SEMANTICS.md §8). So a hastart/hastop task only files
// the request (ha-manager set --state) and ends at once; the guest's state changes after it, never at its end.
// A start that fails is retried up to the resource's max_restart, then left (PVE's `error` state).
import { SimTaskError } from './api-error.js';
import type { SimCluster, TaskSpec } from './cluster.js';
import type { SimVmRecord } from './model.js';
import { applyPending } from './vm-config.js';

/** The HA request tasks: they ask the HA manager and change nothing on the guest themselves. */
const REQUEST_TASKS = new Set(['hastart', 'hastop']);

interface ManagerState {
  timer?: NodeJS.Timeout;
  /** Failed starts per guest since its last request (max_restart bounds the retries). */
  failedStarts: Map<number, number>;
}

const managers = new WeakMap<SimCluster, ManagerState>();
const stateOf = (sim: SimCluster): ManagerState => {
  let m = managers.get(sim);
  if (!m) managers.set(sim, (m = { failedStarts: new Map() }));
  return m;
};

/** A CRM round comes this long after a request (PVE: a few seconds; scaled with the simulated task duration). */
const roundDelayMs = (sim: SimCluster): number => Math.max(1, sim.faults.taskDurationMs * 2);

/** Asks for a CRM round soon (one at a time); every HA request and resource change calls it. */
export function haKick(sim: SimCluster, opts: { newRequest?: number } = {}): void {
  const m = stateOf(sim);
  if (opts.newRequest !== undefined) m.failedStarts.delete(opts.newRequest);
  if (m.timer) return;
  m.timer = setTimeout(() => {
    m.timer = undefined;
    crmRound(sim);
  }, roundDelayMs(sim));
  m.timer.unref?.();
}

/**
 * What SimCluster.startTask runs: a hastart/hastop task keeps its checks (begin, which sets the requested
 * state) but not the guest's state change, and asks the HA manager for a round instead.
 */
export function haRequestTask(sim: SimCluster, spec: TaskSpec): TaskSpec {
  if (!REQUEST_TASKS.has(spec.type)) return spec;
  const vmid = Number(spec.id);
  return {
    ...spec,
    work: undefined,
    finish: () => {
      haKick(sim, { newRequest: vmid });
      const r = sim.ha.managed(vmid);
      return [`Requesting HA ${spec.type === 'hastart' ? 'start' : 'stop'} for ${sim.vms.get(vmid)?.type === 'lxc' ? 'CT' : 'VM'} ${vmid}`, ...(r ? [`service state requested: ${r.state}`] : [])];
    },
  };
}

const busy = (sim: SimCluster, vmid: number): boolean => [...sim.tasks.values()].some((t) => t.status === 'running' && t.id === String(vmid));

/** One CRM round: every resource whose guest is not in its requested state gets the LRM's task. */
function crmRound(sim: SimCluster): void {
  const m = stateOf(sim);
  let again = false;
  for (const r of sim.ha.resources.values()) {
    const vm = sim.vms.get(r.vmid);
    if (!vm || vm.config.template || !sim.isOnline(vm.node) || r.state === 'ignored') continue;
    const want = r.state === 'started' ? 'running' : 'stopped';
    if ((want === 'running') === (vm.state !== 'stopped')) continue;
    // A guest some task is working on (a migration, a create, the LRM's own start) is looked at next round.
    if (busy(sim, vm.vmid)) {
      again = true;
      continue;
    }
    if (want === 'running' && (m.failedStarts.get(vm.vmid) ?? 0) > r.maxRestart) continue;
    try {
      if (want === 'running') lrmStart(sim, vm, () => m.failedStarts.set(vm.vmid, (m.failedStarts.get(vm.vmid) ?? 0) + 1));
      else lrmStop(sim, vm);
    } catch {
      return; // the simulator is shutting down
    }
  }
  if (again) haKick(sim);
}

function lrmStart(sim: SimCluster, vm: SimVmRecord, failed: () => void): void {
  const ct = vm.type === 'lxc';
  sim.startTask({
    node: vm.node,
    type: ct ? 'vzstart' : 'qmstart',
    id: String(vm.vmid),
    user: 'root@pam',
    begin: () => {
      const lock = sim.lockOf(vm);
      if (lock) throw new SimTaskError(`${ct ? 'CT' : 'VM'} is locked (${lock})`);
    },
    finish: () => {
      if (vm.state !== 'stopped') return;
      if (!ct) applyPending(vm);
      vm.startedAt = Math.floor(Date.now() / 1000);
      vm.state = 'running';
      sim.touch();
    },
    onError: () => {
      failed();
      haKick(sim);
    },
  });
}

function lrmStop(sim: SimCluster, vm: SimVmRecord): void {
  sim.startTask({
    node: vm.node,
    type: vm.type === 'lxc' ? 'vzshutdown' : 'qmshutdown',
    id: String(vm.vmid),
    user: 'root@pam',
    // The LRM's shutdown stops the guest after its timeout if the OS ignores it (forceStop).
    finish: () => {
      vm.state = 'stopped';
      vm.startedAt = undefined;
      sim.touch();
    },
    onError: () => haKick(sim),
  });
}
