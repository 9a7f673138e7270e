import { Text } from 'ink';
import { useMemo } from 'react';
import { clock, elapsed, fit } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { taskRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function TasksView({ store }: { store: TuiStore }) {
  const tasks = useTui(store, (s) => s.tasks);
  const filter = useTui(store, (s) => s.filters.tasks);
  const pos = useTui(store, (s) => s.pos.tasks);
  const height = useTui(store, (s) => listRows('tasks', screenLayout(s).bodyRows));
  const items = useMemo(() => taskRows({ tasks, filters: { tasks: filter } }), [tasks, filter]);
  return (
    <ScrollList
      header={`${fit('STARTED', 20)}${fit('NODE', 8)}${fit('TYPE', 16)}${fit('ID', 8)}${fit('TOOK', 8)}${fit('USER', 18)}STATUS`}
      items={items}
      pos={pos}
      height={height}
      keyOf={(t) => t.upid}
      empty="no tasks yet"
      info={`PVE tasks, newest first, refreshed live${filter ? ` · /${filter}` : ''}`}
      render={(t) => (
        <>
          {fit(clock(t.starttime * 1000), 20)}
          {fit(t.node, 8)}
          {fit(t.type, 16)}
          {fit(t.id ?? '', 8)}
          {fit(t.endtime ? elapsed((t.endtime - t.starttime) * 1000) : '', 8)}
          {fit(t.user, 18)}
          <Text color={t.status === undefined ? 'cyan' : t.status === 'OK' ? 'green' : 'red'}>{t.status ?? 'running'}</Text>
        </>
      )}
    />
  );
}
