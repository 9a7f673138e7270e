import { Text } from 'ink';
import { useStore } from 'zustand';
import type { TuiStore } from '../store.js';

export function StatusLine({ store }: { store: TuiStore }) {
  const status = useStore(store, (s) => s.status);
  const mode = useStore(store, (s) => s.mode);
  const input = useStore(store, (s) => s.input);
  const prompt = useStore(store, (s) => s.prompt);
  const menu = useStore(store, (s) => s.menu);
  if (mode === 'filter') return <Text><Text color="cyan">/</Text>{input}<Text inverse> </Text></Text>;
  if (mode === 'command') return <Text><Text color="cyan">:</Text>{input}<Text inverse> </Text></Text>;
  if (mode === 'prompt' && prompt) {
    const f = prompt.fields[prompt.index];
    return (
      <Text>
        <Text color="cyan">{f.label}: </Text>
        {f.value}
        <Text inverse> </Text>
        {f.hint ? <Text color="gray">  ({f.hint})</Text> : null}
      </Text>
    );
  }
  if (mode === 'menu' && menu) {
    return (
      <Text>
        <Text color="cyan">{menu.title}: </Text>
        {menu.choices.map((c) => (
          <Text key={c.key}>
            <Text color="yellow">[{c.key}]</Text>
            {c.label}{' '}
          </Text>
        ))}
        <Text color="gray">Esc cancel</Text>
      </Text>
    );
  }
  if (!status) return <Text color="gray">? help · : command · q quit</Text>;
  return <Text color={status.error ? 'red' : 'green'}>{status.text}</Text>;
}
