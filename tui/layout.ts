// How the screen is divided, from the terminal size and what is open. The App draws with it and the
// controller pages and scrolls with it, so a page is exactly what is on screen.
import type { Operation } from '../src/ops/types.js';
import { progressOf } from './operation-text.js';
import type { TuiState, ViewName } from './store.js';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 15;
const HEADER_ROWS = 2;
const STATUS_ROWS = 1;

export interface ScreenLayout {
  tooSmall: boolean;
  /** The footer shows keys on one line, or a problem with the line being typed on two. */
  footerRows: number;
  /** Target rows inside the operation pane (0: no pane). */
  paneTargets: number;
  paneRows: number;
  bodyRows: number;
}

export function paneOperation(s: Pick<TuiState, 'paneOpId' | 'liveOps'>): Operation | undefined {
  return s.paneOpId ? s.liveOps.find((o) => o.id === s.paneOpId) : undefined;
}

/**
 * Rows the app draws: all but the terminal's last. An app as tall as the terminal makes Ink clear the
 * whole screen on every frame (flicker, and the full screen resent); one row less lets it rewrite only
 * the lines that changed.
 */
export function drawnRows(terminalRows: number): number {
  return Math.max(1, terminalRows - 1);
}

export function screenLayout(s: Pick<TuiState, 'size' | 'paneOpId' | 'liveOps' | 'line'>): ScreenLayout {
  const columns = s.size.columns;
  const rows = drawnRows(s.size.rows);
  const tooSmall = rows < MIN_ROWS || columns < MIN_COLUMNS;
  const op = paneOperation(s);
  const active = op ? progressOf(op).active.length : 0;
  const paneTargets = op ? Math.max(1, Math.min(active, Math.floor(rows / 5))) : 0;
  // Border (2) and the title with the progress bar (1).
  const paneRows = op ? paneTargets + 3 : 0;
  const footerRows = s.line?.hint?.error ? 2 : 1;
  const bodyRows = Math.max(3, rows - HEADER_ROWS - STATUS_ROWS - footerRows - paneRows);
  return { tooSmall, footerRows, paneTargets, paneRows, bodyRows };
}

/** Rows of the scrolling list in a view (its column header, info line and side panels excluded). */
export function listRows(view: ViewName, bodyRows: number): number {
  switch (view) {
    case 'ops':
    case 'history':
    case 'runs':
      // The list takes the upper part; the selected row's per-VM outcomes the rest.
      return Math.max(2, Math.floor((bodyRows - 3) * 0.45));
    case 'detail':
      return Math.max(2, bodyRows - 8); // six lines above the list (tasks among them), its header and its info line
    case 'operation':
      // The title line, the list's header and position line, and the cursor target's phases below.
      return Math.max(2, bodyRows - 3 - phasePanelRows(bodyRows));
    case 'tasklog':
      // The title line above the list's header and position line.
      return Math.max(2, bodyRows - 3);
    case 'help':
      return Math.max(2, bodyRows - 1);
    default:
      return Math.max(2, bodyRows - 2);
  }
}

/** Rows under an operation's target list for the cursor target's phases and their UPIDs. */
export function phasePanelRows(bodyRows: number): number {
  // Five at 80×24 where there is room (the list keeps 10): an interrupted VM's "check the VM …" message
  // (two lines), its phase and the phase's UPID under the title.
  return Math.max(3, Math.min(5, bodyRows - 8), Math.min(8, Math.floor(bodyRows / 4)));
}

export function listRowsFor(s: Pick<TuiState, 'size' | 'paneOpId' | 'liveOps' | 'line' | 'view'>): number {
  return listRows(s.view, screenLayout(s).bodyRows);
}

/** The help screen uses two columns when the terminal is wide enough. */
export function helpColumns(columns: number): number {
  // Two columns only when a key and its whole description fit in each.
  return columns >= 200 ? 2 : 1;
}

export function helpPageRows(s: Pick<TuiState, 'size' | 'paneOpId' | 'liveOps' | 'line'>): number {
  return listRows('help', screenLayout(s).bodyRows);
}

/** Rows that one screen of the view shows (the help screen: every column). */
export function pageSize(s: Pick<TuiState, 'size' | 'paneOpId' | 'liveOps' | 'line' | 'view'>): number {
  return s.view === 'help' ? helpPageRows(s) * helpColumns(s.size.columns) : listRowsFor(s);
}
