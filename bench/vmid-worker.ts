// One moxxie-like process taking VM ids from a cluster (the allocator test and the lifecycle bench run several at
// once against one simulator): `node vmid-worker.js '<json>'`.
//   mode 'hold':   reserve `count` ids at once, print them as one JSON line, keep them until stdin ends, release.
//   mode 'create': `count` times reserve -> create the VM with that id (no retry) -> release, `parallel` at a time;
//                  print {ids, collisions} where a collision is PVE's "already exists" for an id we were given.
import { postQemu } from '../src/pve/endpoints/qemu.js';
import { PveClient } from '../src/pve/client.js';
import { createVmidAllocator, isVmidTaken, type VmidReservation } from '../src/ops/vmid-allocator.js';

export interface WorkerArgs {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint: string;
  /** Reservation directory shared by the workers; absent = in-process only (to show what goes wrong without it). */
  dir?: string;
  mode: 'hold' | 'create';
  count: number;
  node?: string;
  parallel?: number;
  name?: string;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
  const client = new PveClient({ url: a.url, auth: { tokenId: a.tokenId, tokenSecret: a.tokenSecret }, tls: { fingerprint: a.fingerprint }, taskPollIntervalMs: 10 });
  const vmids = createVmidAllocator({ dir: a.dir });
  try {
    if (a.mode === 'hold') {
      const held: VmidReservation[] = await Promise.all(Array.from({ length: a.count }, () => vmids.reserve(client)));
      process.stdout.write(`${JSON.stringify({ ids: held.map((r) => r.vmid) })}\n`);
      await new Promise<void>((resolve) => {
        process.stdin.on('end', resolve).on('close', resolve).resume();
      });
      await Promise.all(held.map((r) => r.release()));
      return;
    }
    const ids: number[] = [];
    let collisions = 0;
    let next = 0;
    const one = async (): Promise<void> => {
      while (next < a.count) {
        next++;
        const r = await vmids.reserve(client);
        try {
          const upid = await postQemu(client, a.node ?? 'pve1', { vmid: r.vmid, name: `${a.name ?? 'w'}-${r.vmid}`, memory: '512' });
          const result = await client.waitForTask(upid, { timeoutMs: 60_000 });
          if (!result.ok) throw new Error(result.exitstatus);
          ids.push(r.vmid);
        } catch (err) {
          if (!isVmidTaken(err)) throw err;
          collisions++;
        } finally {
          await r.release();
        }
      }
    };
    await Promise.all(Array.from({ length: a.parallel ?? 5 }, one));
    process.stdout.write(`${JSON.stringify({ ids, collisions })}\n`);
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`vmid-worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
