// A job's runs (or every job's), with the selected run's per-VM outcomes.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { STATE_COLOUR } from '../colours.js';
import { clock, elapsed, fit } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { runRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function RunsView({ store }: { store: TuiStore }) {
  const runs = useTui(store, (s) => s.runs);
  const filter = useTui(store, (s) => s.filters.runs);
  const pos = useTui(store, (s) => s.pos.runs);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const job = useTui(store, (s) => s.jobs.find((j) => j.id === s.runsJob)?.name ?? s.runsJob);
  const items = useMemo(() => runRows({ runs, filters: { runs: filter } }), [runs, filter]);
  const height = listRows('runs', bodyRows);
  const selected = items[pos.cursor];
  const vmRows = Math.max(1, bodyRows - height - 4);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <ScrollList
        header={`${fit('STARTED', 20)}${fit('JOB', 22)}${fit('TRIGGER', 9)}${fit('STATUS', 16)}${fit('TOOK', 8)}${fit('VMS', 5)}MESSAGE`}
        items={items}
        pos={pos}
        height={height}
        keyOf={(r) => r.id}
        empty="no runs yet"
        info={`${job ? `runs of ${job}` : 'runs of every job'}${filter ? ` · /${filter}` : ''} · Esc back`}
        render={(r) => (
          <>
            {fit(clock(r.startedAt), 20)}
            {fit(r.jobName, 22)}
            {fit(r.trigger, 9)}
            <Text color={STATE_COLOUR[r.status]}>{fit(`${r.status}${r.dryRun ? ' (dry)' : ''}`, 16)}</Text>
            {fit(r.finishedAt ? elapsed(r.finishedAt - r.startedAt) : '', 8)}
            {fit(String(r.vms.length), 5)}
            {r.message ?? ''}
          </>
        )}
      />
      {selected ? (
        <Box flexDirection="column" marginTop={1}>
          <Text color="gray">
            {selected.id} — per-VM outcome{selected.vms.length > vmRows ? ` (first ${vmRows} of ${selected.vms.length})` : ''}:
          </Text>
          {selected.vms.slice(0, vmRows).map((v) => (
            <Text key={v.vmid} wrap="truncate">
              {fit(String(v.vmid), 7)}
              {fit(v.name, 22)}
              <Text color={STATE_COLOUR[v.state] ?? 'white'}>{fit(v.state, 11)}</Text>
              {v.message ?? ''}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
