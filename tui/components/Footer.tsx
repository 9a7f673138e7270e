// The keys that matter here, from the keymap that dispatches them; as many as fit on one line. Which are
// destructive (red) is the capability registry's answer, passed in as `dangerOf` once the core has loaded;
// the first frame, drawn before that, shows them in the ordinary colour for the moment it takes.
import { Box, Text } from 'ink';
import { activeScopes, bindingsIn, keyIsDestructive, type DangerOf } from '../keymap.js';
import { chordLabel } from '../keys.js';
import { useTui, type TuiStore } from '../store.js';

export function Footer({ store, dangerOf }: { store: TuiStore; dangerOf?: DangerOf }) {
  const view = useTui(store, (s) => s.view);
  const mode = useTui(store, (s) => s.mode);
  const formScope = useTui(store, (s) => s.requestForm?.keyScope);
  const readOnly = useTui(store, (s) => s.context.readOnly);
  const columns = useTui(store, (s) => s.size.columns);
  const lineError = useTui(store, (s) => (s.line?.hint?.error ? s.line.hint.text : undefined));
  // While a line is typed, a problem with it matters more than the keys: it gets the whole line.
  if (lineError) {
    return (
      <Box height={2} flexShrink={0}>
        <Text color="red" wrap="wrap">
          ✗ {lineError}
        </Text>
      </Box>
    );
  }
  const parts: Array<{ id: string; key: string; label: string; destructive: boolean }> = [];
  let used = 0;
  for (const b of bindingsIn(activeScopes(mode, view, formScope), readOnly)) {
    if (!b.footer) continue;
    const key = chordLabel(b.keys[0]);
    const width = key.length + b.label.length + 3;
    if (used + width > columns) break;
    used += width;
    parts.push({ id: b.id, key, label: b.label, destructive: keyIsDestructive(b, dangerOf) });
  }
  return (
    <Text wrap="truncate">
      {parts.map((p) => (
        <Text key={p.id}>
          <Text color={p.destructive ? 'red' : 'cyan'} bold>
            {p.key}
          </Text>
          <Text color="gray"> {p.label}  </Text>
        </Text>
      ))}
    </Text>
  );
}
