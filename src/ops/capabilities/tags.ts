// Tags: ADD, REMOVE or REPLACE tags on a selection. Writes carry the config digest and retry on a digest
// mismatch, so a concurrent edit (another moxxie, the PVE GUI) is never overwritten. The phase keeps the
// tags it replaced, so a rollback puts them back.
import { z } from 'zod';
import { parseTags } from '../../inventory/inventory.js';
import type { Vm } from '../../inventory/model.js';
import { PveError } from '../../pve/errors.js';
import { getGuestConfig, putGuestConfig, refOf, type GuestRef } from '../../pve/endpoints/guest.js';
import type { GuestType } from '../types.js';

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { RequestError } from '../errors.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { enumField } from '../request-schema.js';
import { offlineReason, SAFE_MODE_TAG, safeModeSkip, unsupportedReason } from '../safety.js';
import { bulkFields, forceField } from './bulk-fields.js';

export const TAG_ACTIONS = ['ADD', 'REMOVE', 'REPLACE'] as const;
export type TagAction = (typeof TAG_ACTIONS)[number];
/** PVE's pve-tag format (pve-common PVE_TAG_RE), case-insensitive; PVE stores tags lower-case. */
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
/** PVE's pattern sets no length; moxxie bounds a tag and a request so input cannot grow without limit. */
export const MAX_TAG_LENGTH = 128;
export const MAX_TAGS = 64;
const TAG_HINT = 'letters, digits and _ - + . only, not starting with - + or .';
const tagField = z
  .string({ error: (iss) => `${JSON.stringify(iss.input)} is not a valid PVE tag: ${TAG_HINT}` })
  .max(MAX_TAG_LENGTH, { error: (iss) => `a tag is at most ${MAX_TAG_LENGTH} characters (got ${String(iss.input).length})` })
  .regex(TAG_RE, { error: (iss) => `'${String(iss.input)}' is not a valid PVE tag: ${TAG_HINT}` });
const DIGEST_RETRIES = 5;
const DIGEST_MISMATCH = /checksum mismatch|file change by other user/i;
/** A config write is synchronous; a minute is plenty even for a loaded cluster. */
const TAG_WRITE_TIMEOUT_MS = 60_000;

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    action: enumField(TAG_ACTIONS).describe('ADD, REMOVE, or REPLACE (sets exactly these tags)'),
    tags: z
      .array(tagField, { error: 'must be a list of tags, e.g. ["env-test","workshop"]' })
      .max(MAX_TAGS, { error: (iss) => `at most ${MAX_TAGS} tags in one request (got ${Array.isArray(iss.input) ? iss.input.length : '?'})` })
      .describe("PVE tags (letters, digits, _ - + .)"),
    force: forceField,
  }));
export type TagRequest = z.infer<ReturnType<typeof schema>>;

export function validateTags(tags: unknown, field = 'tags'): string[] {
  if (!Array.isArray(tags)) throw new RequestError(field, 'must be a list of tags, e.g. ["env-test","workshop"]');
  if (tags.length > MAX_TAGS) throw new RequestError(field, `at most ${MAX_TAGS} tags in one request (got ${tags.length})`);
  const out = tags.map((t, i) => {
    if (typeof t !== 'string' || !TAG_RE.test(t)) throw new RequestError(`${field}[${i}]`, `'${String(t)}' is not a valid PVE tag: ${TAG_HINT}`);
    if (t.length > MAX_TAG_LENGTH) throw new RequestError(`${field}[${i}]`, `a tag is at most ${MAX_TAG_LENGTH} characters (got ${t.length})`);
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

function nothingToDo(action: TagAction): string {
  return action === 'ADD' ? 'already has these tags' : action === 'REMOVE' ? 'has none of these tags' : 'already has exactly these tags';
}

/** Sets the guest's tags to `decide(current)`, re-read after a digest mismatch; returns the tags it replaced. */
async function writeTags(t: PhaseTools, guest: GuestRef, decide: (current: string[]) => string[]): Promise<{ before: string[]; after: string[]; changed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    // Recomputed from the live config each time: another writer may have changed the tags meanwhile.
    const cfg = await getGuestConfig(t.client, guest);
    const before = parseTags(cfg.tags === undefined ? undefined : String(cfg.tags));
    const after = decide(before);
    if (sameTags(after, before)) return { before, after, changed: false };
    try {
      await putGuestConfig(t.client, guest, after.length ? { tags: after.join(';'), digest: cfg.digest } : { delete: 'tags', digest: cfg.digest });
      return { before, after, changed: true };
    } catch (err) {
      if (err instanceof PveError && DIGEST_MISMATCH.test(err.message) && attempt < DIGEST_RETRIES) continue;
      throw err;
    }
  }
}

/** The request would put the safe-mode tag on a VM (ADD or REPLACE naming it). */
function addsSafeModeTag(r: { action?: unknown; tags?: unknown }): boolean {
  return (r.action === 'ADD' || r.action === 'REPLACE') && Array.isArray(r.tags) && r.tags.some((t) => typeof t === 'string' && t.toLowerCase() === SAFE_MODE_TAG);
}

/**
 * The tags as PVE will store them, lower-cased, saying so when that changed one: the plan must show what is
 * applied (`maint_window`), not what was typed (`Maint_Window`).
 */
export function tagsAsApplied(given: string[]): string {
  const lower = [...new Set(given.map((t) => t.toLowerCase()))];
  const changed = given.filter((t) => t !== t.toLowerCase());
  return `${lower.join(', ') || '(none)'}${changed.length ? ` (lower-cased from ${changed.join(', ')}: PVE keeps tags in lower case)` : ''}`;
}

const tagText = (tags: string[]) => (tags.length ? `tags: ${tags.join(', ')}` : 'tags: (none)');

export const tags: Capability<TagRequest> = {
  kind: 'tags',
  title: 'Tag VMs and containers',
  description: 'ADD, REMOVE or REPLACE tags on the selected guests (templates too); a concurrent edit is never overwritten.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: (r) => `${r.action.toLowerCase()} tags ${tagsAsApplied(r.tags as string[])}`,
  // Removing or replacing tags can drop `moxxie` or `always-on` and so change what other rules allow; adding
  // `moxxie` while safe mode is on hands out safe mode's own key (a tag ADD then a STOP would be unguarded).
  destructive: (r, policy) => r.action === 'REMOVE' || r.action === 'REPLACE' || (policy?.safeMode !== false && addsSafeModeTag(r)),
  auditName: (r) => `tags ${r.action}`,
  taskTimeoutMs: () => TAG_WRITE_TIMEOUT_MS,
  names: { tool: 'tag_vms', verb: ['tags'], cli: { modeField: 'action', restField: 'tags' } },
  hints: { destructive: true, idempotent: true },

  plan(input, req) {
    const wanted = validateTags(req.tags);
    if (!wanted.length && req.action !== 'REPLACE') throw new RequestError('tags', 'give at least one tag');
    const offline = offlineNodesOf(input.inventory);
    const policy = { safeMode: input.safeMode, force: input.force };
    const destructive = req.action !== 'ADD';
    // Safe mode's own key: the plan says what adding it means.
    const grants = input.safeMode && addsSafeModeTag({ action: req.action, tags: wanted });
    const label = `${req.action.toLowerCase()} ${wanted.join(', ') || '(none)'}${grants ? ` ('${SAFE_MODE_TAG}' lets safe mode's destructive actions touch the VM)` : ''}`;
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const skip =
        unsupportedReason(vm, { allowTemplates: true, guestTypes: GUEST_TYPES }) ??
        (destructive ? safeModeSkip(vm, policy) : undefined) ??
        (sameTags(nextTags(vm.tags, req.action, wanted), vm.tags) ? nothingToDo(req.action) : undefined);
      const blocked = offlineReason(vm as Vm, offline);
      if (skip) plan.skip(vm, label, skip);
      else if (blocked) plan.block(vm, label, blocked);
      else plan.add(vm, label, { action: req.action, tags: wanted });
    }
    return plan.build();
  },

  phases(target) {
    const spec = target.spec as { action: TagAction; tags: string[] };
    const guest = refOf(target);
    return [
      {
        name: 'tags',
        run: async (t) => {
          const r = await writeTags(t, guest, (current) => nextTags(current, spec.action, spec.tags));
          if (r.changed) t.data.before = r.before;
          return r.changed ? tagText(r.after) : 'no change needed';
        },
        undo: async (t) => {
          const before = t.data.before as string[] | undefined;
          if (!before) return 'no change to undo';
          const r = await writeTags(t, guest, () => before);
          return `tags put back: ${r.after.join(', ') || '(none)'}`;
        },
      },
    ];
  },
};
