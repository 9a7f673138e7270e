// Every key of the keymap (minus the actions a read-only context hides) and every command, from the
// same tables that dispatch them. Two columns on wide terminals; j/k and PgUp/PgDn scroll.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { isDestructive } from '../../src/ops/capabilities/index.js';
import { keyIsDestructive, keysLabel } from '../keymap.js';
import { fit } from '../format.js';
import { helpColumns, helpPageRows } from '../layout.js';
import { helpRows, type HelpRow } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';

function Line({ row }: { row: HelpRow }) {
  if (row.kind === 'title') {
    return (
      <Text bold color="magenta" wrap="truncate">
        {row.text}
      </Text>
    );
  }
  if (row.kind === 'command') {
    return (
      <Text wrap="truncate">
        <Text color="cyan">{fit(row.usage, 46)}</Text>
        {row.description}
      </Text>
    );
  }
  const b = row.binding;
  return (
    <Text wrap="truncate">
      <Text color={keyIsDestructive(b, isDestructive) ? 'red' : 'cyan'}>{fit(keysLabel(b), 18)}</Text>
      {b.description}
    </Text>
  );
}

export function HelpView({ store }: { store: TuiStore }) {
  const readOnly = useTui(store, (s) => s.context.readOnly);
  const filter = useTui(store, (s) => s.filters.help);
  const scroll = useTui(store, (s) => s.pos.help.scroll);
  const columns = useTui(store, (s) => s.size.columns);
  const pageRows = useTui(store, (s) => helpPageRows(s));
  const rows = useMemo(() => helpRows(readOnly, filter), [readOnly, filter]);
  const cols = helpColumns(columns);
  const width = Math.floor(columns / cols);
  const slices = Array.from({ length: cols }, (_, i) => rows.slice(scroll + i * pageRows, scroll + (i + 1) * pageRows));
  const shownTo = Math.min(rows.length, scroll + cols * pageRows);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>Keys and commands</Text>
        <Text color="gray">
          {readOnly ? ' · read-only context: actions are hidden' : ' · red keys change things and ask for the VM count'} · rows {rows.length ? scroll + 1 : 0}–{shownTo} of {rows.length}
          {filter ? ` · /${filter}` : ''} · Esc closes
        </Text>
      </Text>
      <Box flexShrink={0}>
        {slices.map((slice, i) => (
          <Box key={i} flexDirection="column" width={width} flexShrink={0}>
            {slice.map((row, j) => (
              <Line key={`${i}-${j}`} row={row} />
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
