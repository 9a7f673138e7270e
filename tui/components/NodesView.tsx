import { Text } from 'ink';
import { useMemo } from 'react';
import { NODE_STATUS_COLOUR } from '../colours.js';
import { bytes, duration, fit, fitRight, loadColour, meter, percent } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { nodeRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function NodesView({ store }: { store: TuiStore }) {
  const inventory = useTui(store, (s) => s.inventory);
  const filter = useTui(store, (s) => s.filters.nodes);
  const pos = useTui(store, (s) => s.pos.nodes);
  const height = useTui(store, (s) => listRows('nodes', screenLayout(s).bodyRows));
  const items = useMemo(() => nodeRows({ inventory, filters: { nodes: filter } }), [inventory, filter]);
  const guests = useMemo(() => {
    const m = new Map<string, { total: number; running: number }>();
    for (const vm of inventory?.vms ?? []) {
      const g = m.get(vm.node) ?? { total: 0, running: 0 };
      g.total++;
      if (vm.status === 'running') g.running++;
      m.set(vm.node, g);
    }
    return m;
  }, [inventory]);
  return (
    <ScrollList
      header={`${fit('NODE', 12)}${fit('STATUS', 9)}${fit('CPU', 10)} ${fitRight('', 12)} ${fit('MEMORY', 10)} ${fitRight('', 11)} ${fitRight('UPTIME', 9)}  GUESTS (running/total)`}
      items={items}
      pos={pos}
      height={height}
      keyOf={(n) => n.node}
      empty="no nodes"
      info={`Enter lists the node's VMs${filter ? ` · /${filter}` : ''}`}
      render={(n) => {
        const on = n.status === 'online';
        const g = guests.get(n.node);
        const memShare = n.maxmem ? n.mem / n.maxmem : 0;
        return (
          <>
            {fit(n.node, 12)}
            <Text color={NODE_STATUS_COLOUR[n.status]}>{fit(n.status, 9)}</Text>
            <Text color={on ? loadColour(n.cpu) : 'gray'}>{on ? meter(n.cpu, 10) : fit('-', 10)}</Text> {fitRight(on ? `${percent(n.cpu)} of ${n.maxcpu}` : '', 12)}{' '}
            <Text color={on ? loadColour(memShare) : 'gray'}>{on ? meter(memShare, 10) : fit('-', 10)}</Text> {fitRight(on ? `${bytes(n.mem)}/${bytes(n.maxmem)}` : '', 11)} {fitRight(on ? duration(n.uptime) : '-', 9)}
            {'  '}
            {g ? `${g.running}/${g.total}` : '0/0'}
          </>
        );
      }}
    />
  );
}
