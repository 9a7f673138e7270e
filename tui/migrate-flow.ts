// Migration from the TUI: `m` on the marked VMs (or the cursor VM) opens a target picker that shows each
// node's free memory and CPU and PVE's precondition per VM; picking a node plans the move through the core
// and shows the plan for confirmation, like every other action. In the nodes view, drain and undrain.
import { labelOf } from '../src/ops/capabilities/index.js';
import type { ActionFlow } from './actions.js';
import { nodeRows } from './rows.js';
import { say, type MigrateChoice, type TuiStore } from './store.js';
import type { TuiSession } from './sync.js';

/** Precondition reads at once while the picker fills in. */
const CHECK_READS = 6;

export class MigrateFlow {
  constructor(
    private readonly store: TuiStore,
    private readonly session: () => TuiSession,
    private readonly actions: ActionFlow,
  ) {}

  async begin(): Promise<void> {
    const ids = this.actions.targets();
    if (!ids.length) return say(this.store, 'no VM here: move to one or mark some with Space', 'error');
    const inv = this.store.getState().inventory;
    if (!inv) return say(this.store, 'the cluster has not been read yet', 'error');
    const choices: MigrateChoice[] = inv.nodes.map((n) => ({ node: n.node, online: n.status === 'online', freeMem: Math.max(0, n.maxmem - n.mem), maxmem: n.maxmem, cpu: n.cpu, checks: [] }));
    this.store.setState({ mode: 'migrate', migrate: { ids, choices, loading: true }, status: null });
    const core = this.session().core;
    const jobs = choices.flatMap((c) => ids.map((vmid) => ({ c, vmid })));
    // Each VM against each node; the picker shows the answers as they come.
    for (let i = 0; i < jobs.length; i += CHECK_READS) {
      await Promise.all(
        jobs.slice(i, i + CHECK_READS).map(async ({ c, vmid }) => {
          let row: MigrateChoice['checks'][number];
          try {
            const check = await core.checkMigration(vmid, c.node);
            row = { vmid, allowed: check.allowed, why: check.allowed ? (check.mode === 'restart' ? 'restart mode' : check.mode) : check.reasons.join('; ') };
          } catch (err) {
            row = { vmid, allowed: false, why: (err as Error).message };
          }
          const m = this.store.getState().migrate;
          if (!m || m.ids !== ids) return;
          this.store.setState({ migrate: { ...m, choices: m.choices.map((x) => (x.node === c.node ? { ...x, checks: [...x.checks, row].sort((a, b) => a.vmid - b.vmid) } : x)) } });
        }),
      );
    }
    const m = this.store.getState().migrate;
    if (m && m.ids === ids) this.store.setState({ migrate: { ...m, loading: false } });
  }

  pick(node: string): void {
    const m = this.store.getState().migrate;
    if (!m) return;
    this.store.setState({ mode: 'normal', migrate: null });
    const core = this.session().core;
    const request = { vmSelectors: [{ type: 'VM_IDS' as const, value: m.ids.join(',') }], targetNode: node };
    const who = m.ids.length === 1 ? `VM ${m.ids[0]}` : `${m.ids.length} VMs`;
    void this.actions.plan({ title: `${labelOf('migrate', request)}: ${who}`, kind: 'migrate', request, run: (dryRun) => core.run('migrate', { ...request, dryRun }, { frontEnd: 'tui' }) });
  }

  /** Drain or undrain the node under the cursor in the nodes view. */
  node(kind: 'drain' | 'undrain'): void {
    const s = this.store.getState();
    const node = s.view === 'nodes' ? nodeRows(s)[s.pos.nodes.cursor]?.node : undefined;
    if (!node) return say(this.store, 'no node here: open the nodes view (:nodes) and move to one', 'error');
    const core = this.session().core;
    const opKind = kind === 'drain' ? ('node.drain' as const) : ('node.undrain' as const);
    const request = { node };
    void this.actions.plan({ title: labelOf(opKind, request), kind: opKind, request: request as never, run: (dryRun) => core.run(opKind, { ...request, dryRun }, { frontEnd: 'tui' }) });
  }
}
