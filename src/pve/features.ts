// What the connected cluster supports, detected once per client: from /version and by asking for the
// capability itself (the HA rules and groups endpoints, the node's migration capabilities, the privilege
// names the permissions answer holds), never from the version string alone. Parameters that exist on one
// release only have no endpoint to ask, so they follow the release /version reports (changes-9.x.json).
// A request that needs a feature the cluster lacks is refused here, with the reason, before it is sent.
import { PveError } from './errors.js';
import type { PveRequester } from './types.js';

export type ClusterFeature =
  /** PVE 9: /cluster/ha/rules (node-affinity, resource-affinity). */
  | 'ha-rules'
  /** PVE 8 (and 9 before the groups are migrated): /cluster/ha/groups. */
  | 'ha-groups'
  /** PVE 9: migrate (and start) with-conntrack-state, backed by the node's dbus-vmstate helper. */
  | 'migrate-conntrack-state'
  /** PVE 8 only: vzdump notification-policy / notification-target (removed in 9.0). */
  | 'vzdump-notification-policy'
  /** PVE 9: VM.GuestAgent.* privileges (VM.Monitor is gone). */
  | 'guest-agent-privileges'
  /** PVE 9.1: pct create's ha-managed (add the new CT as an HA resource). */
  | 'lxc-create-ha-managed';

export const CLUSTER_FEATURES: readonly ClusterFeature[] = ['ha-rules', 'ha-groups', 'migrate-conntrack-state', 'vzdump-notification-policy', 'guest-agent-privileges', 'lxc-create-ha-managed'];

export interface FeatureState {
  available: boolean;
  /** How it was decided, or why it is missing. */
  reason: string;
}

export interface ClusterFeatures {
  version: string;
  release: string;
  features: Record<ClusterFeature, FeatureState>;
  /** The HA placement model to use: rules (9), groups (8), or none readable. */
  ha: 'rules' | 'groups' | 'none';
  /** The privilege that lets a user read guest-agent data on this release. */
  agentPrivilege: 'VM.GuestAgent.Audit' | 'VM.Monitor';
}

export class FeatureUnavailableError extends Error {
  constructor(
    readonly feature: ClusterFeature,
    readonly reason: string,
  ) {
    super(`the cluster does not support ${feature}: ${reason}`);
    this.name = 'FeatureUnavailableError';
  }
}

/** Parameters that exist on one release only, per schema path (changes-9.x.json). */
const VERSIONED_PARAMETERS: Record<string, Record<string, ClusterFeature>> = {
  'POST /nodes/{node}/vzdump': { 'notification-policy': 'vzdump-notification-policy', 'notification-target': 'vzdump-notification-policy' },
  'POST /nodes/{node}/qemu/{vmid}/migrate': { 'with-conntrack-state': 'migrate-conntrack-state' },
  'POST /nodes/{node}/qemu/{vmid}/status/start': { 'with-conntrack-state': 'migrate-conntrack-state' },
  'POST /nodes/{node}/lxc': { 'ha-managed': 'lxc-create-ha-managed' },
};

const statusOf = (err: unknown): number | undefined => (err instanceof PveError ? err.status : undefined);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const major = (release: string): number => Number(/^(\d+)/.exec(release)?.[1] ?? 0);
/** 9.1 → 901: releases compare by major and minor. */
const minorRelease = (release: string): number => {
  const m = /^(\d+)(?:\.(\d+))?/.exec(release);
  return m ? Number(m[1]) * 100 + Number(m[2] ?? 0) : 0;
};

async function probe<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status?: number; message: string }> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    return { ok: false, status: statusOf(err), message: messageOf(err) };
  }
}

/** Asks the cluster; each probe that fails says why in its feature's reason. */
export async function detectFeatures(client: PveRequester): Promise<ClusterFeatures> {
  const version = await client.get<{ version: string; release: string }>('/version');
  const release = String(version.release ?? version.version ?? '');
  const [rules, perms, nodes] = await Promise.all([
    probe(() => client.get<unknown[]>('/cluster/ha/rules')),
    probe(() => client.get<Record<string, Record<string, number>>>('/access/permissions')),
    probe(() => client.get<Array<{ node: string; status?: string }>>('/nodes')),
  ]);
  // Groups only matter without rules; on PVE 9 their 500 ("migrated to rules") would cost the client's retries.
  const groups = rules.ok ? undefined : await probe(() => client.get<unknown[]>('/cluster/ha/groups'));
  const node = nodes.ok ? nodes.value.find((n) => n.status === 'online')?.node : undefined;
  const migration = node ? await probe(() => client.get<Record<string, unknown>>(`/nodes/${encodeURIComponent(node)}/capabilities/qemu/migration`)) : undefined;

  const absent = (what: string, p: { status?: number; message: string }) =>
    p.status === 501 ? `PVE ${release} has no ${what} (GET answers 501)` : `GET ${what} failed: ${p.message}`;
  const features = {} as Record<ClusterFeature, FeatureState>;
  features['ha-rules'] = rules.ok ? { available: true, reason: 'GET /cluster/ha/rules answers' } : { available: false, reason: absent('/cluster/ha/rules', rules) };
  features['ha-groups'] = !groups
    ? { available: false, reason: 'not used: the cluster has HA rules, which replace groups' }
    : groups.ok
      ? { available: true, reason: 'GET /cluster/ha/groups answers' }
      : { available: false, reason: /migrated to rules/.test(groups.message) ? 'the HA groups have been migrated to rules on this cluster' : absent('/cluster/ha/groups', groups) };
  if (!migration) features['migrate-conntrack-state'] = { available: false, reason: 'no online node to ask for its migration capabilities' };
  else if (migration.ok) {
    const has = Number(migration.value['has-dbus-vmstate']) === 1 || migration.value['has-dbus-vmstate'] === true;
    features['migrate-conntrack-state'] = has ? { available: true, reason: `node ${node} reports has-dbus-vmstate` } : { available: false, reason: `node ${node} reports no dbus-vmstate helper` };
  } else features['migrate-conntrack-state'] = { available: false, reason: absent(`/nodes/${node}/capabilities/qemu/migration`, migration) };
  features['vzdump-notification-policy'] =
    major(release) >= 9 ? { available: false, reason: `removed in PVE 9.0 (the cluster reports ${release}); use notification-mode` } : { available: true, reason: `PVE ${release} has it` };

  // A parameter of pct create, with no endpoint to ask: the release decides (changes-9.x.json: added in 9.1).
  features['lxc-create-ha-managed'] =
    { available: minorRelease(release) >= 901, reason: `added in PVE 9.1; the cluster reports ${release}` };

  const held = perms.ok ? new Set(Object.values(perms.value).flatMap((p) => Object.keys(p))) : new Set<string>();
  const agentPrivs = [...held].some((p) => p.startsWith('VM.GuestAgent.'));
  const monitor = held.has('VM.Monitor');
  // A user who holds neither shows nothing: then the release decides which name applies.
  const newNames = agentPrivs || (!monitor && major(release) >= 9);
  features['guest-agent-privileges'] = newNames
    ? { available: true, reason: agentPrivs ? 'the permissions list VM.GuestAgent.*' : `PVE ${release} names them VM.GuestAgent.*` }
    : { available: false, reason: monitor ? 'the permissions list VM.Monitor (PVE 8 naming)' : `PVE ${release} uses VM.Monitor` };

  return {
    version: String(version.version ?? ''),
    release,
    features,
    ha: features['ha-rules'].available ? 'rules' : features['ha-groups'].available ? 'groups' : 'none',
    agentPrivilege: newNames ? 'VM.GuestAgent.Audit' : 'VM.Monitor',
  };
}

const cache = new WeakMap<object, Promise<ClusterFeatures>>();

/** detectFeatures once per client (a failed detection is retried next time). */
export function clusterFeatures(client: PveRequester): Promise<ClusterFeatures> {
  let hit = cache.get(client);
  if (!hit) {
    hit = detectFeatures(client);
    cache.set(client, hit);
    hit.catch(() => cache.delete(client));
  }
  return hit;
}

export function requireFeature(features: ClusterFeatures, feature: ClusterFeature): void {
  const state = features.features[feature];
  if (!state.available) throw new FeatureUnavailableError(feature, state.reason);
}

/**
 * Refuses parameters the cluster's release does not have, naming each, before the request is sent
 * (`route` is 'METHOD /schema/path', e.g. 'POST /nodes/{node}/vzdump').
 */
export function assertParametersSupported(features: ClusterFeatures, route: string, params: Record<string, unknown>): void {
  const gated = VERSIONED_PARAMETERS[route] ?? {};
  for (const [name, feature] of Object.entries(gated)) {
    if (params[name] === undefined) continue;
    const state = features.features[feature];
    if (!state.available) throw new FeatureUnavailableError(feature, `parameter '${name}' of ${route}: ${state.reason}`);
  }
}

/** The schema route of a concrete write that may carry a release-specific parameter, if any. */
function gatedRoute(method: string, path: string): string | undefined {
  const p = path.replace(/\/+$/, '');
  if (method === 'POST' && /^\/nodes\/[^/]+\/vzdump$/.test(p)) return 'POST /nodes/{node}/vzdump';
  if (method === 'POST' && /^\/nodes\/[^/]+\/qemu\/\d+\/migrate$/.test(p)) return 'POST /nodes/{node}/qemu/{vmid}/migrate';
  if (method === 'POST' && /^\/nodes\/[^/]+\/qemu\/\d+\/status\/start$/.test(p)) return 'POST /nodes/{node}/qemu/{vmid}/status/start';
  if (method === 'POST' && /^\/nodes\/[^/]+\/lxc$/.test(p)) return 'POST /nodes/{node}/lxc';
  return undefined;
}

/**
 * The client's check before sending a write: a parameter of one release only is refused, with the reason,
 * when the cluster lacks it. Costs nothing for requests without such a parameter.
 */
export async function guardRequest(client: PveRequester, method: string, path: string, params: Record<string, unknown> | undefined): Promise<void> {
  const route = gatedRoute(method, path);
  if (!route || !params) return;
  if (!Object.keys(VERSIONED_PARAMETERS[route] ?? {}).some((k) => params[k] !== undefined)) return;
  assertParametersSupported(await clusterFeatures(client), route, params);
}
