// The TUI's pure pieces: key names, the keymap's rules, list windows, sorting and filtering, the
// command line and its completion, the generated key table.
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import type { Vm } from '../../src/inventory/model.js';
import { COMMANDS, completeCommand, completeLine, parseCommand } from '../../tui/command-line.js';
import { COMMAND_TABLE } from '../../tui/command-table.js';
import { keyTableMarkdown } from '../../tui/key-table.js';
import { isDestructive } from '../../src/ops/capabilities/index.js';
import { activeScopes, bindingsIn, findBinding, helpSections, KEYMAP, keyIsDestructive, keysLabel, type Scope } from '../../tui/keymap.js';
import { chordLabel, chordsOf } from '../../tui/keys.js';
import { drawnRows, listRows, screenLayout } from '../../tui/layout.js';
import { helpRows } from '../../tui/rows.js';
import { snapshotTree } from '../../tui/snapshot-tree.js';
import { loadColour, meter } from '../../tui/format.js';
import { initialState, MAIN_VIEWS, type Mode, type ViewName } from '../../tui/store.js';
import { keepScreenLine, scrollFor, windowOf } from '../../tui/view-window.js';
import { filterVms, matchesWords, sortVms } from '../../tui/vm-order.js';

const noKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

describe('key names', () => {
  it('turns Ink key events into chords, one per typed character', () => {
    expect(chordsOf('', { ...noKey, downArrow: true })).toEqual(['down']);
    expect(chordsOf('', { ...noKey, pageDown: true })).toEqual(['pagedown']);
    expect(chordsOf('\r', { ...noKey, return: true })).toEqual(['enter']);
    expect(chordsOf('', { ...noKey, escape: true, meta: true })).toEqual(['esc']);
    expect(chordsOf('f', { ...noKey, ctrl: true })).toEqual(['ctrl+f']);
    expect(chordsOf('', { ...noKey, tab: true, shift: true })).toEqual(['shift+tab']);
    expect(chordsOf('', { ...noKey, delete: true })).toEqual(['backspace']);
    expect(chordsOf('jj G', noKey)).toEqual(['j', 'j', 'space', 'G']);
    expect(chordsOf('a\rb', noKey)).toEqual(['a', 'enter', 'b']);
    expect(chordLabel('pagedown')).toBe('PgDn');
    expect(chordLabel('ctrl+r')).toBe('Ctrl+R');
  });
});

const ALL_MODES: Mode[] = ['normal', 'filter', 'command', 'prompt', 'confirm', 'power'];
const ALL_VIEWS: ViewName[] = [...MAIN_VIEWS, 'runs', 'detail', 'help'];

describe('keymap', () => {
  it('never binds one key twice where both could be in force', () => {
    for (const mode of ALL_MODES) {
      for (const view of ALL_VIEWS) {
        const scopes = activeScopes(mode, view);
        // Within one scope a key means one thing (across scopes the first scope wins by design).
        for (const scope of scopes) {
          const seen = new Map<string, string>();
          for (const b of KEYMAP.filter((x) => x.scopes.includes(scope))) {
            for (const k of b.keys) {
              expect(seen.get(k), `${k} in ${scope}: ${seen.get(k)} and ${b.id}`).toBeUndefined();
              seen.set(k, b.id);
            }
          }
        }
      }
    }
  });

  it('has no Alt-only bindings and keeps destructive actions off navigation keys', () => {
    const navigation = new Set(KEYMAP.filter((b) => ['down', 'up', 'top', 'bottom', 'page-down', 'page-up', 'open', 'back', 'mark'].includes(b.id)).flatMap((b) => b.keys));
    for (const b of KEYMAP) {
      expect(b.keys.every((k) => k.startsWith('alt+')), b.id).toBe(false);
      if (keyIsDestructive(b, isDestructive)) {
        expect(b.mutating, b.id).toBe(true);
        for (const k of b.keys) {
          expect(navigation.has(k), `${b.id} on ${k}`).toBe(false);
          // Shifted letters (or a menu) only: a slip of the finger does not start one.
          expect(k, b.id).toMatch(/^[A-Z]$/);
        }
      }
    }
  });

  it('drops every mutating binding from dispatch, footer and help in read-only contexts', () => {
    for (const view of ALL_VIEWS) {
      const scopes = activeScopes('normal', view);
      expect(bindingsIn(scopes, true).some((b) => b.mutating)).toBe(false);
    }
    expect(findBinding('s', activeScopes('normal', 'vms'), true)).toBeUndefined();
    expect(findBinding('s', activeScopes('normal', 'vms'), false)?.id).toBe('snapshot');
    expect(findBinding('D', activeScopes('normal', 'detail'), true)).toBeUndefined();
    const readOnlyHelp = helpSections(true).flatMap((s) => s.bindings);
    expect(readOnlyHelp.length).toBe(KEYMAP.filter((b) => !b.mutating).length);
  });

  it('puts every binding in the help exactly once, short enough to be read whole in 100 columns', () => {
    const listed = helpSections(false).flatMap((s) => s.bindings);
    expect(new Set(listed.map((b) => b.id)).size).toBe(listed.length);
    expect(listed.length).toBe(KEYMAP.length);
    for (const b of KEYMAP) expect(18 + b.description.length, b.id).toBeLessThanOrEqual(100);
    const rows = helpRows(false);
    expect(rows.filter((r) => r.kind === 'command')).toHaveLength(COMMANDS.length);
  });

  it('the typing scopes shadow the view keys: letters typed into a line are text', () => {
    expect(findBinding('q', activeScopes('command', 'vms'), false)).toBeUndefined();
    expect(findBinding('j', activeScopes('filter', 'vms'), false)).toBeUndefined();
    expect(findBinding('esc', activeScopes('prompt', 'vms'), false)?.id).toBe('edit-cancel');
    expect(findBinding('ctrl+c', activeScopes('prompt', 'vms'), false)?.id).toBe('quit-now');
    const scopes: Scope[] = activeScopes('confirm', 'vms');
    expect(findBinding('y', scopes, false)?.id).toBe('confirm');
    expect(findBinding('s', scopes, false)).toBeUndefined();
  });

  it('generates the README key table from the keymap', () => {
    const md = keyTableMarkdown();
    for (const b of KEYMAP) expect(md, b.id).toContain(b.description.replace(/\|/g, '\\|'));
    for (const c of COMMANDS) expect(md).toContain(c.usage.replace(/\|/g, '\\|'));
    expect(md).toContain('`PgDn`, `Ctrl+F`');
    expect(keysLabel(KEYMAP.find((b) => b.id === 'down')!)).toBe('j / ↓');
  });
});

describe('list windows', () => {
  it('scrolls as little as possible to keep the cursor on screen', () => {
    expect(scrollFor(0, 0, 10, 100)).toBe(0);
    expect(scrollFor(9, 0, 10, 100)).toBe(0);
    expect(scrollFor(10, 0, 10, 100)).toBe(1);
    expect(scrollFor(5, 20, 10, 100)).toBe(5);
    expect(scrollFor(99, 0, 10, 100)).toBe(90);
    expect(scrollFor(50, 95, 10, 100)).toBe(50);
    expect(scrollFor(3, 7, 10, 5)).toBe(0);
    // A scroll left past the last full page (the list grew room) shows the last page, not blank rows.
    expect(windowOf(9_990, 50, 10_000)).toEqual({ start: 9_950, end: 10_000 });
    expect(windowOf(5, 20, 10)).toEqual({ start: 0, end: 10 });
    // The cursor is always drawn.
    expect(windowOf(0, 10, 100, 42)).toEqual({ start: 33, end: 43 });
    expect(windowOf(0, 50, 0)).toEqual({ start: 0, end: 0 });
  });

  it('keeps a row on its screen line when the list changes under it', () => {
    // The cursor row was the 4th on screen; it moved from index 40 to 37.
    expect(keepScreenLine({ cursor: 40, scroll: 37 }, 37, 20, 1000)).toEqual({ cursor: 37, scroll: 34 });
    // Near the top it cannot keep the line and stays visible instead.
    expect(keepScreenLine({ cursor: 40, scroll: 30 }, 2, 20, 1000)).toEqual({ cursor: 2, scroll: 0 });
    // A shorter list clamps the cursor.
    expect(keepScreenLine({ cursor: 40, scroll: 30 }, 400, 20, 10)).toEqual({ cursor: 9, scroll: 0 });
  });

  it('sizes the screen from the terminal, leaving the last row to Ink and making room for the pane', () => {
    const s = initialState({ name: 't', url: 'https://x:8006', readOnly: false, safeMode: false, demo: false }, { columns: 120, rows: 40 });
    expect(drawnRows(40)).toBe(39);
    const plain = screenLayout(s);
    expect(plain.bodyRows).toBe(39 - 2 - 1 - 1);
    expect(listRows('vms', plain.bodyRows)).toBe(plain.bodyRows - 2);
    const op = { id: 'op1', kind: 'power' as const, label: 'start', request: {}, dryRun: false, status: 'running' as const, warnings: [], frontEnd: 'tui' as const, context: 't', startedAt: 0, targets: Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, kind: 'guest' as const, vmid: 100 + i, name: `vm${i}`, node: 'pve1', state: 'running' as const, action: 'start', phases: [] })) };
    const withPane = screenLayout({ ...s, liveOps: [op], paneOpId: 'op1' });
    expect(withPane.paneTargets).toBe(Math.floor(39 / 5));
    expect(withPane.bodyRows).toBe(plain.bodyRows - withPane.paneTargets - 3);
    expect(screenLayout({ ...s, size: { columns: 50, rows: 40 } }).tooSmall).toBe(true);
  });
});

function vm(vmid: number, name: string, extra: Partial<Vm> = {}): Vm {
  return { vmid, name, node: 'pve1', type: 'qemu', status: 'running', template: false, tags: [], cpu: 0, maxcpu: 2, mem: 0, maxmem: 1, disk: 0, maxdisk: 1, uptime: 0, ...extra };
}

describe('sorting and filtering', () => {
  const vms = [vm(300, 'web-10', { cpu: 0.2, node: 'pve2', status: 'stopped' }), vm(100, 'web-9', { cpu: 0.9, tags: ['env-prod'] }), vm(200, 'db-1', { cpu: 0.2, mem: 5 })];

  it('sorts by each column with natural name order, ties by id, both directions', () => {
    expect(sortVms(vms, 'vmid', false).map((v) => v.vmid)).toEqual([100, 200, 300]);
    expect(sortVms(vms, 'name', false).map((v) => v.name)).toEqual(['db-1', 'web-9', 'web-10']);
    expect(sortVms(vms, 'name', true).map((v) => v.name)).toEqual(['web-10', 'web-9', 'db-1']);
    expect(sortVms(vms, 'cpu', true).map((v) => v.vmid)).toEqual([100, 200, 300]);
    expect(sortVms(vms, 'node', false).map((v) => v.vmid)).toEqual([100, 200, 300]);
    expect(sortVms(vms, 'status', false).map((v) => v.vmid)).toEqual([100, 200, 300]);
    expect(sortVms(vms, 'mem', true)[0].vmid).toBe(200);
    expect(vms.map((v) => v.vmid)).toEqual([300, 100, 200]);
  });

  it('filters by every word, in id, name, node, status and tags', () => {
    expect(filterVms(vms, 'web').map((v) => v.vmid)).toEqual([300, 100]);
    expect(filterVms(vms, 'web PROD').map((v) => v.vmid)).toEqual([100]);
    expect(filterVms(vms, 'pve2 stopped').map((v) => v.vmid)).toEqual([300]);
    expect(filterVms(vms, '  ')).toHaveLength(3);
    expect(matchesWords('anything', undefined)).toBe(true);
    // A leading ! excludes, as in k9s; a lone ! is ignored.
    expect(filterVms(vms, 'web !prod').map((v) => v.vmid)).toEqual([300]);
    expect(filterVms(vms, '!web').map((v) => v.vmid)).toEqual([200]);
    expect(filterVms(vms, '!')).toHaveLength(3);
  });

  it('sorts 10,000 VMs by name, naturally', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => vm(100 + i, `vm-${(i * 7919) % 10_000}`));
    const sorted = sortVms(many, 'name', false);
    expect(sorted).toHaveLength(10_000);
    expect(sorted[0].name).toBe('vm-0');
    expect(sorted[9_999].name).toBe('vm-9999');
  });
});

describe('command line', () => {
  it('parses views, selectors, sorting, contexts and errors', () => {
    expect(parseCommand('nodes')).toEqual({ kind: 'view', view: 'nodes' });
    expect(parseCommand('hist')).toEqual({ kind: 'view', view: 'history' });
    expect(parseCommand('vms')).toEqual({ kind: 'vms' });
    expect(parseCommand('vms tag:(env-prod AND NOT always-on) node:pve2')).toEqual({ kind: 'vms', selector: 'tag:(env-prod AND NOT always-on) node:pve2' });
    expect(parseCommand('mark id:8200-8209')).toEqual({ kind: 'mark', selector: 'id:8200-8209' });
    expect(parseCommand('sort cpu desc')).toEqual({ kind: 'sort', key: 'cpu', descending: true });
    expect(parseCommand('sort id')).toEqual({ kind: 'sort', key: 'vmid' });
    expect(parseCommand('ctx lab')).toEqual({ kind: 'ctx', name: 'lab' });
    expect(parseCommand('q')).toEqual({ kind: 'quit' });
    expect(parseCommand('runs nightly')).toEqual({ kind: 'runs', job: 'nightly' });
    expect(parseCommand('bogus')).toEqual({ error: expect.stringMatching(/unknown command ':bogus'; valid: :vms/) });
    expect(parseCommand('sort colour')).toEqual({ error: expect.stringMatching(/:sort needs a column: id, name/) });
    expect(parseCommand('sort cpu sideways')).toEqual({ error: expect.stringMatching(/asc or desc/) });
    expect(parseCommand('mark')).toEqual({ error: expect.stringMatching(/:mark needs a selector/) });
    expect(parseCommand('nodes pve1')).toEqual({ error: ':nodes takes no argument' });
  });

  it('completes commands, selector terms, tags, nodes and contexts', () => {
    const src = { contexts: ['demo', 'lab', 'prod'], tags: ['env-dev', 'env-prod', 'workshop'], nodes: ['pve1', 'pve2'], jobs: ['nightly'] };
    expect(completeCommand('no', src)).toBe('nodes ');
    expect(completeCommand('h', src)).toBe('h');
    expect(completeCommand('he', src)).toBe('help ');
    expect(completeCommand('ctx l', src)).toBe('ctx lab ');
    expect(completeCommand('vms ta', src)).toBe('vms tag:');
    expect(completeCommand('vms tag:(env', src)).toBe('vms tag:(env-');
    expect(completeCommand('vms tag:(env-p', src)).toBe('vms tag:(env-prod ');
    expect(completeCommand('vms node:pve', src)).toBe('vms node:pve');
    expect(completeCommand('vms node:pve2', src)).toBe('vms node:pve2 ');
    expect(completeCommand('runs ni', src)).toBe('runs nightly ');
    expect(completeCommand('vms status:ru', src)).toBe('vms status:running ');
  });

  it('lists the choices when several fit, from the command table (names, sort columns, tags)', () => {
    const src = { contexts: ['lab', 'prod'], tags: ['env-dev', 'env-prod', 'web'], nodes: ['pve1', 'pve2'], jobs: ['nightly'] };
    expect(completeLine('s', src)).toEqual({ text: 's', choices: ['storage', 'sort'] });
    expect(completeLine('so', src)).toEqual({ text: 'sort ', choices: [] });
    expect(completeLine('sort u', src)).toEqual({ text: 'sort uptime ', choices: [] });
    expect(completeLine('vms tag:e', src)).toEqual({ text: 'vms tag:env-', choices: ['env-dev', 'env-prod'] });
    expect(parseCommand('sort uptime')).toEqual({ kind: 'sort', key: 'uptime' });
    // Every command in the table is parsed by its own name and documented once.
    for (const c of COMMAND_TABLE) expect('error' in parseCommand(c.name === 'mark' ? 'mark all' : c.name === 'provision' ? 'provision x.yaml' : c.name === 'retention' ? 'retention count:1' : c.name === 'sort' ? 'sort id' : c.name)).toBe(false);
    expect(COMMANDS.map((c) => c.usage)).toEqual(COMMAND_TABLE.map((c) => c.usage));
  });

  it('lays snapshots out as PVE’s tree: by parent, oldest child first, with branch lines', () => {
    const snap = (name: string, snaptime: number, parent?: string) => ({ name, snaptime, parent, description: '', vmstate: false, moxxieMade: false });
    // base ─┬─ a ── a2
    //       └─ b        (b was taken after a rollback to base); orphan's parent was deleted.
    const rows = snapshotTree([snap('b', 40, 'base'), snap('a2', 30, 'a'), snap('a', 20, 'base'), snap('base', 10), snap('orphan', 50, 'gone')]);
    // Two roots are a fork too; an only child (a2) continues its parent's line without a branch mark.
    expect(rows.map((r) => `${r.branch}${r.name}`)).toEqual(['├ base', '│ ├ a', '│ │ a2', '│ └ b', '└ orphan']);
    // PVE's plain chain (each snapshot the parent of the next) stays flush left, NOW under the newest.
    const chain = snapshotTree([snap('s1', 1), snap('s2', 2, 's1'), snap('s3', 3, 's2')], 's3');
    expect(chain.map((r) => `${r.branch}${r.name}`)).toEqual(['s1', 's2', 's3', 'NOW']);
    // A cycle (never from PVE) still lists every snapshot once.
    // Where the VM is now: a NOW row under its current snapshot (and alone, as a root, before any).
    const withNow = snapshotTree([snap('base', 10), snap('a', 20, 'base')], 'base');
    expect(withNow.map((r) => `${r.branch}${r.name}`)).toEqual(['base', '├ a', '└ NOW']);
    expect(withNow[2].now).toBe(true);
    expect(snapshotTree([], '').map((r) => r.name)).toEqual(['NOW']);
    const cyclic = snapshotTree([snap('x', 1, 'y'), snap('y', 2, 'x'), snap('root', 0)]);
    expect(cyclic.map((r) => r.name).sort()).toEqual(['root', 'x', 'y']);
  });

  it('draws usage meters in eighths of a cell, clamped, coloured by load', () => {
    expect(meter(0, 4)).toBe('░░░░');
    expect(meter(0.5, 4)).toBe('██░░');
    expect(meter(0.125, 4)).toBe('▌░░░');
    expect(meter(0.0625, 4)).toBe('▎░░░');
    expect(meter(1, 4)).toBe('████');
    expect(meter(1.7, 4)).toBe('████');
    expect(meter(Number.NaN, 4)).toBe('░░░░');
    expect([0.5, 0.7, 0.95].map(loadColour)).toEqual(['green', 'yellow', 'red']);
  });
});
