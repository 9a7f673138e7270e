import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { bindingsFor } from '../keymap.js';
import type { TuiStore } from '../store.js';

/** The keys that matter in this view, drawn from the same keymap that dispatches them. */
export function Footer({ store }: { store: TuiStore }) {
  const view = useStore(store, (s) => s.view);
  const readOnly = useStore(store, (s) => s.context.readOnly);
  const mode = useStore(store, (s) => s.mode);
  if (mode !== 'normal') return <Text color="gray">Enter confirm · Esc cancel</Text>;
  const keys = bindingsFor(view, readOnly).filter((b) => b.footer);
  return (
    <Box flexWrap="wrap">
      {keys.map((b) => (
        <Text key={b.keys}>
          <Text color={b.destructive ? 'red' : 'cyan'}>{b.keys}</Text> <Text color="gray">{b.description.split(/ \(|:/)[0]}</Text>
          {'  '}
        </Text>
      ))}
    </Box>
  );
}
