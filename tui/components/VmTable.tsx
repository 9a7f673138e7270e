import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { Vm } from '../../src/inventory/model.js';
import { bytes, duration, fit } from '../format.js';
import type { TuiStore } from '../store.js';
import { tagColour } from '../tag-colour.js';
import { windowOf } from '../view-window.js';

const STATUS_COLOUR: Record<string, string> = { running: 'green', stopped: 'gray', paused: 'yellow', suspended: 'yellow', unknown: 'red' };

function Row({ vm, selected, marked, width }: { vm: Vm; selected: boolean; marked: boolean; width: number }) {
  const tagWidth = Math.max(10, width - 80);
  let used = 0;
  const tags: Vm['tags'] = [];
  for (const t of vm.tags) {
    if (used + t.length + 1 > tagWidth) break;
    tags.push(t);
    used += t.length + 1;
  }
  return (
    <Text inverse={selected} wrap="truncate">
      <Text color="yellow">{marked ? '●' : ' '}</Text>
      {fit(String(vm.vmid), 7)}
      {fit(vm.name || '?', 22)}
      {fit(vm.node, 7)}
      <Text color={STATUS_COLOUR[vm.status]}>{fit(vm.status, 9)}</Text>
      {fit(vm.status === 'running' ? `${(vm.cpu * 100).toFixed(1)}%` : '-', 7)}
      {fit(vm.status === 'running' ? `${bytes(vm.mem)}/${bytes(vm.maxmem)}` : bytes(vm.maxmem), 12)}
      {fit(duration(vm.uptime), 8)}
      <Text color="red">{fit(vm.lock ?? '', 9)}</Text>
      {tags.map((t) => (
        <Text key={t} color={tagColour(t)}>
          {t}{' '}
        </Text>
      ))}
    </Text>
  );
}

/** Only the rows on screen are rendered, so 10,000 VMs cost no more than a page. */
export function VmTable({ store, height }: { store: TuiStore; height: number }) {
  const visible = useStore(store, (s) => s.visible);
  const cursor = useStore(store, (s) => s.cursor);
  const scroll = useStore(store, (s) => s.scroll);
  const marks = useStore(store, (s) => s.marks);
  const width = useStore(store, (s) => s.size.columns);
  const sort = useStore(store, (s) => s.sort);
  const descending = useStore(store, (s) => s.descending);
  const selector = useStore(store, (s) => s.selectorLine);
  const filter = useStore(store, (s) => s.filter);
  const win = windowOf(scroll, height, visible.length);
  const arrow = descending ? '↓' : '↑';
  const h = (label: string, key: string, w: number) => fit(`${label}${sort === key ? arrow : ''}`, w);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray" wrap="truncate">
        {' '}
        {h('VMID', 'vmid', 7)}
        {h('NAME', 'name', 22)}
        {h('NODE', 'node', 7)}
        {h('STATUS', 'status', 9)}
        {h('CPU', 'cpu', 7)}
        {h('MEM', 'mem', 12)}
        {fit('UPTIME', 8)}
        {fit('LOCK', 9)}TAGS
      </Text>
      {visible.slice(win.start, win.end).map((vm, i) => (
        <Row key={vm.vmid} vm={vm} selected={win.start + i === cursor} marked={marks.has(vm.vmid)} width={width} />
      ))}
      {visible.length === 0 ? <Text color="gray"> no VMs{selector || filter ? ' match' : ''}</Text> : null}
      <Text color="gray">
        {visible.length ? `${cursor + 1}/${visible.length}` : '0/0'}
        {marks.size ? ` · ${marks.size} marked` : ''}
        {selector ? ` · :vms ${selector}` : ''}
        {filter ? ` · /${filter}` : ''}
      </Text>
    </Box>
  );
}
