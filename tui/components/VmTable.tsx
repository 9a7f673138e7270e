// The VM list. Only the rows on screen are rendered, and a cursor move re-renders two of them, so
// 10,000 VMs cost as much as one screenful.
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { memo, useMemo } from 'react';
import type { Vm } from '../../src/inventory/model.js';
import { paint, tagColour, VM_STATUS_COLOUR } from '../colours.js';
import { bytes, cell, duration, fit, fitRight, percent } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { useTui, type TuiStore } from '../store.js';
import { windowOf } from '../view-window.js';

interface Columns {
  name: number;
  tags: number;
  /** Below 100 columns uptime gives way, so names and tags stay readable on an 80-column terminal. */
  uptime: boolean;
  /** LOCK is nearly always empty: it is drawn only while some VM in the list holds a lock. */
  lock: boolean;
}

/** The name column grows with the terminal (and the longest name) up to 28; tags get the rest. */
export function columnsFor(width: number, anyLock = true, longestName = 28): Columns {
  const uptime = width >= 100;
  const fixed = 2 + 7 + 8 + 10 + 7 + 12 + (uptime ? 9 : 0) + (anyLock ? 9 : 0);
  const name = Math.max(14, Math.min(28, longestName + 2, width - fixed - 16));
  return { name, tags: Math.max(0, width - fixed - name), uptime, lock: anyLock };
}

const Row = memo(function Row({ vm, selected, marked, cols }: { vm: Vm; selected: boolean; marked: boolean; cols: Columns }) {
  const running = vm.status === 'running';
  const tags: string[] = [];
  let used = 0;
  for (const t of vm.tags) {
    // Keep room for the "+N" that says how many tags did not fit.
    const reserve = tags.length + 1 < vm.tags.length ? 3 : 0;
    if (used + t.length + 1 + reserve > cols.tags) break;
    tags.push(t);
    used += t.length + 1;
  }
  // Not even the first tag fits whole: show as much of it as fits, so there is something to read.
  if (!tags.length && vm.tags.length && cols.tags >= 8) {
    const room = cols.tags - (vm.tags.length > 1 ? 4 : 1);
    tags.push(vm.tags[0].length > room ? `${vm.tags[0].slice(0, room - 1)}…` : vm.tags[0]);
    used = tags[0].length + 1;
  }
  const hidden = vm.tags.length - tags.length;
  // One string, styled as nested <Text>s would style it: a row is then one text node for React and Ink
  // instead of a dozen, which is most of what drawing a screenful of rows costs.
  const text =
    chalk.yellow(marked ? '● ' : '  ') +
    cell(String(vm.vmid), 7) +
    cell(vm.template ? `${vm.name} (tpl)` : vm.name || '?', cols.name) +
    cell(vm.node, 8) +
    paint(cell(vm.status, 10), VM_STATUS_COLOUR[vm.status]) +
    `${fitRight(running ? percent(vm.cpu) : '-', 6)} ${fitRight(running ? `${bytes(vm.mem)}/${bytes(vm.maxmem)}` : bytes(vm.maxmem), 11)} ` +
    (cols.uptime ? `${fitRight(duration(vm.uptime), 8)} ` : '') +
    (cols.lock ? (vm.lock ? chalk.red(cell(vm.lock, 9)) : fit('', 9)) : '') +
    tags.map((t) => paint(`${t} `, tagColour(t))).join('') +
    (hidden > 0 && cols.tags - used >= 2 ? chalk.gray(`+${hidden}`) : '');
  return (
    <Text inverse={selected} wrap="truncate">
      {text}
    </Text>
  );
});

const SORT_LABEL: Record<string, string> = { vmid: 'id', name: 'name', node: 'node', status: 'status', cpu: 'cpu', mem: 'mem', uptime: 'uptime' };

export function VmTable({ store }: { store: TuiStore }) {
  const rows = useTui(store, (s) => s.vmRows);
  const { cursor, scroll } = useTui(store, (s) => s.pos.vms);
  const marks = useTui(store, (s) => s.marks);
  const width = useTui(store, (s) => s.size.columns);
  const height = useTui(store, (s) => listRows('vms', screenLayout(s).bodyRows));
  const sort = useTui(store, (s) => s.sort);
  const descending = useTui(store, (s) => s.descending);
  const selector = useTui(store, (s) => s.selector?.text);
  const filter = useTui(store, (s) => s.filters.vms);
  const loaded = useTui(store, (s) => s.inventory !== null);
  const unreachable = useTui(store, (s) => s.refreshError);
  const anyLock = useMemo(() => rows.some((v) => v.lock), [rows]);
  const longestName = useMemo(() => rows.reduce((n, v) => Math.max(n, v.name.length + (v.template ? 6 : 0)), 0), [rows]);
  const cols = columnsFor(width, anyLock, longestName);
  // Marks survive a filter; say how many are out of sight, since actions still apply to them.
  const hiddenMarks = useMemo(() => {
    if (!marks.size) return 0;
    const shown = new Set(rows.map((v) => v.vmid));
    let n = 0;
    for (const id of marks) if (!shown.has(id)) n++;
    return n;
  }, [rows, marks]);
  const win = windowOf(scroll, height, rows.length, cursor);
  const arrow = descending ? '↓' : '↑';
  const h = (label: string, key: string) => `${label}${sort === key ? arrow : ''}`;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray" wrap="truncate">
        {'  '}
        {cell(h('VMID', 'vmid'), 7)}
        {cell(h('NAME', 'name'), cols.name)}
        {cell(h('NODE', 'node'), 8)}
        {cell(h('STATUS', 'status'), 10)}
        {fitRight(h('CPU', 'cpu'), 6)} {fitRight(h('MEM', 'mem'), 11)} {cols.uptime ? `${fitRight(h('UPTIME', 'uptime'), 8)} ` : ''}
        {cols.lock ? fit('LOCK', 9) : ''}TAGS
      </Text>
      {rows.slice(win.start, win.end).map((vm, i) => (
        <Row key={vm.vmid} vm={vm} selected={win.start + i === cursor} marked={marks.has(vm.vmid)} cols={cols} />
      ))}
      {rows.length === 0 ? <Text color="gray">{loaded ? (selector || filter ? '  no VM matches' : '  no VMs in this cluster') : unreachable ? `  cannot reach the cluster: ${unreachable} — Ctrl+R retries, :ctx switches` : '  loading the inventory…'}</Text> : null}
      {Array.from({ length: Math.max(0, height - Math.max(1, win.end - win.start)) }, (_, i) => (
        <Text key={`pad-${i}`}> </Text>
      ))}
      <Text color="gray" wrap="truncate">
        {rows.length ? `${cursor + 1}/${rows.length}` : '0/0'}
        {marks.size ? <Text color="yellow">{` · ${marks.size} marked${hiddenMarks ? ` (${hiddenMarks} not shown)` : ''}`}</Text> : null}
        {selector ? <Text color="magenta">{` · :vms ${selector}`}</Text> : null}
        {filter ? <Text color="cyan">{` · /${filter}`}</Text> : null}
        {` · sort ${SORT_LABEL[sort]}${descending ? ' desc' : ''}`}
      </Text>
    </Box>
  );
}
