// One keymap: it dispatches keys and draws the help and the footer. Actions that change the cluster are
// flagged `mutating` and vanish (from dispatch, footer and help) in read-only contexts; destructive ones
// sit on shifted letters, away from the navigation keys.
import type { Key } from 'ink';
import type { TuiController } from './controller.js';
import type { ViewName } from './store.js';

export interface Binding {
  /** How the key is shown. */
  keys: string;
  description: string;
  views: ViewName[] | 'all';
  match: (input: string, key: Key) => boolean;
  run: (c: TuiController) => void;
  mutating?: boolean;
  destructive?: boolean;
  /** Shown in the footer of its views. */
  footer?: boolean;
}

const ch = (c: string) => (input: string, key: Key) => input === c && !key.ctrl && !key.meta;
const LISTS: ViewName[] = ['vms', 'nodes', 'tasks', 'ops', 'history', 'jobs', 'detail'];

export const KEYMAP: Binding[] = [
  { keys: 'j / ↓', description: 'move down', views: LISTS, match: (i, k) => k.downArrow || ch('j')(i, k), run: (c) => c.move(1) },
  { keys: 'k / ↑', description: 'move up', views: LISTS, match: (i, k) => k.upArrow || ch('k')(i, k), run: (c) => c.move(-1) },
  { keys: 'g', description: 'first row', views: LISTS, match: (i, k) => ch('g')(i, k) || k.home, run: (c) => c.top() },
  { keys: 'G', description: 'last row', views: LISTS, match: (i, k) => ch('G')(i, k) || k.end, run: (c) => c.bottom() },
  { keys: 'PgDn / ctrl+f', description: 'page down', views: LISTS, match: (i, k) => k.pageDown || (k.ctrl && i === 'f'), run: (c) => c.page(1) },
  { keys: 'PgUp / ctrl+b', description: 'page up', views: LISTS, match: (i, k) => k.pageUp || (k.ctrl && i === 'b'), run: (c) => c.page(-1) },
  { keys: 'Enter', description: 'details (VM) / last runs (job)', views: ['vms', 'jobs'], match: (_i, k) => k.return, run: (c) => c.enter(), footer: true },
  { keys: 'Esc', description: 'back / clear filter', views: 'all', match: (_i, k) => k.escape, run: (c) => c.back() },
  { keys: '/', description: 'filter this view by text', views: ['vms'], match: ch('/'), run: (c) => c.beginInput('filter'), footer: true },
  { keys: ':', description: 'command: :vms [selector] :nodes :tasks :ops :history :jobs :ctx NAME', views: 'all', match: ch(':'), run: (c) => c.beginInput('command'), footer: true },
  { keys: 'Tab', description: 'next view', views: 'all', match: (_i, k) => k.tab, run: (c) => c.nextView() },
  { keys: 'space', description: 'mark / unmark VM', views: ['vms'], match: ch(' '), run: (c) => c.toggleMark(), footer: true },
  { keys: 'A', description: 'mark all visible VMs', views: ['vms'], match: ch('A'), run: (c) => c.markAllVisible() },
  { keys: 'U', description: 'clear marks', views: ['vms'], match: ch('U'), run: (c) => c.clearMarks() },
  { keys: 'o', description: 'sort by next column (id, name, node, status, cpu, mem)', views: ['vms'], match: ch('o'), run: (c) => c.cycleSort(), footer: true },
  { keys: 'O', description: 'reverse sort order', views: ['vms'], match: ch('O'), run: (c) => c.reverseSort() },
  { keys: 'r', description: 'refresh now', views: 'all', match: ch('r'), run: (c) => void c.refresh() },
  { keys: 's', description: 'snapshot marked VMs (or the cursor VM)', views: ['vms', 'detail'], match: ch('s'), run: (c) => c.beginAction('snapshot'), mutating: true, footer: true },
  { keys: 'p', description: 'power: start, shutdown, stop, reboot, suspend, resume', views: ['vms', 'detail'], match: ch('p'), run: (c) => c.beginAction('power'), mutating: true, footer: true },
  { keys: 't', description: 'add tags', views: ['vms', 'detail'], match: ch('t'), run: (c) => c.beginAction('tags-add'), mutating: true, footer: true },
  { keys: 'T', description: 'remove tags', views: ['vms', 'detail'], match: ch('T'), run: (c) => c.beginAction('tags-remove'), mutating: true, destructive: true },
  { keys: 'D', description: 'delete snapshot(s)', views: ['vms', 'detail'], match: ch('D'), run: (c) => c.beginAction('snapshot-delete'), mutating: true, destructive: true },
  { keys: 'R', description: 'roll back to a snapshot', views: ['vms', 'detail'], match: ch('R'), run: (c) => c.beginAction('rollback'), mutating: true, destructive: true },
  { keys: 'c', description: 'cancel the running operation', views: 'all', match: ch('c'), run: (c) => c.cancelOperation(), mutating: true },
  { keys: 'e', description: 'enable job', views: ['jobs'], match: ch('e'), run: (c) => void c.jobAction('enable'), mutating: true, footer: true },
  { keys: 'd', description: 'disable job', views: ['jobs'], match: ch('d'), run: (c) => void c.jobAction('disable'), mutating: true, footer: true },
  { keys: 'n', description: 'run job now', views: ['jobs'], match: ch('n'), run: (c) => void c.jobAction('trigger'), mutating: true, footer: true },
  { keys: 'y', description: 'dry-run job', views: ['jobs'], match: ch('y'), run: (c) => void c.jobAction('dry-run'), footer: true },
  { keys: '?', description: 'help', views: 'all', match: ch('?'), run: (c) => c.toggleHelp(), footer: true },
  { keys: 'q', description: 'quit', views: 'all', match: ch('q'), run: (c) => c.quit(), footer: true },
];

export function bindingsFor(view: ViewName, readOnly: boolean): Binding[] {
  return KEYMAP.filter((b) => (b.views === 'all' || b.views.includes(view)) && !(readOnly && b.mutating));
}

export function dispatch(c: TuiController, view: ViewName, readOnly: boolean, input: string, key: Key): boolean {
  const binding = bindingsFor(view, readOnly).find((b) => b.match(input, key));
  if (!binding) return false;
  binding.run(c);
  return true;
}
