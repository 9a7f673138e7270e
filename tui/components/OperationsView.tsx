// Operations, live (this session) or past (the history of every front end), with the selected one's
// per-VM outcomes under the list.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { Operation } from '../../src/ops/types.js';
import { stateCountsText } from '../../src/text/state-counts.js';
import { STATE_COLOUR } from '../colours.js';
import { elapsed, fit, shortClock } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { continuation, targetKey, tookOf } from '../operation-text.js';
import { opName } from '../operation-name.js';
import { byOutcome, liveOpRows, pastOpRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { windowOf } from '../view-window.js';
import { ScrollList } from './ScrollList.js';

const counts = (op: Operation): string => stateCountsText(op.targets, '');

/** What it did and how it ended: "snapshot nightly-{vm} — 3 succeeded, 1 failed" (and how it was continued). */
function result(op: Operation): string {
  const how = continuation(op);
  // A finished rollback says so in its status; one that left something in place says so here.
  const running = op.status === 'running';
  const continued = how === 'resume' ? (running ? 'resuming' : 'resumed') : how === 'rollback' && op.status !== 'rolled-back' ? (running ? 'rolling back' : 'rolled back') : '';
  const note = [op.dryRun ? 'dry run' : '', continued].filter(Boolean).join(', ');
  const c = counts(op);
  return `${opName(op)}${note ? ` (${note})` : ''}${c ? ` — ${c}` : ''}`;
}

export function Outcomes({ op, rows }: { op: Operation | undefined; rows: number }) {
  if (!op) return null;
  const targets = [...op.targets].sort(byOutcome);
  const win = windowOf(0, rows, targets.length);
  return (
    <Box flexDirection="column" flexShrink={0} marginTop={1}>
      <Text color="gray" wrap="truncate">
        {op.id} · {opName(op)} ({op.kind}) · {op.context} · from {op.frontEnd} — per-VM outcome{targets.length > rows ? ` (first ${rows} of ${targets.length})` : ''}:
      </Text>
      {targets.slice(win.start, win.end).map((t) => (
        <Text key={targetKey(t)} wrap="truncate">
          {fit(String(t.vmid), 7)}
          {fit(t.name, 22)}
          <Text color={STATE_COLOUR[t.state]}>{fit(t.state, 12)}</Text>
          {fit(tookOf(t, op), 8)}
          {t.message ?? t.action}
        </Text>
      ))}
    </Box>
  );
}

function OperationList({ items, pos, height, bodyRows, info }: { items: Operation[]; pos: { cursor: number; scroll: number }; height: number; bodyRows: number; info: string }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      <ScrollList
        header={`${fit('STARTED', 15)}${fit('KIND', 18)}${fit('STATUS', 12)}${fit('FROM', 10)}${fit('TOOK', 7)}${fit('VMS', 5)}OPERATION — RESULT`}
        items={items}
        pos={pos}
        height={height}
        keyOf={(o) => o.id}
        empty="nothing yet"
        info={info}
        render={(o) => (
          <>
            {fit(shortClock(o.startedAt), 15)}
            {fit(o.kind, 18)}
            <Text color={STATE_COLOUR[o.status]}>{fit(o.status, 12)}</Text>
            {fit(o.frontEnd, 10)}
            {fit(o.finishedAt ? elapsed(o.finishedAt - o.startedAt) : '', 7)}
            {fit(String(o.targets.length), 5)}
            {result(o)}
          </>
        )}
      />
      <Outcomes op={items[pos.cursor]} rows={Math.max(1, bodyRows - height - 4)} />
    </Box>
  );
}

export function OpsView({ store }: { store: TuiStore }) {
  const liveOps = useTui(store, (s) => s.liveOps);
  const filter = useTui(store, (s) => s.filters.ops);
  const pos = useTui(store, (s) => s.pos.ops);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const items = useMemo(() => liveOpRows({ liveOps, filters: { ops: filter } }), [liveOps, filter]);
  return <OperationList items={items} pos={pos} height={listRows('ops', bodyRows)} bodyRows={bodyRows} info={`this session's operations, live; Enter shows one in the pane${filter ? ` · /${filter}` : ''}`} />;
}

export function HistoryView({ store }: { store: TuiStore }) {
  const pastOps = useTui(store, (s) => s.pastOps);
  const liveOps = useTui(store, (s) => s.liveOps);
  const filter = useTui(store, (s) => s.filters.history);
  const pos = useTui(store, (s) => s.pos.history);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const items = useMemo(() => pastOpRows({ pastOps, liveOps, filters: { history: filter } }), [pastOps, liveOps, filter]);
  return <OperationList items={items} pos={pos} height={listRows('history', bodyRows)} bodyRows={bodyRows} info={`history of every front end (TUI, MCP, scheduler); Enter lists an operation's VMs${filter ? ` · /${filter}` : ''}`} />;
}
