// One line: what is being typed (filter, command with live feedback, a typed confirmation) or the last message.
import { Text } from 'ink';
import { useTui, type TuiStore } from '../store.js';

const TONE: Record<string, string> = { info: 'white', ok: 'green', error: 'red' };

export function StatusLine({ store }: { store: TuiStore }) {
  const mode = useTui(store, (s) => s.mode);
  const line = useTui(store, (s) => s.line);
  const prompt = useTui(store, (s) => s.prompt);
  const power = useTui(store, (s) => s.power);
  const status = useTui(store, (s) => s.status);
  if ((mode === 'filter' || mode === 'command') && line) {
    return (
      <Text wrap="truncate">
        <Text color="cyan" bold>
          {mode === 'filter' ? '/' : ':'}
        </Text>
        {line.text}
        <Text inverse> </Text>
        {line.hint && !line.hint.error ? <Text color="gray">{`   ${line.hint.text}`}</Text> : null}
        {line.hint?.error ? <Text color="red">{'   ✗ (below)'}</Text> : null}
      </Text>
    );
  }
  if (mode === 'prompt' && prompt) {
    return (
      <Text wrap="truncate">
        <Text color="magenta">{prompt.title} › </Text>
        <Text color="cyan">{prompt.label}: </Text>
        {prompt.value}
        <Text inverse> </Text>
        {prompt.error ? <Text color="red">{`   ✗ ${prompt.error}`}</Text> : prompt.hint ? <Text color="gray">{`   ${prompt.hint}`}</Text> : null}
      </Text>
    );
  }
  if (mode === 'power' && power) {
    return (
      <Text wrap="truncate" color="magenta">
        power {power.length === 1 ? `VM ${power[0]}` : `${power.length} VMs`}: pick an action (keys below), Esc closes
      </Text>
    );
  }
  if (!status) return <Text color="gray">{mode === 'normal' ? '? help · : command · / filter · q quit' : ' '}</Text>;
  return (
    <Text wrap="truncate" color={TONE[status.tone]}>
      {status.text}
    </Text>
  );
}
