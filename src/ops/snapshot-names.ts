// Snapshot name templates: {vm} {vmid} {date} {time} {datetime}, made valid for PVE's snapshot names
// (`pve-configid`: a letter first, then [A-Za-z0-9_-], 2 to 40 characters; `current` and `pending` are
// reserved). Other characters become '-', an 's' goes in front of a name that does not start with a letter,
// a literal tail is cut at 40 characters, and when a placeholder would be cut the {vm} value is shortened
// instead — with '-<vmid>' added when two shortened names would otherwise be the same. What no rewrite can
// make valid is refused before anything runs, naming the reason.
import { z } from 'zod';
import { RequestError } from './errors.js';

export const MAX_SNAPSHOT_NAME = 40;
export const MIN_SNAPSHOT_NAME = 2;
/** The template's own length: it may be longer than a name (its tail is cut), but not without bound. */
export const MAX_NAME_TEMPLATE = 255;
/** Names PVE refuses for a snapshot (AbstractConfig: `current` is the running state, `pending` its changes). */
export const RESERVED_SNAPSHOT_NAMES = ['current', 'pending'] as const;
/** PVE's `pve-configid` format, which snapshot names use. */
export const PVE_SNAPSHOT_NAME_RE = /^[a-z][a-z0-9_-]+$/i;

const PLACEHOLDERS = ['vm', 'vmid', 'date', 'time', 'datetime'] as const;
type Key = (typeof PLACEHOLDERS)[number];
const PLACEHOLDER_RE = /\{(vm|vmid|date|time|datetime)\}/g;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export interface NameClock {
  date: string;
  time: string;
  datetime: string;
}

/** One clock reading per operation, so every VM gets the same stamp. Local time, as operators read it. */
export function nameClock(at: Date = new Date()): NameClock {
  const date = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return { date, time, datetime: `${date}-${time}` };
}

function sanitise(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '-');
}

const isReserved = (name: string) => (RESERVED_SNAPSHOT_NAMES as readonly string[]).includes(name.toLowerCase());

/** A rendered name in pieces: the rotation of a job's own snapshots matches names by these. */
export interface NameSegment {
  kind: 'text' | Key;
  text: string;
}

export interface RenderedName {
  name: string;
  /** The name as the template asks for it, before it was made valid for PVE. */
  wanted: string;
  segments: NameSegment[];
  /** {vm} was shortened to fit PVE's 40 characters. */
  shortened: boolean;
  /** '-<vmid>' was added to a shortened {vm} to keep the name unique. */
  suffixed: boolean;
  /** For the plan: how the name differs from `wanted`, or undefined when it does not. */
  note?: string;
}

/** Why a template cannot give a valid name (no VM named): the caller says for which VM, or for any. */
class NameProblem extends Error {}

interface VmNaming {
  vmid: number;
  name: string;
}

type Part = { text: string } | { key: Key };

function partsOf(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    if ((m.index ?? 0) > last) parts.push({ text: template.slice(last, m.index) });
    parts.push({ key: m[1] as Key });
    last = (m.index ?? 0) + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

const vmValue = (vm: VmNaming) => vm.name || `vm${vm.vmid}`;

function rawValue(key: Key, vm: VmNaming, clock: NameClock): string {
  return key === 'vm' ? vmValue(vm) : key === 'vmid' ? String(vm.vmid) : clock[key];
}

function shortenTo(value: string, length: number): string {
  const cut = value.slice(0, length);
  return cut.replace(/[-_]+$/, '') || cut;
}

/**
 * Renders for one VM, or throws NameProblem. `suffix` asks for the collision form: a shortened {vm} ends in
 * '-<vmid>'.
 */
function render(template: string, vm: VmNaming, clock: NameClock, suffix: boolean): RenderedName {
  const parts = partsOf(template);
  const raw = parts.map((p) => ('text' in p ? { kind: 'text' as const, text: p.text } : { kind: p.key, text: rawValue(p.key, vm, clock) }));
  const wanted = raw.map((s) => s.text).join('');
  let segments: NameSegment[] = raw.map((s) => ({ kind: s.kind, text: sanitise(s.text) }));
  let rewritten = raw.some((s) => sanitise(s.text) !== s.text);
  if (!/^[A-Za-z]/.test(segments[0]?.text ?? '')) {
    segments.unshift({ kind: 'text', text: 's' });
    rewritten = true;
  }

  let lastPlaceholder = -1;
  segments.forEach((s, i) => {
    if (s.kind !== 'text') lastPlaceholder = i;
  });
  const placeholdersEnd = segments.slice(0, lastPlaceholder + 1).reduce((n, s) => n + s.text.length, 0);
  const over = placeholdersEnd - MAX_SNAPSHOT_NAME;
  let shortened = false;
  if (over > 0) {
    const vms = segments.filter((s) => s.kind === 'vm');
    if (!vms.length) {
      throw new NameProblem(`its placeholders end at character ${placeholdersEnd} and only a {vm} value can be shortened; PVE allows ${MAX_SNAPSHOT_NAME}`);
    }
    const keep = vms[0].text.length - Math.ceil(over / vms.length);
    const tag = suffix ? `-${vm.vmid}` : '';
    if (keep - tag.length < 1) {
      throw new NameProblem(
        suffix
          ? `shortening {vm} and adding '-${vm.vmid}' to keep it unique leaves no room for the VM's name within PVE's ${MAX_SNAPSHOT_NAME} characters`
          : `even a one-character {vm} leaves more than PVE's ${MAX_SNAPSHOT_NAME} characters`,
      );
    }
    const value = shortenTo(vms[0].text, keep - tag.length) + tag;
    for (const s of vms) s.text = value;
    shortened = true;
  }
  const joined = segments.map((s) => s.text).join('');
  let name = joined;
  if (name.length > MAX_SNAPSHOT_NAME) {
    // Only literal text after the last placeholder is left to cut.
    name = name.slice(0, MAX_SNAPSHOT_NAME).replace(/[-_]+$/, '');
    let left = name.length;
    segments = segments.flatMap((s) => {
      const text = s.text.slice(0, Math.max(0, left));
      left -= s.text.length;
      return text ? [{ ...s, text }] : [];
    });
  }
  if (name.length < MIN_SNAPSHOT_NAME) throw new NameProblem(`it gives "${name}"; PVE needs at least ${MIN_SNAPSHOT_NAME} characters`);
  if (isReserved(name)) throw new NameProblem(`it gives "${name}", a name PVE reserves (${RESERVED_SNAPSHOT_NAMES.join(', ')})`);
  if (!PVE_SNAPSHOT_NAME_RE.test(name)) throw new NameProblem(`it gives "${name}", which PVE refuses (a letter first, then letters, digits, _ and -)`);

  const notes: string[] = [];
  if (rewritten) notes.push(`rewritten for PVE from "${wanted}"`);
  if (shortened) notes.push(`{vm} shortened to fit PVE's ${MAX_SNAPSHOT_NAME} characters${suffix ? `, -${vm.vmid} added to keep it unique` : ''}`);
  else if (name.length < joined.length) notes.push(`cut to PVE's ${MAX_SNAPSHOT_NAME} characters`);
  return { name, wanted, segments, shortened, suffixed: shortened && suffix, note: notes.length ? notes.join('; ') : undefined };
}

/** What is wrong with a template itself (unknown placeholder, too long, nothing valid can come of it). */
export function templateProblem(template: string): string | undefined {
  if (!template.trim()) return 'required: a name or template such as "maint-{vm}-{date}"';
  if (template.length > MAX_NAME_TEMPLATE) return `at most ${MAX_NAME_TEMPLATE} characters (got ${template.length}); PVE's snapshot names are at most ${MAX_SNAPSHOT_NAME}`;
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1])) return `unknown placeholder {${m[1]}}; valid: {vm} {vmid} {date} {time} {datetime}`;
  }
  // The most favourable VM (a one-letter name, a three-digit id): if even it gets no valid name, none does.
  try {
    render(template, { vmid: 100, name: 'a' }, nameClock(new Date(2000, 0, 1)), false);
  } catch (err) {
    if (err instanceof NameProblem) return `"${template}" cannot give a valid PVE snapshot name: ${err.message}`;
    throw err;
  }
  return undefined;
}

export function validateTemplate(template: unknown, field = 'snapshotName'): string {
  if (typeof template !== 'string' || !template.trim()) throw new RequestError(field, 'required: a name or template such as "maint-{vm}-{date}"');
  const problem = templateProblem(template);
  if (problem) throw new RequestError(field, problem);
  return template;
}

/** Renders for one VM with its rewrite note; throws a RequestError naming the VM when no valid name can come of it. */
export function renderName(template: string, vm: VmNaming, clock: NameClock, field = 'snapshotName', suffix = false): RenderedName {
  try {
    return render(template, vm, clock, suffix);
  } catch (err) {
    if (err instanceof NameProblem) throw new RequestError(field, `"${template}" cannot give a valid PVE snapshot name for VM ${vm.vmid} (${vmValue(vm)}): ${err.message}`);
    throw err;
  }
}

/** Renders for one VM (the name only). */
export function renderSnapshotName(template: string, vm: VmNaming, clock: NameClock, field = 'snapshotName'): string {
  return renderName(template, vm, clock, field).name;
}

/**
 * Renders for every target. Names are per VM in PVE, so "backup-{date}" on many VMs is fine; a template that
 * names VMs ({vm}/{vmid}) must give each its own name. Where shortening {vm} made two the same, the shortened
 * ones get '-<vmid>'; a collision that remains (sanitising "a.b" and "a-b") is refused.
 */
export function renderAll(template: string, vms: VmNaming[], clock: NameClock, field = 'snapshotName'): Map<number, RenderedName> {
  const names = new Map<number, RenderedName>();
  for (const vm of vms) names.set(vm.vmid, renderName(template, vm, clock, field));
  if (!/\{(vm|vmid)\}/.test(template)) return names;
  const byName = (): Map<string, number[]> => {
    const groups = new Map<string, number[]>();
    for (const [vmid, r] of names) groups.set(r.name, [...(groups.get(r.name) ?? []), vmid]);
    return groups;
  };
  for (const ids of byName().values()) {
    if (ids.length < 2) continue;
    for (const vmid of ids) {
      if (names.get(vmid)!.shortened) names.set(vmid, renderName(template, vms.find((v) => v.vmid === vmid)!, clock, field, true));
    }
  }
  for (const [name, ids] of byName()) {
    if (ids.length > 1) throw new RequestError(field, `"${template}" gives the same name "${name}" for VMs ${ids[0]} and ${ids[1]}; add {vmid} to tell them apart`);
  }
  return names;
}

/**
 * The names a template produces for one VM, as an exact-match test (any clock, with or without the
 * collision suffix): what a job's rotation counts as its own. Mirrors the renderer by using it.
 */
export function templateMatcher(template: string, vm: VmNaming): (name: string) => boolean {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns: RegExp[] = [];
  const clock = nameClock(new Date(2000, 0, 1));
  for (const suffix of [false, true]) {
    let r: RenderedName;
    try {
      r = render(template, vm, clock, suffix);
    } catch {
      continue;
    }
    if (suffix && !r.suffixed) continue;
    const src = r.segments.map((s) => (s.kind === 'date' || s.kind === 'time' || s.kind === 'datetime' ? stampPattern(s.kind) : escape(s.text))).join('');
    patterns.push(new RegExp(`^${src}$`));
  }
  return (name) => name.length <= MAX_SNAPSHOT_NAME && patterns.some((p) => p.test(name));
}

/** Stamps have fixed widths (so shortening never depends on the clock) and are never cut. */
function stampPattern(kind: 'date' | 'time' | 'datetime'): string {
  return kind === 'datetime' ? '\\d{8}-\\d{6}' : kind === 'date' ? '\\d{8}' : '\\d{6}';
}

/**
 * The exact name of a snapshot that exists (delete, rollback): PVE's format and length, so a name no snapshot
 * can have is refused with the rule rather than looked for on every VM.
 */
export function existingSnapshotNameField(hint: string) {
  const rule = `PVE snapshot names are a letter, then letters, digits, _ and -, ${MIN_SNAPSHOT_NAME} to ${MAX_SNAPSHOT_NAME} characters`;
  return z
    .string({ error: () => hint })
    .min(1, { error: () => hint })
    .max(MAX_SNAPSHOT_NAME, { error: (iss) => `at most ${MAX_SNAPSHOT_NAME} characters (got ${String(iss.input).length}): ${rule}` })
    .regex(PVE_SNAPSHOT_NAME_RE, { error: (iss) => `'${String(iss.input)}' is not a snapshot name PVE allows: ${rule}` });
}
