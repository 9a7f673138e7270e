// The retention engine: pve-storage's prune_backups / prune_mark_backup_group (src/PVE/Storage.pm,
// src/PVE/Storage/Plugin.pm) ported rule for rule, so a preview marks what PVE would prune.
// - Backups are grouped per guest and type ("qemu/100", "lxc/100"), sorted newest first.
// - keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly run in that order; each keeps
//   the newest backup of each of its N newest periods (local time), skips a period an earlier rule already
//   kept, and marks the other backups of a period it keeps 'remove'. What no rule keeps is removed.
// - Protected backups are never removed and take no slot; archives outside vzdump's naming scheme are
//   'renamed' and never pruned. No positive keep option (or keep-all=1) keeps everything.
// moxxie adds two things on top, never weakening the above: a `days` rule (the seed's days:N) and TTL
// expiry (moxxie's ` (TTL: Nd)` notes marker), whose expired backups count as gone and take no slot.
import { KEEP_RULES, keepsAll, type KeepOptions, type KeepRule } from './keep-options.js';
import { LocalClock, periodLabel, type LocalPeriods } from './local-periods.js';

export type RetentionMark = 'keep' | 'remove' | 'protected' | 'renamed';
/** What decided a backup's mark. 'no-keep-rule': several keep rules and none kept it. */
export type DecidingRule = KeepRule | 'keep-all' | 'protected' | 'renamed' | 'ttl' | 'days' | 'no-keep-rule';

export interface RetentionRules {
  keep: KeepOptions;
  /** Keep every backup newer than this many days (the seed's days:N); older ones are removed. */
  withinDays?: number;
}

export interface RetentionInput {
  volid: string;
  /** Epoch seconds (PVE: the time in the archive's name). */
  ctime: number;
  protected?: boolean;
  /** Used when the volid carries none (PVE does the same). */
  vmid?: number;
  guestType?: string;
  /** Epoch ms when moxxie's TTL runs out, if the notes carry one. */
  expiresAt?: number;
}

export interface RetentionDecision {
  volid: string;
  mark: RetentionMark;
  rule: DecidingRule;
  /** One line a person reads: "keep-daily: newest of 2019-12-31". */
  reason: string;
  /** PVE's type for the archive: qemu, lxc, openvz or unknown. */
  type: string;
  vmid?: number;
}

export interface MarkOptions {
  /** Epoch ms; the days cutoff and TTL expiry are measured from it. */
  now: number;
  /** The node's zone (PVE buckets by its localtime). */
  clock?: LocalClock;
}

const COMPRESSION = '(?:gz|lzo|zst|bz2)';
const ARCHIVE_RE = new RegExp(`^vzdump-(lxc|openvz|qemu)-.+\\.(?:tgz|(?:tar|vma)(?:\\.${COMPRESSION})?)$`);
const STD_RE = new RegExp(`^vzdump-(?:lxc|openvz|qemu)-([1-9][0-9]{2,8})-\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2}\\.(?:tgz|(?:tar|vma)(?:\\.${COMPRESSION})?)$`);
// Proxmox Backup Server snapshots: "pbs:backup/vm/100/2024-01-15T09:52:25Z"; PBS groups them the same way.
const PBS_RE = /^backup\/(vm|ct)\/(\d+)\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export interface ArchiveInfo {
  type: string;
  vmid?: number;
  /** In the standard naming scheme: the only archives PVE prunes. */
  standard: boolean;
}

/** PVE's archive_info: the guest type and id a backup's name carries. */
export function archiveInfo(volid: string, fallbackVmid?: number): ArchiveInfo {
  const volname = volid.slice(volid.indexOf(':') + 1);
  const pbs = PBS_RE.exec(volname);
  if (pbs) return { type: pbs[1] === 'vm' ? 'qemu' : 'lxc', vmid: Number(pbs[2]), standard: true };
  const base = volname.slice(volname.lastIndexOf('/') + 1);
  const archive = ARCHIVE_RE.exec(base);
  if (!archive) return { type: 'unknown', vmid: fallbackVmid, standard: false };
  const std = STD_RE.exec(base);
  return std ? { type: archive[1], vmid: Number(std[1]), standard: true } : { type: archive[1], vmid: fallbackVmid, standard: false };
}

type PeriodOf = (p: LocalPeriods) => number;
const PERIOD_OF: Record<Exclude<KeepRule, 'keep-last'>, PeriodOf> = {
  'keep-hourly': (p) => p.hour,
  'keep-daily': (p) => p.day,
  'keep-weekly': (p) => p.week,
  'keep-monthly': (p) => p.month,
  'keep-yearly': (p) => p.year,
};

/** Sets a decision in place (no temporary objects: 10k backups per preview). */
function decide(s: { mark?: RetentionMark; rule?: DecidingRule; reason?: string }, mark: RetentionMark, rule: DecidingRule, reason: string): void {
  s.mark = mark;
  s.rule = rule;
  s.reason = reason;
}

interface Slot {
  index: number;
  ctime: number;
  mark?: RetentionMark;
  rule?: DecidingRule;
  reason?: string;
  periods?: LocalPeriods;
}

/**
 * Marks every backup. The result is in the input's order. Groups are per guest and type, as PVE's
 * prune_backups forms them; the caller filters (vmid, type, storage) beforehand as PVE's parameters do.
 */
export function markBackups(backups: readonly RetentionInput[], rules: RetentionRules, opts: MarkOptions): RetentionDecision[] {
  const clock = opts.clock ?? new LocalClock('UTC');
  const out: RetentionDecision[] = new Array(backups.length);
  const groups = new Map<string, Slot[]>();
  for (let i = 0; i < backups.length; i++) {
    const b = backups[i];
    const info = archiveInfo(b.volid, b.vmid);
    const decision: RetentionDecision = { volid: b.volid, mark: 'keep', rule: 'keep-all', reason: '', type: info.type };
    if (info.vmid !== undefined) decision.vmid = info.vmid;
    out[i] = decision;
    if (b.protected) {
      decide(decision, 'protected', 'protected', 'protected: never removed, takes no slot');
      continue;
    }
    if (!info.standard) {
      decide(decision, 'renamed', 'renamed', "not in vzdump's naming scheme: never pruned");
      continue;
    }
    const slot: Slot = { index: i, ctime: b.ctime };
    if (b.expiresAt !== undefined && b.expiresAt <= opts.now) {
      decide(slot, 'remove', 'ttl', `TTL expired ${new Date(b.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    }
    const key = `${info.type}/${info.vmid}`;
    const group = groups.get(key);
    if (group) group.push(slot);
    else groups.set(key, [slot]);
  }
  for (const group of groups.values()) {
    markGroup(group, rules, opts.now, clock);
    for (const s of group) decide(out[s.index], s.mark as RetentionMark, s.rule as DecidingRule, s.reason as string);
  }
  return out;
}

/**
 * One group's marks (the items are one guest's, e.g. a VM's own snapshots), in the input's order: the same
 * rules without archive names. Used by snapshot rotation.
 */
export function markGroupTimes(items: ReadonlyArray<{ ctime: number; protected?: boolean }>, rules: RetentionRules, opts: MarkOptions): Array<{ mark: RetentionMark; rule: DecidingRule; reason: string }> {
  const slots: Slot[] = items.map((it, index) => (it.protected ? { index, ctime: it.ctime, mark: 'protected', rule: 'protected', reason: 'protected: never removed, takes no slot' } : { index, ctime: it.ctime }));
  markGroup(
    slots.filter((s) => s.mark === undefined),
    rules,
    opts.now,
    opts.clock ?? new LocalClock('UTC'),
  );
  return slots.map((s) => ({ mark: s.mark as RetentionMark, rule: s.rule as DecidingRule, reason: s.reason as string }));
}

function markGroup(group: Slot[], rules: RetentionRules, now: number, clock: LocalClock): void {
  if (rules.withinDays === undefined && keepsAll(rules.keep)) {
    for (const s of group) if (s.mark === undefined) decide(s, 'keep', 'keep-all', 'keep-all: no keep option counts, everything is kept');
    return;
  }
  const list = group.slice().sort((a, b) => b.ctime - a.ctime);
  if (rules.withinDays !== undefined) {
    const cutoff = now / 1000 - rules.withinDays * 86400;
    for (const s of list) {
      if (s.mark !== undefined) continue;
      if (s.ctime >= cutoff) decide(s, 'keep', 'days', `days:${rules.withinDays}: newer than ${rules.withinDays} days`);
    }
  }
  const counted = KEEP_RULES.filter((r) => (rules.keep[r] ?? 0) > 0);
  for (const rule of counted) applyRule(list, rule, rules.keep[rule] as number, clock);
  const only = counted.length === 1 && rules.withinDays === undefined ? counted[0] : undefined;
  for (const s of list) {
    if (s.mark !== undefined) continue;
    if (rules.withinDays !== undefined && !counted.length) decide(s, 'remove', 'days', `days:${rules.withinDays}: older than ${rules.withinDays} days`);
    else if (only) decide(s, 'remove', only, `${only}=${rules.keep[only]}: beyond the ${rules.keep[only]} kept`);
    else decide(s, 'remove', 'no-keep-rule', 'no keep rule keeps it');
  }
}

/** PVE's $prune_mark: one rule over the newest-first list. */
function applyRule(list: Slot[], rule: KeepRule, count: number, clock: LocalClock): void {
  const periodOf = rule === 'keep-last' ? undefined : PERIOD_OF[rule];
  const idOf = (s: Slot): number => {
    if (!periodOf) return s.ctime;
    s.periods ??= clock.periods(s.ctime);
    return periodOf(s.periods);
  };
  const label = (s: Slot, id: number): string => (rule === 'keep-last' ? clock.label(s.ctime) : periodLabel(rule, id));
  const already = new Set<number>();
  for (const s of list) if (s.mark === 'keep') already.add(idOf(s));
  const newly = new Set<number>();
  for (const s of list) {
    if (s.mark !== undefined) continue;
    const id = idOf(s);
    if (already.has(id)) continue;
    if (!newly.has(id)) {
      if (newly.size >= count) break;
      newly.add(id);
      decide(s, 'keep', rule, rule === 'keep-last' ? `keep-last=${count}: one of the newest ${count}` : `${rule}=${count}: newest of ${label(s, id)}`);
    } else decide(s, 'remove', rule, `${rule}=${count}: ${label(s, id)} already kept by a newer backup`);
  }
}
