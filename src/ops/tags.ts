// Tag capability: ADD, REMOVE or REPLACE tags on a selection. Writes carry the config digest and retry on
// a digest mismatch, so a concurrent edit (another moxxie, the PVE GUI) is never overwritten.
import { parseTags } from '../inventory/inventory.js';
import type { Vm } from '../inventory/model.js';
import { PveError } from '../pve/errors.js';
import { getQemuConfig, putQemuConfig } from '../pve/endpoints/qemu.js';
import { RequestError } from './errors.js';
import { offlineNodesOf, PlanBuilder, type Plan, type PlanInput } from './plan.js';
import { offlineReason, safeModeSkip, unsupportedReason } from './safety.js';
import type { BulkTagRequest, TagAction } from './types.js';

export const TAG_ACTIONS: TagAction[] = ['ADD', 'REMOVE', 'REPLACE'];
/** PVE's pve-tag format (pve-common PVE_TAG_RE), case-insensitive; PVE stores tags lower-case. */
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const DIGEST_RETRIES = 5;
const DIGEST_MISMATCH = /checksum mismatch|file change by other user/i;
/** A config write is synchronous; a minute is plenty even for a loaded cluster. */
const TAG_WRITE_TIMEOUT_MS = 60_000;

export function validateTags(tags: unknown, field = 'tags'): string[] {
  if (!Array.isArray(tags)) throw new RequestError(field, 'must be a list of tags, e.g. ["env-test","workshop"]');
  const out = tags.map((t, i) => {
    if (typeof t !== 'string' || !TAG_RE.test(t)) {
      throw new RequestError(`${field}[${i}]`, `'${String(t)}' is not a valid PVE tag: letters, digits and _ - + . only, not starting with - + or .`);
    }
    return t.toLowerCase();
  });
  return [...new Set(out)];
}

/** The tag list after the action, sorted as PVE stores it. */
export function nextTags(current: string[], action: TagAction, tags: string[]): string[] {
  if (action === 'ADD') return [...new Set([...current, ...tags])].sort();
  if (action === 'REMOVE') return current.filter((t) => !tags.includes(t)).sort();
  return [...tags].sort();
}

function sameTags(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((t, i) => t === y[i]);
}

export function planTags(input: PlanInput, req: BulkTagRequest): Plan {
  if (!TAG_ACTIONS.includes(req.action)) throw new RequestError('action', `'${String(req.action)}' is not valid; use ADD, REMOVE or REPLACE`);
  const tags = validateTags(req.tags);
  if (!tags.length && req.action !== 'REPLACE') throw new RequestError('tags', 'give at least one tag');
  const offline = offlineNodesOf(input.inventory);
  const policy = { safeMode: input.safeMode, force: input.force };
  // Removing or replacing tags can drop `moxxie` or `always-on` and so change what other rules allow.
  const destructive = req.action !== 'ADD';
  const label = `${req.action.toLowerCase()} ${tags.join(', ') || '(none)'}`;
  const plan = new PlanBuilder();
  for (const vm of input.vms) {
    const skip =
      unsupportedReason(vm, { allowTemplates: true }) ??
      (destructive ? safeModeSkip(vm, policy) : undefined) ??
      (sameTags(nextTags(vm.tags, req.action, tags), vm.tags) ? nothingToDo(req.action) : undefined);
    const blocked = offlineReason(vm, offline);
    if (skip) plan.skip(vm, label, skip);
    else if (blocked) plan.block(vm, label, blocked);
    else plan.add(vm, label, () => writeTags(input, vm, req.action, tags));
  }
  return plan.build(TAG_WRITE_TIMEOUT_MS);
}

function nothingToDo(action: TagAction): string {
  return action === 'ADD' ? 'already has these tags' : action === 'REMOVE' ? 'has none of these tags' : 'already has exactly these tags';
}

async function writeTags(input: PlanInput, vm: Vm, action: TagAction, tags: string[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    // Recomputed from the live config each time: another writer may have changed the tags meanwhile.
    const cfg = await getQemuConfig(input.client, vm.node, vm.vmid);
    const current = parseTags(cfg.tags === undefined ? undefined : String(cfg.tags));
    const next = nextTags(current, action, tags);
    if (sameTags(next, current)) return 'no change needed';
    try {
      await putQemuConfig(input.client, vm.node, vm.vmid, next.length ? { tags: next.join(';'), digest: cfg.digest } : { delete: 'tags', digest: cfg.digest });
      return next.length ? `tags: ${next.join(', ')}` : 'tags: (none)';
    } catch (err) {
      if (err instanceof PveError && DIGEST_MISMATCH.test(err.message) && attempt < DIGEST_RETRIES) continue;
      throw err;
    }
  }
}
