// A column header, the visible slice of a list with the cursor row highlighted, and a position line.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { ListPos } from '../store.js';
import { windowOf } from '../view-window.js';

export interface ScrollListProps<T> {
  header: string;
  items: T[];
  pos: ListPos;
  height: number;
  keyOf: (item: T) => string | number;
  render: (item: T) => ReactNode;
  empty: string;
  /** Extra text for the position line. */
  info?: string;
  /** Draw the cursor (lists that are not focused show none). */
  focused?: boolean;
}

export function ScrollList<T>({ header, items, pos, height, keyOf, render, empty, info, focused = true }: ScrollListProps<T>) {
  const win = windowOf(pos.scroll, height, items.length, pos.cursor);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray" wrap="truncate">
        {header}
      </Text>
      {items.slice(win.start, win.end).map((item, i) => (
        <Text key={keyOf(item)} inverse={focused && win.start + i === pos.cursor} wrap="truncate">
          {render(item)}
        </Text>
      ))}
      {items.length === 0 ? <Text color="gray">{empty}</Text> : null}
      {Array.from({ length: Math.max(0, height - Math.max(1, win.end - win.start)) }, (_, i) => (
        <Text key={`pad-${i}`}> </Text>
      ))}
      <Text color="gray" wrap="truncate">
        {items.length ? `${pos.cursor + 1}/${items.length}` : '0/0'}
        {info ? ` · ${info}` : ''}
      </Text>
    </Box>
  );
}
