// pve-storage's src/test/prune_backups_test.pm, its lists and cases ported one for one (PVE runs it with
// TZ=UTC). Used by the engine's test and the simulator's.
import type { RetentionInput } from '../../src/ops/retention/prune-marks.js';
import type { KeepOptions } from '../../src/ops/retention/keep-options.js';

const storeid = 'BackTest123';
const vmids = [1234, 9001];
const basetime = 1577881101; // 2020_01_01-12_18_21 UTC

export interface Entry extends RetentionInput {
  vmid?: number;
}

function defaultList(): Entry[] {
  const out: Entry[] = [];
  for (const vmid of vmids) {
    out.push(
      { volid: `${storeid}:backup/vzdump-qemu-${vmid}-2018_05_26-11_18_21.tar.zst`, ctime: basetime - 585 * 24 * 60 * 60 - 60 * 60, vmid },
      { volid: `${storeid}:backup/vzdump-qemu-${vmid}-2019_12_31-11_18_21.tar.zst`, ctime: basetime - 24 * 60 * 60 - 60 * 60, vmid },
      { volid: `${storeid}:backup/vzdump-qemu-${vmid}-2019_12_31-11_18_51.tar.zst`, ctime: basetime - 24 * 60 * 60 - 60 * 60 + 30, vmid, protected: true },
      { volid: `${storeid}:backup/vzdump-qemu-${vmid}-2019_12_31-11_19_21.tar.zst`, ctime: basetime - 24 * 60 * 60 - 60 * 60 + 60, vmid },
      { volid: `${storeid}:backup/vzdump-qemu-${vmid}-2020_01_01-11_18_21.tar.zst`, ctime: basetime - 60 * 60, vmid },
      { volid: `${storeid}:backup/vzdump-qemu-${vmid}-2020_01_01-12_18_21.tar.zst`, ctime: basetime, vmid },
      { volid: `${storeid}:backup/vzdump-lxc-${vmid}-2020_01_01-12_18_21.tar.zst`, ctime: basetime, vmid },
      { volid: `${storeid}:backup/vzdump-${vmid}-renamed.tar.zst`, ctime: 1234, vmid },
    );
  }
  return out;
}

export const lists: Record<string, () => Entry[]> = {
  default: defaultList,
  year1970: () => [
    { volid: `${storeid}:backup/vzdump-lxc-321-1970_01_01-00_01_23.tar.zst`, ctime: 83, vmid: 321 },
    { volid: `${storeid}:backup/vzdump-lxc-321-2070_01_01-00_01_00.tar.zst`, ctime: 60 * 60 * 24 * (365 * 100 + 25) + 60, vmid: 321 },
  ],
  novmid: () => [{ volid: `${storeid}:backup/vzdump-lxc-novmid.tar.gz`, ctime: 1234 }],
  threeway: () => [
    { volid: `${storeid}:backup/vzdump-qemu-7654-2019_12_25-12_18_21.tar.zst`, ctime: basetime - 7 * 24 * 60 * 60, vmid: 7654 },
    { volid: `${storeid}:backup/vzdump-qemu-7654-2019_12_31-12_18_21.tar.zst`, ctime: basetime - 24 * 60 * 60, vmid: 7654 },
    { volid: `${storeid}:backup/vzdump-qemu-7654-2020_01_01-12_18_21.tar.zst`, ctime: basetime, vmid: 7654 },
  ],
  weekboundary: () => [
    { volid: `${storeid}:backup/vzdump-qemu-7654-2020_12_03-12_18_21.tar.zst`, ctime: basetime + (366 - 31 + 2) * 24 * 60 * 60, vmid: 7654 },
    { volid: `${storeid}:backup/vzdump-qemu-7654-2020_12_04-12_18_21.tar.zst`, ctime: basetime + (366 - 31 + 3) * 24 * 60 * 60, vmid: 7654 },
    { volid: `${storeid}:backup/vzdump-qemu-7654-2020_12_07-12_18_21.tar.zst`, ctime: basetime + (366 - 31 + 6) * 24 * 60 * 60, vmid: 7654 },
  ],
};

/** PVE's generate_expected: volid -> mark. */
function expected(ids: number[], type: 'qemu' | 'lxc' | undefined, marks: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const vmid of ids) {
    if (!type || type === 'qemu') {
      out[`${storeid}:backup/vzdump-qemu-${vmid}-2018_05_26-11_18_21.tar.zst`] = marks[0];
      out[`${storeid}:backup/vzdump-qemu-${vmid}-2019_12_31-11_18_21.tar.zst`] = marks[1];
      out[`${storeid}:backup/vzdump-qemu-${vmid}-2019_12_31-11_18_51.tar.zst`] = 'protected';
      out[`${storeid}:backup/vzdump-qemu-${vmid}-2019_12_31-11_19_21.tar.zst`] = marks[2];
      out[`${storeid}:backup/vzdump-qemu-${vmid}-2020_01_01-11_18_21.tar.zst`] = marks[3];
      out[`${storeid}:backup/vzdump-qemu-${vmid}-2020_01_01-12_18_21.tar.zst`] = marks[4];
    }
    if (!type || type === 'lxc') out[`${storeid}:backup/vzdump-lxc-${vmid}-2020_01_01-12_18_21.tar.zst`] = marks[5];
    if (!type) out[`${storeid}:backup/vzdump-${vmid}-renamed.tar.zst`] = 'renamed';
  }
  return out;
}

export interface Case {
  description: string;
  vmid?: number;
  type?: 'qemu' | 'lxc';
  keep: KeepOptions & Record<string, number>;
  list?: string;
  expected: Record<string, string>;
}

export const cases: Case[] = [
  { description: 'last=3, multiple IDs', keep: { 'keep-last': 3 }, expected: expected(vmids, undefined, ['remove', 'remove', 'keep', 'keep', 'keep', 'keep']) },
  { description: 'weekly=2, one ID', vmid: vmids[0], keep: { 'keep-weekly': 2 }, expected: expected([vmids[0]], undefined, ['keep', 'remove', 'remove', 'remove', 'keep', 'keep']) },
  {
    description: 'daily=weekly=monthly=1, multiple IDs',
    keep: { 'keep-hourly': 0, 'keep-daily': 1, 'keep-weekly': 1, 'keep-monthly': 1 },
    expected: expected(vmids, undefined, ['keep', 'remove', 'keep', 'remove', 'keep', 'keep']),
  },
  { description: 'hourly=4, one ID', vmid: vmids[0], keep: { 'keep-hourly': 4, 'keep-daily': 0 }, expected: expected([vmids[0]], undefined, ['keep', 'remove', 'keep', 'keep', 'keep', 'keep']) },
  {
    description: 'yearly=2, multiple IDs',
    keep: { 'keep-hourly': 0, 'keep-daily': 0, 'keep-weekly': 0, 'keep-monthly': 0, 'keep-yearly': 2 },
    expected: expected(vmids, undefined, ['remove', 'remove', 'keep', 'remove', 'keep', 'keep']),
  },
  { description: 'last=2,hourly=2 one ID', vmid: vmids[0], keep: { 'keep-last': 2, 'keep-hourly': 2 }, expected: expected([vmids[0]], undefined, ['keep', 'remove', 'keep', 'keep', 'keep', 'keep']) },
  { description: 'last=1,monthly=2, multiple IDs', keep: { 'keep-last': 1, 'keep-monthly': 2 }, expected: expected(vmids, undefined, ['keep', 'remove', 'keep', 'remove', 'keep', 'keep']) },
  { description: 'monthly=3, one ID', vmid: vmids[0], keep: { 'keep-monthly': 3 }, expected: expected([vmids[0]], undefined, ['keep', 'remove', 'keep', 'remove', 'keep', 'keep']) },
  { description: 'last=daily=weekly=1, multiple IDs', keep: { 'keep-last': 1, 'keep-daily': 1, 'keep-weekly': 1 }, expected: expected(vmids, undefined, ['keep', 'remove', 'keep', 'remove', 'keep', 'keep']) },
  {
    description: 'last=daily=weekly=1, others zero, multiple IDs',
    keep: { 'keep-hourly': 0, 'keep-last': 1, 'keep-daily': 1, 'keep-weekly': 1, 'keep-monthly': 0, 'keep-yearly': 0 },
    expected: expected(vmids, undefined, ['keep', 'remove', 'keep', 'remove', 'keep', 'keep']),
  },
  { description: 'daily=2, one ID', vmid: vmids[0], keep: { 'keep-daily': 2 }, expected: expected([vmids[0]], undefined, ['remove', 'remove', 'keep', 'remove', 'keep', 'keep']) },
  { description: 'weekly=monthly=1, multiple IDs', keep: { 'keep-weekly': 1, 'keep-monthly': 1 }, expected: expected(vmids, undefined, ['keep', 'remove', 'remove', 'remove', 'keep', 'keep']) },
  { description: 'weekly=yearly=1, one ID', vmid: vmids[0], keep: { 'keep-weekly': 1, 'keep-yearly': 1 }, expected: expected([vmids[0]], undefined, ['keep', 'remove', 'remove', 'remove', 'keep', 'keep']) },
  {
    description: 'weekly=yearly=1, one ID, type qemu',
    vmid: vmids[0],
    type: 'qemu',
    keep: { 'keep-weekly': 1, 'keep-yearly': 1 },
    expected: expected([vmids[0]], 'qemu', ['keep', 'remove', 'remove', 'remove', 'keep', '']),
  },
  { description: 'week=yearly=1, one ID, type lxc', vmid: vmids[0], type: 'lxc', keep: { 'keep-last': 1 }, expected: expected([vmids[0]], 'lxc', ['', '', '', '', '', 'keep']) },
  {
    description: 'yearly=1, year before 2000',
    keep: { 'keep-yearly': 1 },
    list: 'year1970',
    expected: { [`${storeid}:backup/vzdump-lxc-321-1970_01_01-00_01_23.tar.zst`]: 'remove', [`${storeid}:backup/vzdump-lxc-321-2070_01_01-00_01_00.tar.zst`]: 'keep' },
  },
  { description: 'last=1, ne ID, year before 2000', keep: { 'keep-last': 1 }, list: 'novmid', expected: { [`${storeid}:backup/vzdump-lxc-novmid.tar.gz`]: 'renamed' } },
  { description: 'all missing, multiple IDs', keep: {}, expected: expected(vmids, undefined, ['keep', 'keep', 'keep', 'keep', 'keep', 'keep']) },
  {
    description: 'all zero, multiple IDs',
    // PVE's own test carries the misspelt 'keep-monthyl'; our parser would refuse it, the engine ignores it.
    keep: { 'keep-last': 0, 'keep-hourly': 0, 'keep-daily': 0, 'keep-weekly': 0, 'keep-monthyl': 0, 'keep-yearly': 0 },
    expected: expected(vmids, undefined, ['keep', 'keep', 'keep', 'keep', 'keep', 'keep']),
  },
  {
    description: 'some zero, some missing, multiple IDs',
    keep: { 'keep-last': 0, 'keep-hourly': 0, 'keep-daily': 0, 'keep-monthyl': 0, 'keep-yearly': 0 },
    expected: expected(vmids, undefined, ['keep', 'keep', 'keep', 'keep', 'keep', 'keep']),
  },
  {
    description: 'daily=weekly=monthly=1',
    keep: { 'keep-daily': 1, 'keep-weekly': 1, 'keep-monthly': 1 },
    list: 'threeway',
    expected: {
      [`${storeid}:backup/vzdump-qemu-7654-2019_12_25-12_18_21.tar.zst`]: 'keep',
      // the month is already covered by the backup keep-weekly kept
      [`${storeid}:backup/vzdump-qemu-7654-2019_12_31-12_18_21.tar.zst`]: 'remove',
      [`${storeid}:backup/vzdump-qemu-7654-2020_01_01-12_18_21.tar.zst`]: 'keep',
    },
  },
  {
    description: 'daily=weekly=1,weekboundary',
    keep: { 'keep-daily': 1, 'keep-weekly': 1 },
    list: 'weekboundary',
    expected: {
      [`${storeid}:backup/vzdump-qemu-7654-2020_12_03-12_18_21.tar.zst`]: 'remove',
      [`${storeid}:backup/vzdump-qemu-7654-2020_12_04-12_18_21.tar.zst`]: 'keep',
      [`${storeid}:backup/vzdump-qemu-7654-2020_12_07-12_18_21.tar.zst`]: 'keep',
    },
  },
];

