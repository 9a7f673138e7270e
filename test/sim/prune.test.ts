import { describe, expect, it } from 'vitest';
import { markBackups, parseRetention } from '../../src/sim/prune.js';

const day = 86400;
const t0 = Date.UTC(2025, 0, 15, 12) / 1000;
const backup = (name: string, ctime: number, prot = false) => ({ volid: name, ctime, protected: prot });

describe('backup retention (prune_mark_backup_group)', () => {
  it('parses retention strings; keep-all or nothing keeps everything', () => {
    expect(parseRetention(undefined)).toBe('all');
    expect(parseRetention('keep-all=1')).toBe('all');
    expect(parseRetention('keep-last=3,keep-daily=7')).toEqual({ 'keep-last': 3, 'keep-daily': 7 });
  });

  it('keep-last keeps the newest N', () => {
    const marks = markBackups([backup('a', t0 - 3 * day), backup('b', t0 - 2 * day), backup('c', t0 - day), backup('d', t0)], { 'keep-last': 2 });
    expect(Object.fromEntries(marks)).toEqual({ d: 'keep', c: 'keep', b: 'remove', a: 'remove' });
  });

  it('keep-daily keeps the newest backup of each of the N newest days', () => {
    const marks = markBackups([backup('mon-1', t0 - day), backup('mon-2', t0 - day + 60), backup('tue-1', t0), backup('tue-2', t0 + 60), backup('sun', t0 - 2 * day)], { 'keep-daily': 2 });
    expect(Object.fromEntries(marks)).toEqual({ 'tue-2': 'keep', 'tue-1': 'remove', 'mon-2': 'keep', 'mon-1': 'remove', sun: 'remove' });
  });

  it('never prunes nor counts protected backups, and later options skip buckets already kept', () => {
    const marks = markBackups([backup('old', t0 - 40 * day), backup('prot', t0, true), backup('new', t0 + 60)], { 'keep-last': 1, 'keep-monthly': 2 });
    expect(Object.fromEntries(marks)).toEqual({ prot: 'protected', new: 'keep', old: 'keep' });
  });
});
