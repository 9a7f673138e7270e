// Typed calls for /pools.
import type { PveRequester } from '../types.js';

export const getPools = (c: PveRequester) => c.get<Array<{ poolid: string; comment?: string }>>('/pools');
export const getPool = (c: PveRequester, poolid: string) =>
  c.get<{ comment?: string; members: Array<{ id: string; vmid?: number; node: string; type: string; name?: string }> }>(`/pools/${encodeURIComponent(poolid)}`);
