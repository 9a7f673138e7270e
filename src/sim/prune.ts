// Backup retention as pve-storage computes it (Storage.pm prune_mark_backup_group, Plugin.pm
// prune_backups): per guest and type, newest first, keep-last (by backup time, as PVE keys it), then
// keep-hourly/daily/weekly (ISO)/monthly/yearly, each keeping the newest backup of each of its N newest
// periods not already kept by an earlier option; protected backups are never pruned nor counted; archives
// outside vzdump's naming scheme are 'renamed' and left alone. Periods are the node's local time; the
// simulated nodes run on UTC (their archive names are UTC stamps too).
import { splitList } from './schema/formats.js';

export interface PruneCandidate {
  volid: string;
  ctime: number;
  protected?: boolean;
}

export type PruneMark = 'keep' | 'remove' | 'protected' | 'renamed';

const PERIODS: Array<[string, (d: Date) => string]> = [
  ['keep-hourly', (d) => `${d.getUTCFullYear()}/${d.getUTCMonth()}/${d.getUTCDate()}/${d.getUTCHours()}`],
  ['keep-daily', (d) => `${d.getUTCFullYear()}/${d.getUTCMonth()}/${d.getUTCDate()}`],
  ['keep-weekly', (d) => isoWeek(d)],
  ['keep-monthly', (d) => `${d.getUTCFullYear()}/${d.getUTCMonth()}`],
  ['keep-yearly', (d) => `${d.getUTCFullYear()}`],
];

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}/${Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7)}`;
}

const ARCHIVE = /^vzdump-(lxc|openvz|qemu)-.+\.(tgz|(tar|vma)(\.(gz|lzo|zst|bz2))?)$/;
const STANDARD = /^vzdump-(lxc|openvz|qemu)-([1-9][0-9]{2,8})-(\d{4})_(\d{2})_(\d{2})-(\d{2})_(\d{2})_(\d{2})\.(tgz|(tar|vma)(\.(gz|lzo|zst|bz2))?)$/;

/** PVE's archive_info: the archive's guest type (or 'unknown') and whether it uses the standard name. */
export function archiveKind(volid: string): { type: string; vmid?: number; standard: boolean } {
  const base = volid.slice(volid.lastIndexOf('/') + 1);
  const a = ARCHIVE.exec(base);
  if (!a) return { type: 'unknown', standard: false };
  const s = STANDARD.exec(base);
  return s ? { type: a[1], vmid: Number(s[2]), standard: true } : { type: a[1], standard: false };
}

/** Parses `keep-last=3,keep-daily=7`; `keep-all=1` (or no positive count) keeps everything. */
export function parseRetention(text: string | undefined): Record<string, number> | 'all' {
  if (!text) return 'all';
  const out: Record<string, number> = {};
  for (const part of splitList(text)) {
    const [k, v] = part.split('=');
    if (k === 'keep-all') {
      if (v === '1') return 'all';
      continue;
    }
    out[k] = Number(v);
  }
  return Object.values(out).some((n) => n > 0) ? out : 'all';
}

/** Marks one guest's backups (one group). */
function markGroup(list: PruneCandidate[], retention: Record<string, number> | 'all', marks: Map<string, PruneMark>): void {
  if (retention === 'all') {
    for (const b of list) if (!marks.has(b.volid)) marks.set(b.volid, 'keep');
    return;
  }
  const sorted = [...list].sort((a, b) => b.ctime - a.ctime);
  const options: Array<[string, (b: PruneCandidate) => string]> = [['keep-last', (b) => String(b.ctime)], ...PERIODS.map(([o, f]): [string, (b: PruneCandidate) => string] => [o, (b) => f(new Date(b.ctime * 1000))])];
  for (const [option, id] of options) {
    const count = retention[option] ?? 0;
    if (count <= 0) continue;
    const already = new Set(sorted.filter((b) => marks.get(b.volid) === 'keep').map(id));
    const newly = new Set<string>();
    for (const b of sorted) {
      if (marks.has(b.volid) || already.has(id(b))) continue;
      const key = id(b);
      if (!newly.has(key)) {
        if (newly.size >= count) break;
        newly.add(key);
        marks.set(b.volid, 'keep');
      } else marks.set(b.volid, 'remove');
    }
  }
  for (const b of sorted) if (!marks.has(b.volid)) marks.set(b.volid, 'remove');
}

/** Marks backups; those of different guests or types are separate groups, as in PVE. */
export function markBackups(backups: PruneCandidate[], retention: Record<string, number> | 'all'): Map<string, PruneMark> {
  const marks = new Map<string, PruneMark>();
  const groups = new Map<string, PruneCandidate[]>();
  for (const b of backups) {
    const kind = archiveKind(b.volid);
    if (b.protected) marks.set(b.volid, 'protected');
    else if (!kind.standard) marks.set(b.volid, 'renamed');
    if (!kind.standard) continue;
    const key = `${kind.type}/${kind.vmid}`;
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  for (const group of groups.values()) markGroup(group, retention, marks);
  return marks;
}
