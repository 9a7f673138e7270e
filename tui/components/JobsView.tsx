import { Text } from 'ink';
import { useMemo } from 'react';
import { STATE_COLOUR } from '../colours.js';
import { clock, fit } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { jobRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function JobsView({ store }: { store: TuiStore }) {
  const jobs = useTui(store, (s) => s.jobs);
  const filter = useTui(store, (s) => s.filters.jobs);
  const pos = useTui(store, (s) => s.pos.jobs);
  const height = useTui(store, (s) => listRows('jobs', screenLayout(s).bodyRows));
  const items = useMemo(() => jobRows({ jobs, filters: { jobs: filter } }), [jobs, filter]);
  return (
    <ScrollList
      header={`${fit('NAME', 24)}${fit('TYPE', 17)}${fit('CRON', 20)}${fit('ON', 4)}${fit('NEXT FIRE', 21)}LAST RESULT`}
      items={items}
      pos={pos}
      height={height}
      keyOf={(j) => j.id}
      empty="no scheduler jobs yet: N creates one (or `moxxie jobs create --file job.json`, or over MCP)"
      info={`Enter shows a job's runs${filter ? ` · /${filter}` : ''}`}
      render={(j) => (
        <>
          {fit(j.name, 24)}
          {fit(j.taskType, 17)}
          {fit(j.cronExpression, 20)}
          <Text color={j.enabled ? 'green' : 'gray'}>{fit(j.enabled ? 'yes' : 'no', 4)}</Text>
          {fit(j.nextRun ? clock(j.nextRun) : '-', 21)}
          {j.lastRun ? (
            <Text color={STATE_COLOUR[j.lastRun.status]}>
              {j.lastRun.status} {clock(j.lastRun.startedAt)} ({j.lastRun.vms.length} VMs)
            </Text>
          ) : (
            <Text color="gray">never ran</Text>
          )}
        </>
      )}
    />
  );
}
