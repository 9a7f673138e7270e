// Tag capability: ADD, REMOVE or REPLACE tags on a selection. Writes carry the config digest and retry on
// a digest mismatch, so a concurrent edit is never overwritten.
import type { Vm } from '../inventory/model.js';
import { PveError } from '../pve/errors.js';
import { getQemuConfig, putQemuConfig } from '../pve/endpoints/qemu.js';
import { parseTags } from '../inventory/inventory.js';
import { RequestError } from './errors.js';
import { offlineNodesOf, planned, skipped, type Plan, type PlanInput } from './plan.js';
import type { Step } from './runner.js';
import { reachabilitySkip, safeModeSkip } from './safety.js';
import type { BulkTagRequest, TagAction } from './types.js';

export const TAG_ACTIONS: TagAction[] = ['ADD', 'REMOVE', 'REPLACE'];
/** PVE's pve-tag format. */
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const DIGEST_RETRIES = 5;

export function validateTags(tags: unknown, field = 'tags'): string[] {
  if (!Array.isArray(tags)) throw new RequestError(field, 'must be a list of tags, e.g. ["env-test","workshop"]');
  const out = tags.map((t, i) => {
    if (typeof t !== 'string' || !TAG_RE.test(t)) throw new RequestError(`${field}[${i}]`, `'${String(t)}' is not a valid PVE tag: letters, digits, _ - + . and not starting with - + or .`);
    return t.toLowerCase();
  });
  return [...new Set(out)];
}

export function nextTags(current: string[], action: TagAction, tags: string[]): string[] {
  if (action === 'ADD') return [...new Set([...current, ...tags])].sort();
  if (action === 'REMOVE') return current.filter((t) => !tags.includes(t)).sort();
  return [...tags].sort();
}

const same = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((t, i) => t === [...b].sort()[i]);

export function planTags(input: PlanInput, req: BulkTagRequest): Plan {
  if (!TAG_ACTIONS.includes(req.action)) throw new RequestError('action', `'${String(req.action)}' is not valid; use ADD, REMOVE or REPLACE`);
  const tags = validateTags(req.tags);
  if (!tags.length && req.action !== 'REPLACE') throw new RequestError('tags', 'give at least one tag');
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  const destructive = req.action !== 'ADD';
  const label = `${req.action.toLowerCase()} ${tags.join(', ') || '(none)'}`;
  const steps = new Map<number, Step>();
  const targets = input.vms.map((vm: Vm) => {
    const skip = reachabilitySkip(vm, offline, { allowTemplates: true }) ?? (destructive ? safeModeSkip(vm, policy) : undefined);
    if (skip) return skipped(vm, label, skip);
    if (same(nextTags(vm.tags, req.action, tags), vm.tags)) return skipped(vm, label, req.action === 'ADD' ? 'already has these tags' : req.action === 'REMOVE' ? 'has none of these tags' : 'already has exactly these tags');
    steps.set(vm.vmid, async () => {
      for (let attempt = 0; ; attempt++) {
        // Recomputed from the live config each time: another writer may have changed the tags meanwhile.
        const cfg = await getQemuConfig(input.client, vm.node, vm.vmid);
        const current = parseTags(cfg.tags === undefined ? undefined : String(cfg.tags));
        const next = nextTags(current, req.action, tags);
        if (same(next, current)) return 'no change needed';
        try {
          await putQemuConfig(input.client, vm.node, vm.vmid, next.length ? { tags: next.join(';'), digest: cfg.digest } : { delete: 'tags', digest: cfg.digest });
          return next.length ? `tags: ${next.join(', ')}` : 'tags: (none)';
        } catch (err) {
          if (err instanceof PveError && /checksum mismatch/.test(err.message) && attempt < DIGEST_RETRIES) continue;
          throw err;
        }
      }
    });
    return planned(vm, label);
  });
  return { targets, steps, taskTimeoutMs: 60_000 };
}
