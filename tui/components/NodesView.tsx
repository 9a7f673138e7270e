import { Text } from 'ink';
import { useMemo } from 'react';
import { NODE_STATUS_COLOUR } from '../colours.js';
import { bytes, duration, fit, fitRight, percent } from '../format.js';
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
      header={`${fit('NODE', 12)}${fit('STATUS', 9)}${fitRight('CPU', 7)} ${fitRight('MEMORY', 15)} ${fitRight('UPTIME', 9)}  GUESTS (running/total)`}
      items={items}
      pos={pos}
      height={height}
      keyOf={(n) => n.node}
      empty="no nodes"
      info={`Enter lists the node's VMs${filter ? ` · /${filter}` : ''}`}
      render={(n) => {
        const on = n.status === 'online';
        const g = guests.get(n.node);
        return (
          <>
            {fit(n.node, 12)}
            <Text color={NODE_STATUS_COLOUR[n.status]}>{fit(n.status, 9)}</Text>
            {fitRight(on ? `${percent(n.cpu)}/${n.maxcpu}` : '-', 7)} {fitRight(on ? `${bytes(n.mem)}/${bytes(n.maxmem)}` : '-', 15)} {fitRight(on ? duration(n.uptime) : '-', 9)}
            {'  '}
            {g ? `${g.running}/${g.total}` : '0/0'}
          </>
        );
      }}
    />
  );
}
