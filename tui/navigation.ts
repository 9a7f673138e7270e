// Moving about: the cursor and scroll of each list, which view is shown (and where Esc goes back to), and
// Enter on a row. Views load their data through the sync when shown.
import { listRowsFor, pageSize } from './layout.js';
import { jobRows, liveOpRows, nodeRows, opTargetRows, pastOpRows, rowCount, taskRows } from './rows.js';
import { MAIN_VIEWS, say, type ViewName } from './store.js';
import type { ControllerHost } from './controller-host.js';
import { clamp, scrollFor } from './view-window.js';

export class Navigator {
  /** Enter on a node lists its VMs; the VM list's own flow does that. */
  selectVms: (selector: string) => void = () => {};
  /** Esc in a list with a filter clears it; the VM list's flow does that. */
  clearFilter: () => void = () => {};

  constructor(private readonly host: ControllerHost) {}

  private get store() {
    return this.host.store;
  }

  private loadView(): void {
    void this.host
      .sync()
      .loadView()
      .catch((err: Error) => say(this.store, err.message, 'error'));
  }

  private setPos(cursor: number): void {
    const s = this.store.getState();
    const total = rowCount(s);
    const c = clamp(cursor, 0, Math.max(0, total - 1));
    const old = s.pos[s.view];
    // The help screen has no cursor: it scrolls, and stops when its last page is shown.
    const next = s.view === 'help' ? { cursor: clamp(cursor, 0, Math.max(0, total - pageSize(s))), scroll: 0 } : { cursor: c, scroll: scrollFor(c, old.scroll, listRowsFor(s), total) };
    if (s.view === 'help') next.scroll = next.cursor;
    this.store.setState({ pos: { ...s.pos, [s.view]: next } });
  }

  move(delta: number): void {
    this.setPos(this.store.getState().pos[this.store.getState().view].cursor + delta);
  }

  moveTo(where: 'top' | 'bottom'): void {
    this.setPos(where === 'top' ? 0 : rowCount(this.store.getState()) - 1);
  }

  page(direction: 1 | -1): void {
    this.move(direction * pageSize(this.store.getState()));
  }

  /**
   * The view's scroll fitted to the rows it has now: a list shown again (after another view, a resize, or
   * a pane that came and went) starts at its first row when it all fits, and always shows its cursor.
   */
  fitScroll(view: ViewName = this.store.getState().view): void {
    const s = this.store.getState();
    if (view === 'help') return;
    const total = rowCount({ ...s, view });
    const old = s.pos[view];
    const cursor = clamp(old.cursor, 0, Math.max(0, total - 1));
    const scroll = scrollFor(cursor, Math.min(old.scroll, cursor), listRowsFor({ ...s, view }), total);
    if (cursor !== old.cursor || scroll !== old.scroll) this.store.setState({ pos: { ...s.pos, [view]: { cursor, scroll } } });
  }

  /** Shows a view; `stack` keeps the current one for Esc. */
  setView(view: ViewName, stack = false): void {
    const s = this.store.getState();
    if (s.view === view) return;
    const history = stack ? [...s.history, s.view] : [];
    this.store.setState({ view, history, mode: 'normal', line: null, status: null });
    this.fitScroll(view);
    this.loadView();
  }

  cycleView(direction: 1 | -1): void {
    const s = this.store.getState();
    const i = MAIN_VIEWS.indexOf(s.view);
    const next = MAIN_VIEWS[(i < 0 ? 0 : i + direction + MAIN_VIEWS.length) % MAIN_VIEWS.length];
    this.setView(next);
  }

  open(): void {
    const s = this.store.getState();
    const cursor = s.pos[s.view].cursor;
    switch (s.view) {
      case 'vms': {
        const vm = s.vmRows[cursor];
        if (!vm) return;
        this.store.setState({ detail: { vmid: vm.vmid, snapshots: [], config: {}, loaded: false }, pos: { ...s.pos, detail: { cursor: 0, scroll: 0 } } });
        this.setView('detail', true);
        return;
      }
      case 'nodes': {
        const node = nodeRows(s)[cursor];
        if (node) this.selectVms(`node:${node.node}`);
        return;
      }
      case 'jobs': {
        const job = jobRows(s)[cursor];
        if (job) this.showRuns(job.id, true);
        return;
      }
      case 'tasks': {
        const task = taskRows(s)[cursor];
        if (task) this.openTaskLog(task.upid);
        return;
      }
      case 'history': {
        const op = pastOpRows(s)[cursor];
        if (!op) return;
        this.store.setState({ opDetail: op.id, filters: { ...s.filters, operation: undefined }, pos: { ...s.pos, operation: { cursor: 0, scroll: 0 } } });
        this.setView('operation', true);
        return;
      }
      case 'operation': {
        const target = opTargetRows(s)[cursor];
        if (!target) return;
        if (target.upid) this.openTaskLog(target.upid);
        else say(this.store, `VM ${target.vmid} ran no PVE task (${target.state}${target.message ? `: ${target.message}` : ''})`);
        return;
      }
      case 'ops': {
        const op = liveOpRows(s)[cursor];
        if (op) this.store.setState({ paneOpId: op.id });
        return;
      }
      default:
        return;
    }
  }

  /** The backups view, cluster-wide or of one VM; `b` in the VM list opens it for the cursor VM. */
  showBackups(vmid?: number): void {
    const s = this.store.getState();
    this.store.setState({ backups: { rows: [], warnings: [], vmid, loaded: false }, pos: { ...s.pos, backups: { cursor: 0, scroll: 0 } } });
    if (s.view === 'backups') this.loadView();
    else this.setView('backups', s.view === 'vms' || s.view === 'detail');
  }

  openTaskLog(upid: string): void {
    const s = this.store.getState();
    this.store.setState({ taskLog: { upid, log: null }, filters: { ...s.filters, tasklog: undefined }, pos: { ...s.pos, tasklog: { cursor: 0, scroll: 0 } } });
    this.setView('tasklog', true);
  }

  showRuns(jobId: string | null, stack: boolean): void {
    const s = this.store.getState();
    this.store.setState({ runsJob: jobId, runs: [], pos: { ...s.pos, runs: { cursor: 0, scroll: 0 } } });
    if (s.view === 'runs') void this.host.sync().loadView();
    else this.setView('runs', stack);
  }

  back(): void {
    const s = this.store.getState();
    if (s.mode !== 'normal') {
      // Esc while typing a filter drops that filter.
      if (s.mode === 'filter') this.clearFilter();
      this.store.setState({ mode: 'normal', line: null, prompt: null, confirm: null, power: null, migrate: null });
      return;
    }
    if (s.history.length) {
      const history = s.history.slice(0, -1);
      const view = s.history[s.history.length - 1];
      this.store.setState({ view, history });
      this.fitScroll(view);
      void this.host
        .sync()
        .loadView()
        .catch(() => {});
      return;
    }
    if (s.filters[s.view] || (s.view === 'vms' && s.selector)) {
      if (s.view === 'vms') this.store.setState({ selector: null });
      this.clearFilter();
      say(this.store, 'filter cleared');
      return;
    }
    if (s.view !== 'vms') this.setView('vms');
  }

  toggleHelp(): void {
    const s = this.store.getState();
    if (s.view === 'help') this.back();
    else this.setView('help', true);
  }

  refreshNow(): void {
    say(this.store, 'refreshing…');
    void this.host
      .sync()
      .refresh()
      .then(() => {
        const s = this.store.getState();
        if (s.refreshError) say(this.store, `refresh failed: ${s.refreshError}`, 'error');
        else say(this.store, 'refreshed', 'ok');
      });
  }
}
