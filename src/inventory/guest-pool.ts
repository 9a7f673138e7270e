// The pool a guest belongs to now, without the whole inventory: PVE's pool list, then each pool's qemu and lxc
// members (GET /pools, GET /pools/{poolid}); a cluster has few pools, so this is a handful of small reads
// where /cluster/resources would list every guest. A pool deleted between the two reads holds nobody.
import type { PveRequester } from '../pve/types.js';
import { getPool, getPools } from '../pve/endpoints/pools.js';
import { PveError } from '../pve/errors.js';

export async function guestPool(client: PveRequester, vmid: number): Promise<string | undefined> {
  const pools = await getPools(client);
  const holders = await Promise.all(
    pools.map(async (p) => {
      try {
        return (await getPool(client, p.poolid)).members.some((m) => m.vmid === vmid) ? p.poolid : undefined;
      } catch (err) {
        if (err instanceof PveError && /does not exist/.test(err.message)) return undefined;
        throw err;
      }
    }),
  );
  return holders.find((p) => p !== undefined);
}
