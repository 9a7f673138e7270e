// startSimulator: a simulated Proxmox VE 8 cluster speaking the real API over HTTP(S) on loopback.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join, dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SimAuth, type SimCredentials } from './auth.js';
import { simCertificate } from './certificate.js';
import { SimCluster } from './cluster.js';
import { defaultFaults, checkFaultPatch, type FaultSettings } from './faults.js';
import { generateCluster } from './generator.js';
import { accessHandlers } from './handlers/access.js';
import { clusterHandlers } from './handlers/cluster.js';
import { qemuConfigHandlers } from './handlers/qemu-config.js';
import { qemuLifecycleHandlers } from './handlers/qemu-lifecycle.js';
import { qemuPowerHandlers } from './handlers/qemu-power.js';
import { qemuSnapshotHandlers } from './handlers/qemu-snapshot.js';
import { storageHandlers } from './handlers/storage.js';
import { taskHandlers } from './handlers/tasks.js';
import { createRequestListener, type RequestStats } from './server.js';
import { routeTable } from './schema/routes.js';
import { trueState, type SimStateView } from './state-view.js';

export type { FaultSettings } from './faults.js';
export type { SimCredentials } from './auth.js';
export type { SimVm, SimNode, SimTask, SimVolume } from './model.js';
export type { SimStateView } from './state-view.js';

export interface SimOptions {
  seed?: number;
  nodes?: number;
  vms?: number;
  /** Plain HTTP instead of HTTPS (tests only; PVE itself never offers it). */
  http?: boolean;
  host?: string;
  /** 0 = a free port. */
  port?: number;
  taskDurationMs?: number;
  ticketLifetimeSeconds?: number;
  offlineNodes?: string[];
  /** Serve /_sim/state and /_sim/faults outside /api2 (off by default). */
  controlEndpoint?: boolean;
  /** Persist the cluster as JSON here (loaded at start when present); the certificate is kept beside it. */
  statePath?: string;
  /** Use this API token secret instead of a random UUID. */
  tokenSecret?: string;
  /** Initial faults. */
  faults?: Partial<FaultSettings>;
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
  url: string;
  fingerprint: string;
  certPem: string;
  credentials: SimCredentials;
  faults: FaultControl;
  state: SimStateView;
  stats: StatsView;
  /** Guest behaviour for tests: a guest that ignores ACPI shutdown. */
  setGuestBehaviour(vmid: number, behaviour: { ignoresShutdown?: boolean }): void;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1;
  let rngState = (seed * 2654435761) >>> 0;
  const rand = () => {
    rngState = (rngState + 0x6d2b79f5) >>> 0;
    let t = rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const faults: FaultSettings = {
    ...defaultFaults(),
    ...(opts.taskDurationMs !== undefined ? { taskDurationMs: opts.taskDurationMs } : {}),
    ...(opts.ticketLifetimeSeconds !== undefined ? { ticketLifetimeSeconds: opts.ticketLifetimeSeconds } : {}),
    ...(opts.offlineNodes ? { offlineNodes: [...opts.offlineNodes] } : {}),
    ...checkFaultPatch((opts.faults ?? {}) as Record<string, unknown>),
  };
  const initialFaults = { ...faults, offlineNodes: [...faults.offlineNodes] };
  const generated = generateCluster({ seed, nodes: opts.nodes ?? 4, vms: opts.vms ?? 60, now: Math.floor(Date.now() / 1000) });
  const sim = new SimCluster(generated, faults, rand, opts.statePath);
  sim.load();
  routeTable();

  const auth = new SimAuth(() => faults.ticketLifetimeSeconds, opts.tokenSecret);
  const stats: RequestStats = { requests: 0, byRoute: {} };
  const handlers = {
    ...clusterHandlers,
    ...taskHandlers,
    ...qemuConfigHandlers,
    ...qemuPowerHandlers,
    ...qemuSnapshotHandlers,
    ...qemuLifecycleHandlers,
    ...storageHandlers,
    ...accessHandlers(),
  };
  const state = trueState(sim);
  const listener = createRequestListener({ sim, auth, handlers, stats, rand, controlEndpoint: !!opts.controlEndpoint, stateSnapshot: () => state.snapshot() });

  const cert = opts.http ? undefined : await simCertificate(opts.statePath ? join(dirname(opts.statePath), 'sim-cert.json') : undefined);
  const server: Server = cert ? createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 30_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  sim.fingerprint = cert?.fingerprint ?? '';
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${cert ? 'https' : 'http'}://${urlHost}:${port}`,
    fingerprint: cert?.fingerprint ?? '',
    certPem: cert?.certPem ?? '',
    credentials: auth.credentials(),
    faults: {
      set: (patch) => {
        Object.assign(faults, checkFaultPatch(patch as Record<string, unknown>));
        sim.touch();
      },
      reset: () => {
        Object.assign(faults, { ...initialFaults, offlineNodes: [...initialFaults.offlineNodes] });
        sim.touch();
      },
      get current() {
        return { ...faults, offlineNodes: [...faults.offlineNodes] };
      },
    },
    state,
    stats: Object.assign(stats, {
      reset: () => {
        stats.requests = 0;
        stats.byRoute = {};
      },
    }),
    setGuestBehaviour: (vmid, behaviour) => {
      if (behaviour.ignoresShutdown) sim.ignoresShutdown.add(vmid);
      else sim.ignoresShutdown.delete(vmid);
    },
    close: async () => {
      sim.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
