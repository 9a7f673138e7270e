// What a key (or a test) can ask the TUI to do. The keymap calls these; the controller implements them
// by changing the store and calling the core. Components never call the core.
import type { PowerAction } from '../src/ops/types.js';
import type { ActionId, VmFormKind } from './store.js';

export type JobIntent = 'enable' | 'disable' | 'trigger' | 'dry-run';
export type BackupIntent = 'protect' | 'delete';

export interface Intents {
  move(delta: number): void;
  moveTo(where: 'top' | 'bottom'): void;
  page(direction: 1 | -1): void;
  open(): void;
  back(): void;
  quit(): void;
  toggleHelp(): void;
  cycleView(direction: 1 | -1): void;
  refreshNow(): void;

  toggleMark(): void;
  markAllVisible(): void;
  clearMarks(): void;
  cycleSort(): void;
  reverseSort(): void;

  beginLine(kind: 'filter' | 'command'): void;
  submitLine(): void;
  eraseChar(): void;
  clearLine(): void;
  complete(): void;

  beginAction(action: ActionId): void;
  beginPower(): void;
  beginVmForm(kind: VmFormKind): void;
  pickPower(action: PowerAction): void;
  /** The migration target picker for the marked VMs (or the cursor VM), and a pick from it. */
  beginMigrate(): void;
  pickMigrateTarget(node: string): void;
  /** Drain or undrain the node under the cursor (nodes view). */
  nodeAction(kind: 'drain' | 'undrain'): void;
  confirm(): void;
  scrollPlan(delta: number): void;
  /** The plan's options (o): the request's optional fields in a form, the plan made again as they change. */
  planOptions(): void;
  /** A request form: move between fields, Tab (complete or next), Enter (next or submit), submit, pick a choice, clear, cancel. */
  formMove(delta: number): void;
  formTab(): void;
  formEnter(): void;
  formSubmit(): void;
  formCycle(delta: number): void;
  formClear(): void;
  formCancel(): void;
  cancelOperation(): void;
  /** The provisioning view (:provision): run its plan, cancel the run, resume or roll it back. */
  provisionRun(): void;
  provisionCancel(): void;
  provisionContinue(mode: 'resume' | 'rollback'): void;
  /** Resume or roll back the operation under the cursor (or the one open). */
  continueOperation(mode: 'resume' | 'rollback'): void;
  closePane(): void;
  jobAction(kind: JobIntent): void;
  /** :jobs N, E, X: the job form (new, or the cursor job), or the cursor job's deletion. */
  jobForm(kind: 'new' | 'edit' | 'delete'): void;
  /** Prune the backups the retention view marks remove (its plan first). */
  pruneBackups(): void;
  /** The backups view: open it (cluster-wide, or the cursor VM's), protect/unprotect or delete the cursor backup. */
  showBackups(vmid?: number): void;
  showCursorBackups(): void;
  backupAction(kind: BackupIntent): void;
}
