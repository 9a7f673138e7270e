// Which bridges each node has (GET /nodes/{node}/network?type=any_bridge): a guest's netN `bridge=` must name
// one of its node's, or its start fails (PVE's tap_plug: "bridge 'X' does not exist"). Provisioning placement
// rules out a node without a group's bridge; migration, drain and undrain refuse a target without the guest's;
// create and clone onto another node refuse a node without the new guest's (nicBridgeProblem).
import { getGuestConfig } from '../pve/endpoints/guest.js';
import { getNodeNetwork } from '../pve/endpoints/nodes.js';
import type { Vm } from '../inventory/model.js';
import type { PveRequester } from '../pve/types.js';
import { RequestError } from './errors.js';

/** The bridges of each node asked for that answered; a node that could not be read is left out (not checked). */
export async function nodeBridges(client: PveRequester, nodes: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await Promise.all(
    nodes.map(async (node) => {
      try {
        out[node] = (await getNodeNetwork(client, node, { type: 'any_bridge' })).map((i) => i.iface);
      } catch {
        // Offline or unreadable: placement and migration say so on their own terms; no bridge verdict here.
      }
    }),
  );
  return out;
}

/** The bridges a guest's config (or planned NIC values) names: `bridge=` of every netN. */
export function bridgesOf(nets: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of nets) {
    const b = /(?:^|,)bridge=([^,]+)/.exec(v)?.[1];
    if (b) out.add(b);
  }
  return [...out];
}

/** Why `node` cannot carry these bridges ("no bridge 'wsdc1up' on pve3 (it has vmbr0, workshop)"); undefined if it can or is unknown. */
export function missingBridge(node: string, wanted: readonly string[], have: Record<string, string[]> | undefined): string | undefined {
  const list = have?.[node];
  if (!list) return undefined;
  const missing = wanted.filter((b) => !list.includes(b));
  if (!missing.length) return undefined;
  return `no bridge ${missing.map((b) => `'${b}'`).join(', ')} on ${node} (it has ${list.join(', ') || 'none'})`;
}

/**
 * Why a guest cannot move to `target` for its bridges (its config's netN against the target's network), or
 * undefined. `targetBridges` is the target's list when already read (one read for a whole selection).
 */
export async function guestBridgeProblem(client: PveRequester, vm: Pick<Vm, 'vmid' | 'node' | 'type'>, target: string, targetBridges?: Record<string, string[]>): Promise<string | undefined> {
  const wanted = await guestBridges(client, vm);
  if (!wanted.length) return undefined;
  const have = targetBridges?.[target] !== undefined ? targetBridges : await nodeBridges(client, [target]);
  return movedBridgeProblem(target, wanted, have);
}

/** The bridges a guest's NICs name now (its config's netN). */
export async function guestBridges(client: PveRequester, vm: Pick<Vm, 'vmid' | 'node' | 'type'>): Promise<string[]> {
  const config = (await getGuestConfig(client, { type: vm.type, node: vm.node, vmid: vm.vmid })) as Record<string, unknown>;
  return bridgesOf(netValues(config).map(([, v]) => v));
}

/** A config's (or planned params') NICs, net0 first: [key, value]. */
export function netValues(config: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(config)
    .filter(([k]) => /^net\d+$/.test(k))
    .map(([k, v]): [string, string] => [k, String(v)])
    .sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3)));
}

/**
 * Why a guest with these NICs (netValues) cannot be made on `node`: the first NIC whose bridge the node lacks
 * and the reason, naming the bridge and the node (movedBridgeProblem's words); undefined when the node has them
 * all or its network could not be read.
 */
export async function nicBridgeProblem(client: PveRequester, node: string, nics: ReadonlyArray<[string, string]>): Promise<{ nic: string; index: number; problem: string } | undefined> {
  const wanted = bridgesOf(nics.map(([, v]) => v));
  if (!wanted.length) return undefined;
  const have = await nodeBridges(client, [node]);
  const problem = movedBridgeProblem(node, wanted, have);
  if (!problem) return undefined;
  const index = nics.findIndex(([, v]) => bridgesOf([v]).some((b) => !have[node]!.includes(b)));
  return { nic: nics[index][0], index, problem };
}

/** A migration's refusal for bridges the target lacks (missingBridge, said for a move). */
export function movedBridgeProblem(target: string, wanted: readonly string[], have: Record<string, string[]> | undefined): string | undefined {
  const missing = missingBridge(target, wanted, have);
  return missing ? `${missing}: its NICs would not start there` : undefined;
}

/** Refuses a new guest whose planned NICs (params' netN) name a bridge `node` lacks: a RequestError on that NIC's request field. */
export async function refuseMissingBridges(client: PveRequester, node: string, params: Record<string, unknown>, fieldOf: (index: number) => string): Promise<void> {
  const bad = await nicBridgeProblem(client, node, netValues(params));
  if (bad) throw new RequestError(fieldOf(bad.index), bad.problem);
}
