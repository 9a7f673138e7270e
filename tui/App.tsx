// The screen: header, the open view (or the plan awaiting confirmation), the operation pane, the status
// line and the footer. Keys go to the controller, which looks them up in the keymap.
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, type ReactNode } from 'react';
import { BackupsView } from './components/BackupsView.js';
import { DetailView } from './components/DetailView.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpView } from './components/HelpView.js';
import { JobsView } from './components/JobsView.js';
import { MigratePicker } from './components/MigratePicker.js';
import { NodesView } from './components/NodesView.js';
import { OperationPane } from './components/OperationPane.js';
import { HistoryView, OpsView } from './components/OperationsView.js';
import { PlanDialog } from './components/PlanDialog.js';
import { RequestForm } from './components/RequestForm.js';
import { ProvisionView } from './components/ProvisionView.js';
import { RunsView } from './components/RunsView.js';
import { RetentionView } from './components/RetentionView.js';
import { StatusLine } from './components/StatusLine.js';
import { StorageView } from './components/StorageView.js';
import { OperationDetailView } from './components/OperationDetailView.js';
import { TaskLogView } from './components/TaskLogView.js';
import { TasksView } from './components/TasksView.js';
import { VmTable } from './components/VmTable.js';
import { VmForm } from './components/VmForm.js';
import type { TuiController } from './controller.js';
import { drawnRows, MIN_COLUMNS, MIN_ROWS, screenLayout } from './layout.js';
import { useTui, type TuiStore, type ViewName } from './store.js';

const VIEWS: Record<ViewName, (p: { store: TuiStore }) => ReactNode> = {
  vms: VmTable,
  nodes: NodesView,
  tasks: TasksView,
  ops: OpsView,
  history: HistoryView,
  jobs: JobsView,
  runs: RunsView,
  detail: DetailView,
  operation: OperationDetailView,
  tasklog: TaskLogView,
  help: HelpView,
  retention: RetentionView,
  provision: ProvisionView,
  storage: StorageView,
  backups: BackupsView,
};

export function App({ store, controller }: { store: TuiStore; controller: TuiController }) {
  const view = useTui(store, (s) => s.view);
  const confirming = useTui(store, (s) => s.mode === 'confirm');
  const migrating = useTui(store, (s) => s.mode === 'migrate');
  const formOpen = useTui(store, (s) => s.mode === 'form');
  const requestOpen = useTui(store, (s) => s.mode === 'request');
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

  useInput((input, key) => controller.handleInput(input, key));

  if (tooSmall) {
    return (
      <Box flexDirection="column" width={size.columns} height={drawnRows(size.rows)}>
        <Text color="yellow">
          moxxie needs a terminal of at least {MIN_COLUMNS}×{MIN_ROWS}; this one is {size.columns}×{size.rows}. Make it larger, or press q to quit.
        </Text>
      </Box>
    );
  }
  const Body = VIEWS[view];
  return (
    <Box flexDirection="column" width={size.columns} height={drawnRows(size.rows)}>
      <Header store={store} />
      <Box flexDirection="column" height={bodyRows} overflowY="hidden" flexShrink={0}>
        {formOpen ? (
          <VmForm store={store} onDone={(kind, request) => controller.submitVmForm(kind, request)} onCancel={() => controller.cancelVmForm()} />
        ) : requestOpen ? (
          <RequestForm store={store} onChange={(index, generation, value) => controller.formChanged(index, generation, value)} />
        ) : confirming ? (
          <PlanDialog store={store} />
        ) : migrating ? (
          <MigratePicker store={store} controller={controller} />
        ) : (
          <Body store={store} />
        )}
      </Box>
      <OperationPane store={store} />
      <StatusLine store={store} />
      <Footer store={store} />
    </Box>
  );
}
