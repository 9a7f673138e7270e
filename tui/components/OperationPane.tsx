import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { fit } from '../format.js';
import type { TuiStore } from '../store.js';

const COLOUR: Record<string, string> = { succeeded: 'green', failed: 'red', cancelled: 'yellow', running: 'cyan', planned: 'gray', skipped: 'gray' };

/** The latest operation's live progress; stays while you keep working. */
export function OperationPane({ store, rows }: { store: TuiStore; rows: number }) {
  const op = useStore(store, (s) => s.operations[0]);
  if (!op) return null;
  const active = op.targets.filter((t) => t.state !== 'skipped');
  const done = active.filter((t) => t.state === 'succeeded' || t.state === 'failed' || t.state === 'cancelled').length;
  const width = 30;
  const filled = active.length ? Math.round((done / active.length) * width) : width;
  const shown = [...active].sort((a, b) => (a.state === 'running' ? -1 : 0) - (b.state === 'running' ? -1 : 0)).slice(0, rows);
  return (
    <Box flexDirection="column" borderStyle="single" borderColor={op.status === 'running' ? 'cyan' : op.status === 'succeeded' ? 'green' : 'yellow'}>
      <Text>
        <Text bold>{op.kind}</Text> {op.status} <Text color="cyan">{'█'.repeat(filled)}</Text>
        <Text color="gray">{'░'.repeat(width - filled)}</Text> {done}/{active.length}
        {op.status === 'running' ? <Text color="gray"> (c cancels)</Text> : null}
      </Text>
      {shown.map((t) => (
        <Text key={t.vmid} wrap="truncate">
          {fit(String(t.vmid), 7)}
          {fit(t.name, 20)}
          <Text color={COLOUR[t.state]}>{fit(t.state, 10)}</Text>
          {fit(t.startedAt ? `${(((t.finishedAt ?? Date.now()) - t.startedAt) / 1000).toFixed(1)}s` : '', 8)}
          {t.message ?? t.action}
        </Text>
      ))}
    </Box>
  );
}
