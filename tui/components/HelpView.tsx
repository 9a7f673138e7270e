import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { KEYMAP } from '../keymap.js';
import { fit } from '../format.js';
import type { TuiStore } from '../store.js';

/** Every binding of the keymap (minus mutating ones in read-only contexts), from the same list that dispatches. */
export function HelpView({ store }: { store: TuiStore }) {
  const readOnly = useStore(store, (s) => s.context.readOnly);
  const rows = KEYMAP.filter((b) => !(readOnly && b.mutating));
  return (
    <Box flexDirection="column">
      <Text bold>Keys{readOnly ? ' (read-only: actions hidden)' : ''}</Text>
      {rows.map((b) => (
        <Text key={`${b.keys}-${b.description}`} wrap="truncate">
          <Text color={b.destructive ? 'red' : 'cyan'}>{fit(b.keys, 16)}</Text>
          {fit(b.description, 70)}
          <Text color="gray">{b.views === 'all' ? 'everywhere' : b.views.join(' ')}</Text>
        </Text>
      ))}
      <Text color="gray">{'\n'}Selectors in :vms — tag:(env-prod AND NOT always-on) node:pve2 status:running name:web-* id:8200-8209</Text>
    </Box>
  );
}
