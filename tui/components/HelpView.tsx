import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { KEYMAP, type Binding } from '../keymap.js';
import { fit } from '../format.js';
import type { TuiStore } from '../store.js';

function Column({ rows, width }: { rows: Binding[]; width: number }) {
  return (
    <Box flexDirection="column" flexShrink={0} width={width}>
      {rows.map((b) => (
        <Text key={`${b.keys}-${b.description}`} wrap="truncate">
          <Text color={b.destructive ? 'red' : 'cyan'}>{fit(b.keys, 15)}</Text>
          {b.description}
          <Text color="gray"> [{b.views === 'all' ? 'all' : b.views.join(',')}]</Text>
        </Text>
      ))}
    </Box>
  );
}

/** Every binding of the keymap (minus mutating ones in read-only contexts), from the same list that dispatches. */
export function HelpView({ store }: { store: TuiStore }) {
  const readOnly = useStore(store, (s) => s.context.readOnly);
  const columns = useStore(store, (s) => s.size.columns);
  const rows = KEYMAP.filter((b) => !(readOnly && b.mutating));
  const half = Math.ceil(rows.length / 2);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold>Keys{readOnly ? ' (read-only: actions hidden)' : ''} — red ones change things and ask for confirmation</Text>
      <Box flexShrink={0}>
        <Column rows={rows.slice(0, half)} width={Math.floor(columns / 2)} />
        <Column rows={rows.slice(half)} width={Math.floor(columns / 2)} />
      </Box>
      <Text color="gray">Selectors in :vms — tag:(env-prod AND NOT always-on) node:pve2 status:running name:web-* id:8200-8209</Text>
    </Box>
  );
}
