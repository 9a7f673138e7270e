// options.haResourceAffinity (PVE 9 with HA rules, off by default): each guest of a HARD group becomes an HA
// resource (vm:ID, or ct:ID for a container group) and joins its group's negative resource-affinity rule, so PVE's HA manager also keeps the
// VMs apart when it recovers or moves them. The group's VMs run side by side, so each VM adds itself: the
// group's members are the HA resources whose comment names the rule (ids may differ from the plan's), and the
// rule is created once two of them exist (a resource-affinity rule relates at least two), then grown with
// each later member. Every step reads PVE first, so a resume or a concurrent member never does it twice.
// A rollback removes the resources (apply-rollback.ts); PVE's purge drops the rule with its last resource.
import type { PveClient } from '../../pve/client.js';
import { PveError } from '../../pve/errors.js';
import { haSidOf } from '../../pve/ha-sid.js';
import type { Phase } from '../capability.js';
import type { GuestType, OperationTarget } from '../types.js';

/** What a target of a group with an HA rule carries in its spec (plain data, journaled). */
export interface HaRuleSpec {
  rule: string;
  comment: string;
}

interface HaResourceRow {
  sid: string;
  comment?: string;
}
interface HaRuleRow {
  resources: string;
  digest?: string;
}

/** The comment that marks a resource as a member of the rule's group. */
export const memberComment = (rule: string): string => `moxxie: member of HA rule ${rule}`;

const notFound = (err: unknown): boolean => err instanceof PveError && /does not exist|not HA managed|no such resource/.test(err.message);
const alreadyDefined = (err: unknown): boolean => err instanceof PveError && /already defined/.test(err.message);
const modified = (err: unknown): boolean => err instanceof PveError && /detected modified configuration/.test(err.message);

async function haResource(client: PveClient, sid: string): Promise<HaResourceRow | undefined> {
  try {
    return await client.get<HaResourceRow>(`/cluster/ha/resources/${encodeURIComponent(sid)}`);
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

async function haRule(client: PveClient, rule: string): Promise<HaRuleRow | undefined> {
  try {
    return await client.get<HaRuleRow>(`/cluster/ha/rules/${encodeURIComponent(rule)}`);
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

const listOf = (resources: string): string[] => resources.split(',').map((s) => s.trim()).filter(Boolean);

/** Puts `sid` (and every other member already an HA resource) into the rule; returns what it did. */
async function joinRule(client: PveClient, ha: HaRuleSpec, sid: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const members = (await client.get<HaResourceRow[]>('/cluster/ha/resources')).filter((r) => r.comment === memberComment(ha.rule)).map((r) => r.sid);
    if (!members.includes(sid)) members.push(sid);
    if (members.length < 2) return `rule ${ha.rule} waits for a second member`;
    const existing = await haRule(client, ha.rule);
    if (!existing) {
      try {
        await client.post('/cluster/ha/rules', { rule: ha.rule, type: 'resource-affinity', affinity: 'negative', resources: members.join(','), comment: ha.comment });
        return `created HA rule ${ha.rule} (negative resource-affinity: ${members.join(',')})`;
      } catch (err) {
        if (alreadyDefined(err)) continue; // another member made it first: join that one
        throw err;
      }
    }
    const have = listOf(existing.resources);
    const next = [...new Set([...have, ...members])];
    if (next.length === have.length) return `HA rule ${ha.rule} already holds ${sid}`;
    try {
      await client.put(`/cluster/ha/rules/${encodeURIComponent(ha.rule)}`, { type: 'resource-affinity', resources: next.join(','), ...(existing.digest ? { digest: existing.digest } : {}) });
      return `added ${sid} to HA rule ${ha.rule}`;
    } catch (err) {
      if (modified(err)) continue; // another member changed it in between: read it again
      throw err;
    }
  }
  throw new Error(`HA rule ${ha.rule} kept changing while ${sid} joined it; resume to try again`);
}

/** The phase: the VM as an HA resource (requested state as provisioning left it), then in its group's rule. */
export function haRulePhase(target: OperationTarget, ha: HaRuleSpec, started: boolean): Phase {
  const sid = () => haSidOf(target.guestType, target.vmid);
  return {
    name: 'ha-rule',
    check: async (tools) => {
      const mine = await haResource(tools.client, sid());
      if (!mine) return undefined;
      const rule = await haRule(tools.client, ha.rule);
      return rule && listOf(rule.resources).includes(sid()) ? `${sid()} is an HA resource in rule ${ha.rule}` : undefined;
    },
    run: async (tools) => {
      const done: string[] = [];
      if (!(await haResource(tools.client, sid()))) {
        try {
          await tools.client.post('/cluster/ha/resources', { sid: sid(), state: started ? 'started' : 'stopped', comment: memberComment(ha.rule) });
          done.push(`made ${sid()} an HA resource`);
        } catch (err) {
          if (!alreadyDefined(err)) throw err;
        }
      }
      done.push(await joinRule(tools.client, ha, sid()));
      return done.join('; ');
    },
  };
}

/** Rollback: the guest stops being an HA resource (purge: out of every rule; a rule left empty goes). */
export async function removeHaResource(client: PveClient, vmid: number, type: GuestType = 'qemu'): Promise<boolean> {
  const sid = haSidOf(type, vmid);
  if (!(await haResource(client, sid))) return false;
  try {
    await client.delete(`/cluster/ha/resources/${encodeURIComponent(sid)}`, { purge: 1 });
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  return true;
}
