// One scheduler per state directory: a lease held as a lock file whose mtime the holder keeps fresh.
// A second scheduler waits for it or gives up with a clear message; a crashed holder's lease goes stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

export class LeaseTakenError extends Error {}

export async function acquireSchedulerLease(stateDir: string, opts: { wait: boolean }): Promise<() => Promise<void>> {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'scheduler.lease');
  writeFileSync(file, `${process.pid}\n`);
  const attempt = () =>
    lockfile.lock(file, {
      realpath: false,
      stale: 30_000,
      update: 10_000,
      retries: opts.wait ? { retries: 1_000_000, minTimeout: 1000, maxTimeout: 5000 } : 0,
      onCompromised: (err) => {
        process.stderr.write(`moxxie scheduler: lost the scheduler lease (${err.message}); stopping\n`);
        process.exit(1);
      },
    });
  try {
    return await attempt();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LeaseTakenError(`another moxxie scheduler already runs for ${stateDir}; only one may run jobs per state directory (use --wait to take over when it stops)`);
    }
    throw err;
  }
}
