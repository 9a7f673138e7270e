import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { countByStatus } from '../../src/inventory/summary.js';
import type { TuiStore } from '../store.js';

export function Header({ store }: { store: TuiStore }) {
  const context = useStore(store, (s) => s.context);
  const inventory = useStore(store, (s) => s.inventory);
  const view = useStore(store, (s) => s.view);
  const nodes = inventory?.nodes ?? [];
  const online = nodes.filter((n) => n.status === 'online').length;
  const counts = countByStatus(inventory?.vms ?? []);
  return (
    <Box justifyContent="space-between">
      <Text>
        <Text bold color="cyan">moxxie</Text> <Text color="gray">ctx</Text> <Text bold>{context.name}</Text>
        {context.demo ? <Text color="yellow"> (demo)</Text> : null} <Text color="gray">nodes</Text> {online}/{nodes.length}{' '}
        <Text color="gray">vms</Text> <Text color="green">{counts.running} running</Text> · {counts.stopped} stopped
        {counts.paused ? <Text color="yellow"> · {counts.paused} paused</Text> : null}
        {counts.unknown ? <Text color="red"> · {counts.unknown} unknown</Text> : null}
      </Text>
      <Text>
        {context.readOnly ? <Text backgroundColor="red" color="white" bold> READ-ONLY </Text> : null}
        {context.safeMode ? <Text color="gray"> safe-mode</Text> : null} <Text color="magenta">[{view}]</Text>
      </Text>
    </Box>
  );
}
