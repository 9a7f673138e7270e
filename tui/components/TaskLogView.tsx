// One PVE task: what it is, how it ended (or that it still runs), and its log, following the end while
// the cursor sits on the last line.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { clock } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { taskLogRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function TaskLogView({ store }: { store: TuiStore }) {
  const taskLog = useTui(store, (s) => s.taskLog);
  const filter = useTui(store, (s) => s.filters.tasklog);
  const pos = useTui(store, (s) => s.pos.tasklog);
  const height = useTui(store, (s) => listRows('tasklog', screenLayout(s).bodyRows));
  const items = useMemo(() => taskLogRows({ taskLog, filters: { tasklog: filter } }), [taskLog, filter]);
  if (!taskLog) return <Text color="gray">no task selected</Text>;
  const log = taskLog.log;
  const state = !log ? 'loading…' : log.status === 'running' ? 'running' : (log.exitstatus ?? 'stopped');
  const colour = !log ? 'gray' : log.status === 'running' ? 'cyan' : log.exitstatus === 'OK' ? 'green' : log.exitstatus?.startsWith('WARNINGS') ? 'yellow' : 'red';
  const earlier = log && log.start > 0 ? ` · ${log.start} earlier lines not shown` : '';
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>{log ? `${log.type}${log.id ? ` ${log.id}` : ''} on ${log.node}` : taskLog.upid}</Text>
        {log ? ` · started ${clock(log.starttime * 1000)} · ` : ' · '}
        <Text color={colour}>{state}</Text>
      </Text>
      <ScrollList
        header={taskLog.upid}
        items={items}
        pos={pos}
        height={height}
        keyOf={(l) => l.n}
        empty={log ? 'the log is empty' : 'loading the log…'}
        info={`${log ? `${log.total} lines` : ''}${earlier}${filter ? ` · /${filter}` : ''} · Esc back`}
        render={(l) => (
          <>
            <Text color="gray">{String(l.n).padStart(5)} </Text>
            {l.text}
          </>
        )}
      />
    </Box>
  );
}
