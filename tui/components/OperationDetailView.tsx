// One operation from the history: what it was, and every VM with its outcome; Enter opens a VM's PVE task
// log, which says in PVE's words why it failed.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { STATE_COLOUR } from '../colours.js';
import { clock, elapsed, fit } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { opDetailOf, opTargetRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function OperationDetailView({ store }: { store: TuiStore }) {
  const opDetail = useTui(store, (s) => s.opDetail);
  const liveOps = useTui(store, (s) => s.liveOps);
  const pastOps = useTui(store, (s) => s.pastOps);
  const filter = useTui(store, (s) => s.filters.operation);
  const pos = useTui(store, (s) => s.pos.operation);
  const height = useTui(store, (s) => listRows('operation', screenLayout(s).bodyRows));
  const op = useMemo(() => opDetailOf({ opDetail, liveOps, pastOps }), [opDetail, liveOps, pastOps]);
  const items = useMemo(() => opTargetRows({ opDetail, liveOps, pastOps, filters: { operation: filter } }), [opDetail, liveOps, pastOps, filter]);
  if (!op) return <Text color="gray">{opDetail ? `operation ${opDetail} is no longer in the history` : 'no operation selected'}</Text>;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>
          {op.kind}
          {op.dryRun ? ' (dry run)' : ''}
        </Text>{' '}
        <Text color={STATE_COLOUR[op.status]}>{op.status}</Text> · {op.id} · started {clock(op.startedAt)} from {op.frontEnd}
        {op.finishedAt ? ` · took ${elapsed(op.finishedAt - op.startedAt)}` : ''}
        {op.warnings.length ? <Text color="yellow"> · {op.warnings.join('; ')}</Text> : null}
      </Text>
      <ScrollList
        header={`${fit('VMID', 7)}${fit('NAME', 22)}${fit('NODE', 8)}${fit('STATE', 11)}${fit('TOOK', 8)}WHAT HAPPENED`}
        items={items}
        pos={pos}
        height={height}
        keyOf={(t) => t.vmid}
        empty="no VMs"
        info={`Enter shows a VM's PVE task log${filter ? ` · /${filter}` : ''} · Esc back`}
        render={(t) => (
          <>
            {fit(String(t.vmid), 7)}
            {fit(t.name, 22)}
            {fit(t.node, 8)}
            <Text color={STATE_COLOUR[t.state]}>{fit(t.state, 11)}</Text>
            {fit(t.startedAt ? elapsed((t.finishedAt ?? Date.now()) - t.startedAt) : '', 8)}
            {t.message ?? t.action}
          </>
        )}
      />
    </Box>
  );
}
