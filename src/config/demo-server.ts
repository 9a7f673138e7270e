// One demo cluster per state directory. The first `--demo` process serves the simulated cluster and writes
// where it listens to demo-server.json; later ones (the TUI and `moxxie mcp --demo` side by side) connect
// to it instead of starting a second simulator that would see other VMs and overwrite the saved state.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { currentOwner, ownerGone, type ProcessOwner } from '../history/process-owner.js';

export interface DemoEndpoint {
  url: string;
  fingerprint: string;
  tokenId: string;
  tokenSecret: string;
}

interface DemoServerFile extends DemoEndpoint {
  owner: ProcessOwner;
  /** Set when the serving process begins to close: openers wait for it to finish instead of joining. */
  closing?: true;
}

export type ServedDemo = DemoEndpoint & { owner: ProcessOwner; closing?: true };

export interface DemoAnnouncement {
  /** Says, at once and outside the lock, that this demo is going away, so no opener joins it meanwhile. */
  markClosing(): void;
  /** Removes the announcement (only our own: a process that took over since keeps its file). */
  withdraw(): void;
}

const fileOf = (stateDir: string) => join(stateDir, 'demo-server.json');

/** The endpoint of a demo cluster another live process serves from this state directory, if any. */
export function runningDemo(stateDir: string): ServedDemo | undefined {
  let data: DemoServerFile;
  try {
    data = JSON.parse(readFileSync(fileOf(stateDir), 'utf8')) as DemoServerFile;
  } catch {
    return undefined;
  }
  if (!data?.owner || typeof data.url !== 'string' || ownerGone(data.owner)) return undefined;
  return data;
}

/** Announces this process's demo cluster; the file holds the demo's token, so only the user may read it. */
export function announceDemo(stateDir: string, endpoint: DemoEndpoint): DemoAnnouncement {
  mkdirSync(stateDir, { recursive: true });
  const file = fileOf(stateDir);
  const owner = currentOwner();
  const write = (data: DemoServerFile) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, file);
  };
  const ours = () => {
    const now = runningDemo(stateDir);
    return !now || (now.owner.pid === owner.pid && now.url === endpoint.url);
  };
  write({ ...endpoint, owner });
  return {
    markClosing: () => {
      if (ours()) write({ ...endpoint, owner, closing: true });
    },
    withdraw: () => {
      if (ours()) rmSync(file, { force: true });
    },
  };
}

/**
 * Serialises "is one running? if not, start one" between processes opening the demo at the same moment. A
 * holder closing its demo is done within a moment, so the lock is asked for again often (every 10–100 ms).
 */
export async function withDemoLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const release = await lockfile.lock(stateDir, { lockfilePath: join(stateDir, 'demo-server.lock'), stale: 10_000, retries: { retries: 100, minTimeout: 10, factor: 1.5, maxTimeout: 100 } });
  try {
    return await fn();
  } finally {
    await release();
  }
}
