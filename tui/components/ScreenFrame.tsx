// The screen's frame: header, the body, the operation pane, the status line and the footer, sized to the
// terminal. The first frame (the VM list, drawn before the core has loaded) and the whole app draw through
// it, so taking over from the first frame changes what it shows and never how it is laid out.
import { Box, Text, useInput, useStdout, type Key } from 'ink';
import { useEffect, type ReactNode } from 'react';
import type { DangerOf } from '../keymap.js';
import { drawnRows, MIN_COLUMNS, MIN_ROWS, screenLayout } from '../layout.js';
import { useTui, type TuiStore } from '../store.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { StatusLine } from './StatusLine.js';

export interface ScreenFrameProps {
  store: TuiStore;
  body: ReactNode;
  /** The operation pane (the first frame has none: nothing runs yet). */
  pane?: ReactNode;
  onInput: (input: string, key: Key) => void;
  /** The capability registry's danger answer, once the core has loaded (the footer's red keys). */
  dangerOf?: DangerOf;
}

export function ScreenFrame({ store, body, pane, onInput, dangerOf }: ScreenFrameProps) {
  const size = useTui(store, (s) => s.size);
  const tooSmall = useTui(store, (s) => screenLayout(s).tooSmall);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const { stdout } = useStdout();

  useEffect(() => {
    // Only a real terminal has a size to follow (a test's stream keeps the size it was given).
    if (!stdout.isTTY) return;
    const resize = () => {
      const columns = stdout.columns || 120;
      const rows = stdout.rows || 30;
      const now = store.getState().size;
      if (now.columns !== columns || now.rows !== rows) store.setState({ size: { columns, rows } });
    };
    resize();
    stdout.on('resize', resize);
    return () => void stdout.off('resize', resize);
  }, [stdout, store]);

  useInput(onInput);

  if (tooSmall) {
    return (
      <Box flexDirection="column" width={size.columns} height={drawnRows(size.rows)}>
        <Text color="yellow">
          moxxie needs a terminal of at least {MIN_COLUMNS}×{MIN_ROWS}; this one is {size.columns}×{size.rows}. Make it larger, or press q to quit.
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={size.columns} height={drawnRows(size.rows)}>
      <Header store={store} />
      <Box flexDirection="column" height={bodyRows} overflowY="hidden" flexShrink={0}>
        {body}
      </Box>
      {pane}
      <StatusLine store={store} />
      <Footer store={store} dangerOf={dangerOf} />
    </Box>
  );
}
