import { describe, expect, it } from 'vitest';
import { markBackups, parseRetention } from '../../src/sim/prune.js';

const day = 86400;
const t0 = Date.UTC(2025, 0, 15, 12) / 1000;
const stamp = (t: number) => new Date(t * 1000).toISOString().slice(0, 19).replace(/-/g, '_').replace('T', '-').replace(/:/g, '_');
const names = new Map<string, string>();
// Archives in vzdump's naming scheme (others are 'renamed' and never pruned); marks are reported by short name.
const backup = (name: string, ctime: number, prot = false) => {
  const volid = `local:backup/vzdump-qemu-100-${stamp(ctime)}.vma.zst`;
  names.set(volid, name);
  return { volid, ctime, protected: prot };
};
const short = (marks: Map<string, string>) => Object.fromEntries([...marks].map(([v, m]) => [names.get(v), m]));

describe('backup retention (prune_mark_backup_group)', () => {
  it('parses retention strings; keep-all or nothing keeps everything', () => {
    expect(parseRetention(undefined)).toBe('all');
    expect(parseRetention('keep-all=1')).toBe('all');
    expect(parseRetention('keep-last=3,keep-daily=7')).toEqual({ 'keep-last': 3, 'keep-daily': 7 });
  });

  it('keep-last keeps the newest N', () => {
    const marks = markBackups([backup('a', t0 - 3 * day), backup('b', t0 - 2 * day), backup('c', t0 - day), backup('d', t0)], { 'keep-last': 2 });
    expect(short(marks)).toEqual({ d: 'keep', c: 'keep', b: 'remove', a: 'remove' });
  });

  it('keep-daily keeps the newest backup of each of the N newest days', () => {
    const marks = markBackups([backup('mon-1', t0 - day), backup('mon-2', t0 - day + 60), backup('tue-1', t0), backup('tue-2', t0 + 60), backup('sun', t0 - 2 * day)], { 'keep-daily': 2 });
    expect(short(marks)).toEqual({ 'tue-2': 'keep', 'tue-1': 'remove', 'mon-2': 'keep', 'mon-1': 'remove', sun: 'remove' });
  });

  it('never prunes nor counts protected backups, and later options skip buckets already kept', () => {
    const marks = markBackups([backup('old', t0 - 40 * day), backup('prot', t0, true), backup('new', t0 + 60)], { 'keep-last': 1, 'keep-monthly': 2 });
    expect(short(marks)).toEqual({ prot: 'protected', new: 'keep', old: 'keep' });
  });
});

it('leaves archives outside the naming scheme alone and keys keep-last by backup time, as PVE does', () => {
  const twin = Date.UTC(2025, 0, 15, 12) / 1000;
  const marks = markBackups(
    [
      { volid: 'local:backup/vzdump-qemu-100-manual.vma.zst', ctime: twin + 10 },
      { volid: `local:backup/vzdump-qemu-100-${stamp(twin)}.vma.zst`, ctime: twin },
      { volid: `local:backup/vzdump-qemu-100-${stamp(twin)}.vma.gz`, ctime: twin },
      { volid: `local:backup/vzdump-lxc-100-${stamp(twin)}.tar.zst`, ctime: twin },
    ],
    { 'keep-last': 1 },
  );
  expect([...marks.values()]).toEqual(['renamed', 'keep', 'remove', 'keep']);
});
