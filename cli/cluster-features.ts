// The `moxxie config test` lines about what the cluster supports (HA model, guest-agent privilege name,
// parameters of one release only), from src/pve/features.ts.
import { getAccessPermissions } from '../src/pve/endpoints/cluster.js';
import { checkPrivileges } from '../src/ops/capability-privileges.js';
import { OPERATION_KINDS } from '../src/ops/types.js';
import { CLUSTER_FEATURES, clusterFeatures } from '../src/pve/features.js';
import type { PveRequester } from '../src/pve/types.js';

export async function featureReport(client: PveRequester): Promise<string[]> {
  let features;
  try {
    features = await clusterFeatures(client);
  } catch (err) {
    return [`features: unknown (${err instanceof Error ? err.message : String(err)})`];
  }
  const f = features.features;
  const ha = features.ha === 'none' ? `none readable (${f['ha-rules'].reason}; ${f['ha-groups'].reason})` : `${features.ha} (${f[features.ha === 'rules' ? 'ha-rules' : 'ha-groups'].reason})`;
  let agent: string;
  let privileges: string[];
  try {
    const perms = await getAccessPermissions(client);
    const onVms = { ...(perms['/'] ?? {}), ...(perms['/vms'] ?? {}) };
    agent = onVms[features.agentPrivilege] ? `yes: ${features.agentPrivilege} on /vms` : `no: ${features.agentPrivilege} (this release's name for it) is not held on /vms`;
    // What each capability's PVE calls need, in this release's privilege names.
    const check = checkPrivileges(features, perms, OPERATION_KINDS);
    privileges = check.missing.length
      ? [`privileges: ${check.ready.length} capabilities ready; ${check.missing.length} lack a privilege:`, ...check.missing.map((m) => `            ${m.kind}: ${m.needs.map((n) => `${n.privilege} on ${n.on}`).join(', ')}`)]
      : [`privileges: every capability's privileges are held (${check.ready.length} checked, PVE ${features.release} names)`];
  } catch (err) {
    agent = `unknown: GET /access/permissions failed (${err instanceof Error ? err.message : String(err)})`;
    privileges = [];
  }
  return [
    `ha:       ${ha}`,
    `agent:    ${agent}`,
    ...privileges,
    ...CLUSTER_FEATURES.filter((k) => k !== 'ha-rules' && k !== 'ha-groups').map((k, i) => `${i === 0 ? 'features: ' : '          '}${k}: ${f[k].available ? 'yes' : 'no'} (${f[k].reason})`),
  ];
}
