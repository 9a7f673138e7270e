// Resource pools: /pools (8.1+ style, with ?poolid=) and the deprecated /pools/{poolid}.
import { SimApiError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimPoolRecord } from '../model.js';
import { splitList } from '../schema/formats.js';
import { bool, requirePriv, str, type HandlerContext, type HandlerTable } from './context.js';
import { guestResource, storageResource, storageUsage } from './resources.js';

function poolOf(sim: SimCluster, id: string): SimPoolRecord {
  const p = sim.pools.get(id);
  if (!p) throw new SimApiError(500, `pool '${id}' does not exist`);
  return p;
}

function members(sim: SimCluster, pool: SimPoolRecord, type?: string): unknown[] {
  const out: unknown[] = [];
  if (!type || type === 'qemu' || type === 'lxc') {
    for (const vm of sim.vms.values()) if (vm.pool === pool.poolid && (!type || vm.type === type)) out.push(guestResource(sim, vm));
  }
  if ((!type || type === 'storage') && pool.storage?.length) {
    const used = storageUsage(sim);
    for (const id of pool.storage) {
      const s = sim.storages.get(id);
      if (s) for (const node of sim.nodes.keys()) out.push(storageResource(sim, node, s, used));
    }
  }
  return out;
}

function createPool(ctx: HandlerContext): null {
  requirePriv(ctx, '/pool', 'Pool.Allocate');
  const id = String(ctx.params.poolid);
  if (ctx.sim.pools.has(id)) throw new SimApiError(500, `pool '${id}' already exists`);
  const parent = id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : undefined;
  if (parent && !ctx.sim.pools.has(parent)) throw new SimApiError(500, `parent '${parent}' of pool '${id}' does not exist`);
  const comment = str(ctx.params, 'comment');
  ctx.sim.pools.set(id, { poolid: id, ...(comment ? { comment } : {}) });
  ctx.sim.touch();
  return null;
}

function updatePool(ctx: HandlerContext): null {
  const { sim, params } = ctx;
  const pool = poolOf(sim, String(params.poolid));
  requirePriv(ctx, `/pool/${pool.poolid}`, 'Pool.Allocate');
  const remove = bool(params, 'delete');
  const allowMove = bool(params, 'allow-move');
  const comment = str(params, 'comment');
  const vmids = splitList(str(params, 'vms') ?? '').map(Number);
  const storages = splitList(str(params, 'storage') ?? '');
  // Check everything before changing anything, so a failed call leaves the pool as it was.
  for (const id of vmids) {
    const vm = sim.vms.get(id);
    if (!vm) throw new SimApiError(500, `VM ${id} does not exist`);
    if (remove && vm.pool !== pool.poolid) throw new SimApiError(500, `VM ${id} is not a pool member`);
    if (!remove && vm.pool === pool.poolid) throw new SimApiError(500, `VM ${id} is already a pool member`);
    if (!remove && vm.pool && !allowMove) throw new SimApiError(500, `VM ${id} belongs already to pool '${vm.pool}' and 'allow-move' is not set`);
  }
  for (const s of storages) {
    sim.storage(s);
    const member = pool.storage?.includes(s);
    if (remove && !member) throw new SimApiError(500, `Storage '${s}' is not a pool member`);
    if (!remove && member) throw new SimApiError(500, `Storage '${s}' is already a pool member`);
  }
  if (comment !== undefined) pool.comment = comment || undefined;
  for (const id of vmids) {
    const vm = sim.vms.get(id);
    if (vm) vm.pool = remove ? undefined : pool.poolid;
  }
  if (storages.length) pool.storage = remove ? (pool.storage ?? []).filter((s) => !storages.includes(s)) : [...(pool.storage ?? []), ...storages];
  sim.touch();
  return null;
}

function deletePool(ctx: HandlerContext): null {
  const { sim } = ctx;
  const pool = poolOf(sim, String(ctx.params.poolid));
  requirePriv(ctx, `/pool/${pool.poolid}`, 'Pool.Allocate');
  const vm = [...sim.vms.values()].find((v) => v.pool === pool.poolid);
  if (vm) throw new SimApiError(500, `pool '${pool.poolid}' is not empty (contains VM ${vm.vmid})`);
  if (pool.storage?.length) throw new SimApiError(500, `pool '${pool.poolid}' is not empty (contains storage '${pool.storage[0]}')`);
  const child = [...sim.pools.keys()].find((p) => p.startsWith(`${pool.poolid}/`));
  if (child) throw new SimApiError(500, `pool '${pool.poolid}' is not empty (contains sub-pool '${child}')`);
  sim.pools.delete(pool.poolid);
  sim.touch();
  return null;
}

export const poolHandlers: HandlerTable = {
  'GET /pools': ({ sim, params }) => {
    const id = str(params, 'poolid');
    const type = str(params, 'type');
    if (id) {
      const p = poolOf(sim, id);
      return [{ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}), members: members(sim, p, type) }];
    }
    return [...sim.pools.values()].map((p) => ({ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}) }));
  },
  'POST /pools': createPool,
  'PUT /pools': updatePool,
  'DELETE /pools': deletePool,

  'GET /pools/{poolid}': ({ sim, params }) => {
    const p = poolOf(sim, String(params.poolid));
    return { ...(p.comment ? { comment: p.comment } : {}), members: members(sim, p, str(params, 'type')) };
  },
  'PUT /pools/{poolid}': updatePool,
  'DELETE /pools/{poolid}': deletePool,
};
