// startSimulator: a simulated Proxmox VE cluster (9 by default, or 8.4) speaking the real API over HTTP(S) on loopback.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join, dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SimAuth, type SimCredentials } from './auth.js';
import { simCertificate } from './certificate.js';
import { SimCluster } from './cluster.js';
import type { ControlDeps, GuestBehaviour } from './control.js';
import { defaultFaults, checkFaultPatch, copyFaults, type FaultSettings } from './faults.js';
import { generateCluster, type GeneratedCluster } from './generator.js';
import { seedHa } from './ha.js';
import { haHandlers } from './handlers/ha.js';
import { haWriteHandlers } from './handlers/ha-write.js';
import { capabilityHandlers } from './handlers/capabilities.js';
import { pveProfile, type PveProfileName } from './profile.js';
import { haKick } from './ha-manager.js';
import { accessHandlers } from './handlers/access.js';
import { clusterHandlers } from './handlers/cluster.js';
import { lxcHandlers } from './handlers/lxc.js';
import { lxcCreateHandlers } from './handlers/lxc-create.js';
import { qemuAgentHandlers } from './handlers/qemu-agent.js';
import { lxcConfigHandlers } from './handlers/lxc-config.js';
import { lxcLifecycleHandlers } from './handlers/lxc-lifecycle.js';
import { lxcMigrateHandlers } from './handlers/lxc-migrate.js';
import { lxcMigratePreconditionHandlers } from './handlers/lxc-migrate-precondition.js';
import { networkHandlers } from './handlers/network.js';
import { lxcPowerHandlers } from './handlers/lxc-power.js';
import { lxcSnapshotHandlers } from './handlers/lxc-snapshot.js';
import { poolHandlers } from './handlers/pools.js';
import { qemuAdminHandlers } from './handlers/qemu-admin.js';
import { qemuConfigHandlers } from './handlers/qemu-config.js';
import { qemuLifecycleHandlers } from './handlers/qemu-lifecycle.js';
import { qemuMigrateHandlers } from './handlers/qemu-migrate.js';
import { qemuPowerHandlers } from './handlers/qemu-power.js';
import { qemuSnapshotHandlers } from './handlers/qemu-snapshot.js';
import { storageHandlers } from './handlers/storage.js';
import { storageDownloadHandlers } from './handlers/storage-download.js';
import { taskHandlers } from './handlers/tasks.js';
import { vzdumpHandlers } from './handlers/vzdump.js';
import { pruneBackupsHandlers } from './handlers/prunebackups.js';
import { StatePersistence } from './persistence.js';
import { applyStorageContent } from './storage-content.js';
import { createRequestListener, type RequestStats, type SimRequestRecord } from './server.js';
import { trueState, type SimStateView } from './state-view.js';

export type { FaultSettings, FaultStatus, LostAnswerMode, FaultMethod } from './faults.js';
export type { SimCredentials } from './auth.js';
export type { GuestBehaviour } from './control.js';
export type { SimVm, SimNode, SimTask, SimVolume } from './model.js';
export type { SimStateView } from './state-view.js';
export type { SimRequestRecord } from './server.js';

export interface SimOptions {
  /** The PVE release to answer as and validate against: '9' (default, 9.1) or '8.4'. */
  pve?: PveProfileName;
  seed?: number;
  nodes?: number;
  vms?: number;
  /** Add the demo containers (two per node, ids 310 up) beyond `vms`; `moxxie sim` and --demo do. */
  containers?: boolean;
  /** Plain HTTP instead of HTTPS (tests only; PVE itself never offers it). */
  http?: boolean;
  host?: string;
  /** 0 = a free port. */
  port?: number;
  /** How long each simulated task runs (default 50 ms). */
  taskDurationMs?: number;
  /** Ticket (and CSRF token) validity; PVE's is 2 h. */
  ticketLifetimeSeconds?: number;
  /** Nodes that are down from the start: their endpoints answer 595, their guests show status unknown. */
  offlineNodes?: string[];
  /** Serve the control interface under /_sim/ outside /api2 (off by default). */
  controlEndpoint?: boolean;
  /** Persist the cluster as JSON here (loaded at start when present); the certificate is kept beside it. */
  statePath?: string;
  /** Use this API token secret instead of a random UUID. */
  tokenSecret?: string;
  /** Initial faults. */
  faults?: Partial<FaultSettings>;
  /**
   * Node sizes (default 32 threads, 256 GiB each), for all nodes or per node name: what /nodes and
   * /cluster/resources report as maxcpu and maxmem, and what placement reads.
   */
  nodeCapacity?: NodeCapacity | Record<string, NodeCapacity>;
  /**
   * What storages hold, by name, instead of the generated content (as `pvesm set --content`), e.g.
   * `{ 'ceph-vm': ['images', 'rootdir'] }` for containers on shared storage; only what the storage's type supports.
   */
  storageContent?: Record<string, string[]>;
  /** Called with every API request as sent (before validation), e.g. to check them all against the schema. */
  onRequest?: (record: SimRequestRecord) => void;
}

export interface NodeCapacity {
  maxcpu?: number;
  maxmemGiB?: number;
}

function applyNodeCapacity(nodes: GeneratedCluster['nodes'], capacity: SimOptions['nodeCapacity']): void {
  if (!capacity) return;
  const all = 'maxcpu' in capacity || 'maxmemGiB' in capacity ? (capacity as NodeCapacity) : undefined;
  for (const n of nodes) {
    const c = all ?? (capacity as Record<string, NodeCapacity>)[n.node];
    if (!c) continue;
    if (c.maxcpu !== undefined) {
      if (!Number.isInteger(c.maxcpu) || c.maxcpu < 1) throw new Error(`nodeCapacity maxcpu of ${n.node} must be a positive integer`);
      n.maxcpu = c.maxcpu;
    }
    if (c.maxmemGiB !== undefined) {
      if (!(c.maxmemGiB > 0)) throw new Error(`nodeCapacity maxmemGiB of ${n.node} must be a positive number`);
      n.maxmem = Math.round(c.maxmemGiB * 1024 ** 3);
    }
  }
}

export interface FaultControl {
  set(patch: Partial<FaultSettings>): void;
  reset(): void;
  readonly current: FaultSettings;
}

export interface StatsView extends RequestStats {
  reset(): void;
}

export interface Simulator {
  /** The PVE release it answers as. */
  pve: PveProfileName;
  /** e.g. https://127.0.0.1:40123 (no /api2/json). */
  url: string;
  /** SHA-256 of the certificate in PVE's notation (AB:CD:...); empty over plain HTTP. */
  fingerprint: string;
  certPem: string;
  credentials: SimCredentials;
  faults: FaultControl;
  /** Read-only true state, for tests to assert on what really happened. */
  state: SimStateView;
  stats: StatsView;
  /** Guest behaviour for tests: a guest that ignores ACPI shutdown, one whose live migration fails. */
  setGuestBehaviour(vmid: number, behaviour: GuestBehaviour): void;
  close(): Promise<void>;
}

function seededRandom(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const handlers = {
  ...clusterHandlers,
  ...taskHandlers,
  ...qemuConfigHandlers,
  ...qemuPowerHandlers,
  ...qemuSnapshotHandlers,
  ...qemuLifecycleHandlers,
  ...qemuAdminHandlers,
  ...qemuMigrateHandlers,
  ...storageHandlers,
  ...storageDownloadHandlers,
  ...vzdumpHandlers,
  ...pruneBackupsHandlers,
  ...poolHandlers,
  ...lxcHandlers,
  ...lxcCreateHandlers,
  ...qemuAgentHandlers,
  ...lxcPowerHandlers,
  ...lxcSnapshotHandlers,
  ...lxcConfigHandlers,
  ...lxcMigrateHandlers,
  ...lxcMigratePreconditionHandlers,
  ...networkHandlers,
  ...lxcLifecycleHandlers,
  ...haHandlers,
  ...haWriteHandlers,
  ...capabilityHandlers,
  ...accessHandlers(),
};

export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1;
  const rand = seededRandom(seed);
  const faults: FaultSettings = {
    ...defaultFaults(),
    ...(opts.taskDurationMs !== undefined ? checkFaultPatch({ taskDurationMs: opts.taskDurationMs }) : {}),
    ...(opts.ticketLifetimeSeconds !== undefined ? checkFaultPatch({ ticketLifetimeSeconds: opts.ticketLifetimeSeconds }) : {}),
    ...(opts.offlineNodes ? { offlineNodes: [...opts.offlineNodes] } : {}),
    ...checkFaultPatch((opts.faults ?? {}) as Record<string, unknown>),
  };
  const initialFaults = copyFaults(faults);
  // Certificate generation (RSA) overlaps with building the cluster.
  const certPromise = opts.http ? undefined : simCertificate(opts.statePath ? join(dirname(opts.statePath), 'sim-cert.json') : undefined);
  const profile = pveProfile(opts.pve);
  const generated = generateCluster({ seed, nodes: opts.nodes ?? 4, vms: opts.vms ?? 60, now: Math.floor(Date.now() / 1000), containers: !!opts.containers });
  applyNodeCapacity(generated.nodes, opts.nodeCapacity);
  applyStorageContent(generated.storages, opts.storageContent);
  const sim = new SimCluster(generated, faults, rand);
  sim.profile = profile;
  const persistence = opts.statePath ? new StatePersistence(sim, opts.statePath) : undefined;
  // A saved state brings its own HA stack (or seeds the demo's for its guests).
  if (!persistence?.load()) seedHa(sim, profile);
  persistence?.watch();

  const auth = new SimAuth(() => faults.ticketLifetimeSeconds, opts.tokenSecret);
  const stats: RequestStats = { requests: 0, byRoute: {}, injected: { errors: 0, drops: 0, lostAnswers: 0 } };
  const state = trueState(sim);
  // PVE's CRM looks at every service every 10 s; this one on demand, so a node back online asks for a round.
  const setFaults = (patch: Partial<FaultSettings>) => {
    Object.assign(faults, checkFaultPatch(patch as Record<string, unknown>));
    sim.touch();
    haKick(sim);
  };
  const resetFaults = () => {
    Object.assign(faults, copyFaults(initialFaults));
    sim.touch();
    haKick(sim);
  };
  const setGuestBehaviour = (vmid: number, behaviour: GuestBehaviour): boolean => {
    if (!sim.vms.has(vmid)) return false;
    if (behaviour.ignoresShutdown !== undefined) {
      if (behaviour.ignoresShutdown) sim.ignoresShutdown.add(vmid);
      else sim.ignoresShutdown.delete(vmid);
    }
    if (behaviour.failsOnlineMigration !== undefined) {
      if (behaviour.failsOnlineMigration) sim.failsOnlineMigration.add(vmid);
      else sim.failsOnlineMigration.delete(vmid);
    }
    return true;
  };
  const control: ControlDeps | undefined = opts.controlEndpoint
    ? { faults: () => copyFaults(faults), setFaults, resetFaults, stateSnapshot: () => state.snapshot(), setGuestBehaviour }
    : undefined;
  const listener = createRequestListener({ sim, auth, handlers, stats, rand, control, onRequest: opts.onRequest });

  const cert = await certPromise;
  const server: Server = cert ? createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 30_000;
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    sim.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  sim.fingerprint = cert?.fingerprint ?? '';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed = false;

  return {
    pve: profile.name,
    url: `${cert ? 'https' : 'http'}://${urlHost}:${port}`,
    fingerprint: cert?.fingerprint ?? '',
    certPem: cert?.certPem ?? '',
    credentials: auth.credentials(),
    faults: {
      set: setFaults,
      reset: resetFaults,
      get current() {
        return copyFaults(faults);
      },
    },
    state,
    stats: Object.assign(stats, {
      reset: () => {
        stats.requests = 0;
        stats.byRoute = {};
        stats.injected = { errors: 0, drops: 0, lostAnswers: 0 };
      },
    }),
    setGuestBehaviour: (vmid, behaviour) => {
      setGuestBehaviour(vmid, behaviour);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      sim.close();
      persistence?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
