// Backup retention as pve-storage's prune_mark_backup_group computes it: protected backups are never
// pruned and not counted; each keep-* option keeps the newest backup of each of its N newest time buckets.
import { splitList } from './schema/formats.js';

export interface PruneCandidate {
  volid: string;
  ctime: number;
  protected?: boolean;
}

export type PruneMark = 'keep' | 'remove' | 'protected';

const BUCKETS: Array<[string, (d: Date) => string]> = [
  ['keep-last', () => ''],
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

/** Parses `keep-last=3,keep-daily=7`; `keep-all=1` (or nothing) keeps everything. */
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

export function markBackups(backups: PruneCandidate[], retention: Record<string, number> | 'all'): Map<string, PruneMark> {
  const marks = new Map<string, PruneMark>();
  const list = [...backups].sort((a, b) => b.ctime - a.ctime);
  for (const b of list) if (b.protected) marks.set(b.volid, 'protected');
  if (retention === 'all') {
    for (const b of list) if (!marks.has(b.volid)) marks.set(b.volid, 'keep');
    return marks;
  }
  for (const [option, bucket] of BUCKETS) {
    const count = retention[option] ?? 0;
    if (count <= 0) continue;
    const id = (b: PruneCandidate) => (option === 'keep-last' ? b.volid : bucket(new Date(b.ctime * 1000)));
    const already = new Set(list.filter((b) => marks.get(b.volid) === 'keep').map(id));
    const newly = new Set<string>();
    for (const b of list) {
      if (marks.has(b.volid) || already.has(id(b))) continue;
      const key = id(b);
      if (!newly.has(key)) {
        if (newly.size >= count) break;
        newly.add(key);
        marks.set(b.volid, 'keep');
      } else marks.set(b.volid, 'remove');
    }
  }
  for (const b of list) if (!marks.has(b.volid)) marks.set(b.volid, 'remove');
  return marks;
}
