import { Box, useInput, useStdout, type Key } from 'ink';
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { DetailView, HistoryView, JobsView, NodesView, OpsView, TasksView } from './components/ListViews.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpView } from './components/HelpView.js';
import { OperationPane } from './components/OperationPane.js';
import { PlanDialog } from './components/PlanDialog.js';
import { StatusLine } from './components/StatusLine.js';
import { VmTable } from './components/VmTable.js';
import type { TuiController } from './controller.js';
import { dispatch } from './keymap.js';
import type { TuiStore } from './store.js';

/** Keys while a line is being typed (filter, command, prompt, destructive confirmation). */
function editLine(c: TuiController, store: TuiStore, input: string, key: Key): void {
  const s = store.getState();
  if (key.escape) return c.back();
  if (key.return) return c.submitInput();
  const current = s.mode === 'prompt' && s.prompt ? s.prompt.fields[s.prompt.index].value : s.mode === 'confirm' && s.confirm ? s.confirm.typed : s.input;
  if (key.backspace || key.delete) return c.typeInput(current.slice(0, -1));
  if (s.mode === 'confirm' && s.confirm && !s.confirm.destructive) {
    if (input === 'y') c.submitConfirm('y');
    else if (input === 'n') c.back();
    return;
  }
  if (input && !key.ctrl && !key.meta && !key.tab) c.typeInput(current + input);
}

export function App({ store, controller }: { store: TuiStore; controller: TuiController }) {
  const view = useStore(store, (s) => s.view);
  const mode = useStore(store, (s) => s.mode);
  const size = useStore(store, (s) => s.size);
  const hasOp = useStore(store, (s) => s.operations.length > 0);
  const { stdout } = useStdout();

  useEffect(() => {
    const resize = () => store.setState({ size: { columns: stdout.columns || 120, rows: stdout.rows || 30 } });
    resize();
    stdout.on('resize', resize);
    return () => void stdout.off('resize', resize);
  }, [stdout, store]);

  useInput((input, key) => {
    const s = store.getState();
    if (key.ctrl && input === 'c') return controller.quit();
    if (s.mode === 'menu') {
      if (key.escape) controller.back();
      else controller.pickMenu(input);
      return;
    }
    if (s.mode !== 'normal') return editLine(controller, store, input, key);
    // Keys typed faster than a frame arrive together ("jj"): dispatch them one by one.
    if (input.length > 1 && !key.ctrl && !key.meta) {
      for (const ch of input) {
        const now = store.getState();
        if (ch === '\r' || ch === '\n') {
          if (now.mode !== 'normal') controller.submitInput();
          else dispatch(controller, now.view, now.context.readOnly, '', { ...key, return: true });
        } else if (now.mode !== 'normal') controller.typeInput((now.mode === 'prompt' && now.prompt ? now.prompt.fields[now.prompt.index].value : now.input) + ch);
        else dispatch(controller, now.view, now.context.readOnly, ch, { ...key, return: false });
      }
      return;
    }
    dispatch(controller, s.view, s.context.readOnly, input, key);
  });

  const paneRows = hasOp ? Math.min(6, Math.max(2, Math.floor(size.rows / 5))) : 0;
  // Header, margin, status line and a footer that may wrap to two lines.
  const bodyHeight = Math.max(3, size.rows - 7 - (hasOp ? paneRows + 3 : 0));
  const body =
    mode === 'confirm' ? (
      <PlanDialog store={store} rows={bodyHeight - 4} />
    ) : view === 'vms' ? (
      <VmTable store={store} height={bodyHeight - 2} />
    ) : view === 'nodes' ? (
      <NodesView store={store} height={bodyHeight - 1} />
    ) : view === 'tasks' ? (
      <TasksView store={store} height={bodyHeight - 1} />
    ) : view === 'ops' ? (
      <OpsView store={store} height={bodyHeight - 1} />
    ) : view === 'history' ? (
      <HistoryView store={store} height={bodyHeight - 1} />
    ) : view === 'jobs' ? (
      <JobsView store={store} height={bodyHeight - 1} />
    ) : view === 'detail' ? (
      <DetailView store={store} height={bodyHeight - 1} />
    ) : (
      <HelpView store={store} />
    );
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows}>
      <Header store={store} />
      <Box flexDirection="column" flexGrow={1} flexShrink={1} marginTop={1} overflow="hidden">
        {body}
      </Box>
      <Box flexDirection="column" flexShrink={0}>
        {hasOp ? <OperationPane store={store} rows={paneRows} /> : null}
        <StatusLine store={store} />
        <Footer store={store} />
      </Box>
    </Box>
  );
}
