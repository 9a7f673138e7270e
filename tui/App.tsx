// The app: the open view (or the plan awaiting confirmation) and the operation pane inside the screen's
// frame (ScreenFrame). Keys go to the controller, which looks them up in the keymap.
import type { ReactNode } from 'react';
import { isDestructive } from '../src/ops/capabilities/index.js';
import { BackupsView } from './components/BackupsView.js';
import { DetailView } from './components/DetailView.js';
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
import { ScreenFrame, type ScreenFrameProps } from './components/ScreenFrame.js';
import { StorageView } from './components/StorageView.js';
import { OperationDetailView } from './components/OperationDetailView.js';
import { TaskLogView } from './components/TaskLogView.js';
import { TasksView } from './components/TasksView.js';
import { VmTable } from './components/VmTable.js';
import { VmForm } from './components/VmForm.js';
import type { TuiController } from './controller.js';
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

/** The open view, or the form, plan or picker in front of it. */
function AppBody({ store, controller }: { store: TuiStore; controller: TuiController }) {
  const view = useTui(store, (s) => s.view);
  const confirming = useTui(store, (s) => s.mode === 'confirm');
  const migrating = useTui(store, (s) => s.mode === 'migrate');
  const formOpen = useTui(store, (s) => s.mode === 'form');
  const requestOpen = useTui(store, (s) => s.mode === 'request');
  const Body = VIEWS[view];
  return formOpen ? (
    <VmForm store={store} onDone={(kind, request) => controller.submitVmForm(kind, request)} onCancel={() => controller.cancelVmForm()} />
  ) : requestOpen ? (
    <RequestForm store={store} onChange={(index, generation, value) => controller.formChanged(index, generation, value)} />
  ) : confirming ? (
    <PlanDialog store={store} />
  ) : migrating ? (
    <MigratePicker store={store} controller={controller} />
  ) : (
    <Body store={store} />
  );
}

/**
 * The whole app's frame. Mounted as ScreenFrame itself (not inside a component of its own), so it takes over
 * from the first frame (first-frame.ts) in place: the same root, its input handler and body replaced.
 */
export function appFrame(store: TuiStore, controller: TuiController): ScreenFrameProps {
  return {
    store,
    body: <AppBody store={store} controller={controller} />,
    pane: <OperationPane store={store} />,
    onInput: (input, key) => controller.handleInput(input, key),
    dangerOf: isDestructive,
  };
}

export function App({ store, controller }: { store: TuiStore; controller: TuiController }) {
  return <ScreenFrame {...appFrame(store, controller)} />;
}
