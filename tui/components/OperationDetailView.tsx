// One operation from the history: what it was, and every VM with its outcome and its phases at a glance
// (`snapshot ✓ · verify ✗`); under the list, the cursor VM's phases with the PVE tasks (UPIDs) each
// caused. Enter opens a VM's PVE task log, which says in PVE's words why it failed.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { Operation, OperationTarget, PhaseRecord } from '../../src/ops/types.js';
import { STATE_COLOUR } from '../colours.js';
import { clock, elapsed, fit, wrapLines } from '../format.js';
import { listRows, phasePanelRows, screenLayout } from '../layout.js';
import { compactPhases, continuation, phaseGlyph, phasesOf, targetKey, tookOf } from '../operation-text.js';
import { opName } from '../operation-name.js';
import { opDetailOf, opTargetRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

const MAX_PHASES_COLUMN = 28;

interface PanelLine {
  key: string;
  glyph?: string;
  name?: string;
  state?: string;
  took?: string;
  rest: string;
}

/** Every phase of a target: its state, time and message, then each PVE task it caused (UPID) on a line of its own; its undo likewise. */
function phaseLines(t: OperationTarget, op: Pick<Operation, 'finishedAt'>): PanelLine[] {
  const out: PanelLine[] = [];
  const upidLines = (key: string, upids: string[]) => upids.forEach((u, j) => out.push({ key: `${key}-${j}`, rest: u }));
  phasesOf(t).forEach((p: PhaseRecord, i) => {
    const took = tookOf(p, op);
    out.push({ key: `${i}`, glyph: phaseGlyph(p.state), name: p.name, state: p.state, took, rest: p.message ?? (p.upids.length ? '' : 'no PVE task') });
    upidLines(`${i}`, p.upids);
    if (p.undo) {
      out.push({ key: `${i}-undo`, glyph: '↶', name: 'undo', state: p.undo.state, took: '', rest: p.undo.message ?? '' });
      upidLines(`${i}-undo`, p.undo.upids);
    }
  });
  return out;
}

function PhasePanel({ target, op, rows, columns }: { target: OperationTarget | undefined; op: Operation; rows: number; columns: number }) {
  if (!target) return null;
  const lines = phaseLines(target, op);
  // What went wrong and what to do ("check the VM … and PVE task …") is cut off in the row at 80 columns:
  // an interrupted or failed VM's message comes first here, wrapped, leaving two lines for its phases (the UPID).
  const note = (target.state === 'interrupted' || target.state === 'failed') && target.message ? wrapLines(target.message, Math.max(20, columns - 2), Math.max(1, rows - 1 - Math.min(lines.length, 2))) : [];
  const room = rows - 1 - note.length;
  const shown = lines.length > room ? lines.slice(0, Math.max(0, room - 1)) : lines;
  return (
    <Box flexDirection="column" flexShrink={0} height={rows}>
      <Text color="gray" wrap="truncate">
        VM {target.vmid} {target.name} — {lines.length ? 'phases and their PVE tasks:' : 'no phases recorded (skipped, not attempted, or a record from before phases)'}
      </Text>
      {note.map((l, i) => (
        <Text key={`note-${i}`} color={STATE_COLOUR[target.state]}>
          {'  '}
          {l}
        </Text>
      ))}
      {shown.map((l) =>
        l.state ? (
          <Text key={l.key} wrap="truncate">
            {'  '}
            <Text color={STATE_COLOUR[l.state]}>{fit(l.glyph ?? '', 2)}</Text>
            {fit(l.name ?? '', 14)}
            <Text color={STATE_COLOUR[l.state]}>{fit(l.state, 12)}</Text>
            {fit(l.took ?? '', 8)}
            {l.rest}
          </Text>
        ) : (
          <Text key={l.key} wrap="truncate" color="gray">
            {'      '}
            {l.rest}
          </Text>
        ),
      )}
      {shown.length < lines.length ? <Text color="gray">{`  … ${lines.length - shown.length} more`}</Text> : null}
    </Box>
  );
}

export function OperationDetailView({ store }: { store: TuiStore }) {
  const opDetail = useTui(store, (s) => s.opDetail);
  const liveOps = useTui(store, (s) => s.liveOps);
  const pastOps = useTui(store, (s) => s.pastOps);
  const filter = useTui(store, (s) => s.filters.operation);
  const pos = useTui(store, (s) => s.pos.operation);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const columns = useTui(store, (s) => s.size.columns);
  const height = listRows('operation', bodyRows);
  const op = useMemo(() => opDetailOf({ opDetail, liveOps, pastOps }), [opDetail, liveOps, pastOps]);
  const items = useMemo(() => opTargetRows({ opDetail, liveOps, pastOps, filters: { operation: filter } }), [opDetail, liveOps, pastOps, filter]);
  if (!op) return <Text color="gray">{opDetail ? `operation ${opDetail} is no longer in the history` : 'no operation selected'}</Text>;
  const phasesWidth = Math.min(MAX_PHASES_COLUMN, Math.max(0, ...items.map((t) => compactPhases(t).length + 2)));
  const how = continuation(op);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>
          {opName(op)}
          {op.dryRun ? ' (dry run)' : ''}
        </Text>{' '}
        <Text color="gray">({op.kind})</Text> <Text color={STATE_COLOUR[op.status]}>{op.status}</Text>
        {how ? ` · ${how === 'resume' ? 'resumed' : 'rolled back'} from ${op.continuations![op.continuations!.length - 1].frontEnd}` : ''} · {op.id} · started {clock(op.startedAt)} from {op.frontEnd}
        {op.finishedAt ? ` · took ${elapsed(op.finishedAt - op.startedAt)}` : ''}
        {op.warnings.length ? <Text color="yellow"> · {op.warnings.join('; ')}</Text> : null}
      </Text>
      <ScrollList
        header={`${fit('VMID', 7)}${fit('NAME', 22)}${fit('NODE', 8)}${fit('STATE', 12)}${fit('TOOK', 8)}${phasesWidth ? fit('PHASES', phasesWidth) : ''}WHAT HAPPENED`}
        items={items}
        pos={pos}
        height={height}
        keyOf={targetKey}
        empty="no VMs"
        info={`Enter shows a VM's PVE task log${filter ? ` · /${filter}` : ''} · Esc back`}
        render={(t) => (
          <>
            {fit(String(t.vmid), 7)}
            {fit(t.name, 22)}
            {fit(t.node, 8)}
            <Text color={STATE_COLOUR[t.state]}>{fit(t.state, 12)}</Text>
            {fit(tookOf(t, op), 8)}
            {phasesWidth ? fit(compactPhases(t), phasesWidth) : ''}
            {t.message ?? t.action}
          </>
        )}
      />
      <PhasePanel target={items[pos.cursor]} op={op} rows={phasePanelRows(bodyRows)} columns={columns} />
    </Box>
  );
}
