// The operation in progress (or the one just finished): an overall progress bar and per-VM rows with
// state, elapsed time and message. It stays while you keep working; x closes it once finished.
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { OperationTarget } from '../../src/ops/types.js';
import { STATE_COLOUR } from '../colours.js';
import { elapsed, fit } from '../format.js';
import { paneOperation, screenLayout } from '../layout.js';
import { byProgress, continuation, progressOf, targetKey, tookOf } from '../operation-text.js';
import { opName } from '../operation-name.js';
import { useTui, type TuiStore } from '../store.js';

/** Re-renders once a second while something runs, so elapsed times move. */
function useTicker(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function ProgressBar({ done, total, width }: { done: number; total: number; width: number }) {
  const filled = total ? Math.round((done / total) * width) : width;
  return (
    <Text>
      <Text color="cyan">{'█'.repeat(filled)}</Text>
      <Text color="gray">{'░'.repeat(Math.max(0, width - filled))}</Text>
    </Text>
  );
}

export function OperationPane({ store }: { store: TuiStore }) {
  const op = useTui(store, (s) => paneOperation(s));
  const rows = useTui(store, (s) => screenLayout(s).paneTargets);
  const columns = useTui(store, (s) => s.size.columns);
  const readOnly = useTui(store, (s) => s.context.readOnly);
  const running = op?.status === 'running';
  const now = useTicker(running);
  if (!op) return null;
  const { active, done } = progressOf(op);
  const failed = active.filter((t) => t.state === 'failed').length;
  const interrupted = active.filter((t) => t.state === 'interrupted').length;
  const how = continuation(op);
  const shown: OperationTarget[] = [...active].sort(byProgress).slice(0, rows);
  const took = (op.finishedAt ?? now) - op.startedAt;
  const barWidth = Math.max(10, Math.min(40, columns - 70));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={running ? 'cyan' : op.status === 'succeeded' || op.status === 'rolled-back' ? 'green' : 'yellow'} flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>{opName(op)}</Text>
        <Text color="gray">
          {how ? ` · ${how === 'resume' ? 'resume' : 'rollback'}` : ''} ·{' '}
        </Text>
        {op.kind} <Text color={STATE_COLOUR[op.status]}>{op.status}</Text> <ProgressBar done={done} total={active.length} width={barWidth} /> {done}/{active.length}
        {failed ? <Text color="red"> · {failed} failed</Text> : null}
        {interrupted ? <Text color={STATE_COLOUR.interrupted}> · {interrupted} interrupted</Text> : null}
        <Text color="gray">
          {' '}
          · {elapsed(took)}
          {active.length > shown.length ? ` · ${active.length - shown.length} more in :ops` : ''}
          {running ? (readOnly ? '' : ' · c cancels') : ' · x closes · in :history'}
        </Text>
      </Text>
      {shown.map((t) => (
        <Text key={targetKey(t)} wrap="truncate">
          {fit(String(t.vmid), 7)}
          {fit(t.name, 22)}
          <Text color={STATE_COLOUR[t.state]}>{fit(t.state, 12)}</Text>
          {fit(tookOf(t, op, now), 8)}
          {t.message ?? t.action}
        </Text>
      ))}
    </Box>
  );
}
