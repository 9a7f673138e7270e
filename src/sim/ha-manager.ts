// The simulated HA manager (pve-ha-manager's CRM and LRM): it acts on each HA resource's requested state.
// A `started` resource whose guest is stopped is started, a `stopped` or `disabled` one that runs is shut
// down, `ignored` is left alone — each as a root@pam task on the guest's node, a CRM round after the request
// (PVE: "the VM changes state a few seconds later", SEMANTICS.md §8). So a hastart/hastop task only files
// the request (ha-manager set --state) and ends at once; the guest's state changes after it, never at its end.
// A start that fails is retried up to the resource's max_restart, then left (PVE's `error` state).
// A hamigrate task likewise only files a migration request: the next round the LRM runs the real migration on
// the guest's node (a VM: qmigrate, online if it runs; a CT: shut down first, then vzmigrate, and started again
// on the target as its state asks), and the guest moves when that task ends. A request to an offline node or to
// the node it is on is dropped; a failed migration leaves the guest where it was (pve-ha-manager's Manager.pm).
// Filed migrations and failed-start counts are the manager's status, which PVE keeps in pmxcfs: they are part of
// the saved state (haManagerStatus / restoreHaManager) and a restored request is carried out as any other.
import { SimTaskError } from './api-error.js';
import type { SimCluster, TaskSpec } from './cluster.js';
import type { SimVmRecord } from './model.js';
import { haHandles } from './ha.js';
import { assertBridges } from './new-vm-config.js';
import { applyPending } from './vm-config.js';
import { haLxcMigration } from './handlers/lxc-migrate.js';
import { haQemuMigration } from './handlers/qemu-migrate.js';

/** The HA request tasks: they ask the HA manager and change nothing on the guest themselves. */
const REQUEST_TASKS = new Set(['hastart', 'hastop']);

/** A filed migration: where to (the LRM builds its migrate task from the guest and this alone, as PVE's does). */
interface MigrationRequest {
  target: string;
}

/** What the HA manager keeps across a restart (PVE: manager_status in pmxcfs). */
export interface HaManagerStatus {
  migrations: Array<{ vmid: number; target: string }>;
  failedStarts: Array<{ vmid: number; count: number }>;
}

interface ManagerState {
  timer?: NodeJS.Timeout;
  /**
   * The CRM's state of each service it has looked at (Manager.pm's service_status: started, request_stop,
   * stopped, migrate, error). It moves only in a round, so right after a request it still says what was:
   * status/current's `ha.state` and /cluster/resources' `hastate` show it, as PVE's do.
   */
  crm: Map<number, string>;
  /** Failed starts per guest since its last request (max_restart bounds the retries). */
  failedStarts: Map<number, number>;
  /** Migrations asked for by hamigrate tasks and not yet run (one per guest: a newer request replaces it). */
  migrations: Map<number, MigrationRequest>;
}

const managers = new WeakMap<SimCluster, ManagerState>();
const stateOf = (sim: SimCluster): ManagerState => {
  let m = managers.get(sim);
  if (!m) managers.set(sim, (m = { crm: new Map(), failedStarts: new Map(), migrations: new Map() }));
  return m;
};

/** The CRM's state of a service (see ManagerState.crm); one it has not looked at yet is what its guest is. */
export function crmServiceState(sim: SimCluster, vm: Pick<SimVmRecord, 'vmid' | 'state'>): string {
  return stateOf(sim).crm.get(vm.vmid) ?? (vm.state === 'stopped' ? 'stopped' : 'started');
}

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

/** What a hamigrate task files when it ends (ha-manager migrate): the LRM migrates the guest in a CRM round after it. */
export function haMigrateRequest(sim: SimCluster, vmid: number, target: string): void {
  stateOf(sim).migrations.set(vmid, { target });
  sim.touch();
  haKick(sim);
}

/** The manager's status to save: every filed migration not yet done (one whose task a restart killed is run again). */
export function haManagerStatus(sim: SimCluster): HaManagerStatus {
  const m = stateOf(sim);
  return {
    migrations: [...m.migrations].map(([vmid, r]) => ({ vmid, target: r.target })),
    failedStarts: [...m.failedStarts].map(([vmid, count]) => ({ vmid, count })),
  };
}

/** Takes back a saved status and asks for a round: the CRM acts on it as on requests it filed itself. */
export function restoreHaManager(sim: SimCluster, saved: HaManagerStatus): void {
  const m = stateOf(sim);
  m.migrations.clear();
  m.failedStarts.clear();
  for (const r of saved.migrations) if (sim.vms.has(r.vmid)) m.migrations.set(r.vmid, { target: r.target });
  for (const f of saved.failedStarts) if (sim.vms.has(f.vmid)) m.failedStarts.set(f.vmid, f.count);
  haKick(sim);
}

const busy = (sim: SimCluster, vmid: number): boolean => [...sim.tasks.values()].some((t) => t.status === 'running' && t.id === String(vmid));

/** One CRM round: every resource whose guest is not in its requested state gets the LRM's task. */
function crmRound(sim: SimCluster): void {
  const m = stateOf(sim);
  let again = false;
  // A service deleted or made `ignored` leaves the CRM's status, its filed migration and error count with it
  // (Manager.pm: "removing stale service"); taken back as HA later, it starts afresh.
  for (const vmid of new Set([...m.migrations.keys(), ...m.failedStarts.keys(), ...m.crm.keys()])) {
    if (haHandles(sim, vmid)) continue;
    m.migrations.delete(vmid);
    m.failedStarts.delete(vmid);
    m.crm.delete(vmid);
    sim.touch();
  }
  for (const r of sim.ha.resources.values()) {
    const vm = sim.vms.get(r.vmid);
    if (!vm || vm.config.template || !sim.isOnline(vm.node) || r.state === 'ignored') continue;
    try {
      const migration = m.migrations.get(vm.vmid);
      if (migration) {
        if (busy(sim, vm.vmid)) again = true;
        else if (!lrmMigrate(sim, vm, migration, () => (m.migrations.delete(vm.vmid), m.crm.delete(vm.vmid)))) again = true;
        if (m.migrations.has(vm.vmid)) m.crm.set(vm.vmid, 'migrate');
        continue;
      }
      const want = r.state === 'started' ? 'running' : 'stopped';
      if ((want === 'running') === (vm.state !== 'stopped')) {
        m.crm.set(vm.vmid, want === 'running' ? 'started' : 'stopped');
        continue;
      }
      // A guest some task is working on (a migration, a create, the LRM's own start) is looked at next round.
      if (busy(sim, vm.vmid)) {
        again = true;
        continue;
      }
      if (want === 'running' && (m.failedStarts.get(vm.vmid) ?? 0) > r.maxRestart) {
        m.crm.set(vm.vmid, 'error');
        continue;
      }
      // PVE's CRM passes a start through request_start to started in its rounds, and the LRM starts the guest
      // in `started`; a stop is request_stop until the guest is down, then stopped.
      m.crm.set(vm.vmid, want === 'running' ? 'started' : 'request_stop');
      if (want === 'running') lrmStart(sim, vm, () => m.failedStarts.set(vm.vmid, (m.failedStarts.get(vm.vmid) ?? 0) + 1));
      else lrmStop(sim, vm);
    } catch {
      return; // the simulator is shutting down: its requests stay as saved
    }
  }
  if (again) haKick(sim);
}

/**
 * One step of a filed migration; false when a step was started and the request stands (a CT shut down first).
 * PVE drops a request to an offline node or to the node the guest is on; a locked guest fails the LRM's
 * migrate call before any task (check_lock), and the request is gone too.
 */
function lrmMigrate(sim: SimCluster, vm: SimVmRecord, request: MigrationRequest, done: () => void): boolean {
  if (!sim.isOnline(request.target) || vm.node === request.target || sim.lockOf(vm)) {
    done();
    return true;
  }
  // pve-ha-manager's PVECT migrate always relocates: shut down, move offline, then started where it is asked.
  if (vm.type === 'lxc' && vm.state !== 'stopped') {
    lrmStop(sim, vm);
    return false;
  }
  const lrm = vm.type === 'lxc' ? haLxcMigration(sim, vm, request.target) : haQemuMigration(sim, vm, request.target);
  const spec: TaskSpec = { node: vm.node, id: String(vm.vmid), user: 'root@pam', vm, lock: 'migrate', ...lrm };
  sim.startTask({
    ...spec,
    finish: () => {
      const lines = spec.finish?.();
      done();
      haKick(sim);
      return lines;
    },
    onError: () => {
      spec.onError?.();
      done();
      haKick(sim);
    },
  });
  return true;
}

function lrmStart(sim: SimCluster, vm: SimVmRecord, failed: () => void): void {
  const ct = vm.type === 'lxc';
  // A VM suspended to disk (hibernated) is resumed by its start, as vm_start does: that lock is no bar.
  const hibernated = !ct && sim.lockOf(vm) === 'suspended';
  sim.startTask({
    node: vm.node,
    type: ct ? 'vzstart' : 'qmstart',
    id: String(vm.vmid),
    user: 'root@pam',
    begin: () => {
      const lock = sim.lockOf(vm);
      if (lock && !hibernated) throw new SimTaskError(`${ct ? 'CT' : 'VM'} is locked (${lock})`);
      // The LRM starts through the same API call: a NIC on a bridge the node lacks fails it.
      assertBridges(sim, vm.node, vm.config);
    },
    finish: () => {
      if (vm.state !== 'stopped') return;
      if (hibernated && sim.lockOf(vm) === 'suspended') {
        delete vm.config.lock;
        vm.state = 'running';
        vm.startedAt = Math.floor(Date.now() / 1000);
        sim.touch();
        return [`resuming VM ${vm.vmid} from saved state`];
      }
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
      // The next round sees the guest down: request_stop becomes stopped, and a relocation goes on.
      haKick(sim);
    },
    onError: () => haKick(sim),
  });
}
