// Hand-written subcommands that sit beside a command word's generated capability verbs: `moxxie backups list`
// beside the generated `moxxie backups create`, `moxxie migrate check` beside `moxxie migrate`. Reads and
// reports live here; anything that changes a cluster is a capability, so its verb is generated.

/** A companion module: `run` gets the arguments after its two words. */
export type CompanionModule = { run(argv: string[], words: string): Promise<number> };

export interface Companion {
  /** Loads its module on demand; a literal import, so the compiler and the bundler both see it. */
  load: () => Promise<CompanionModule>;
  /** One line for the command's help: what it shows. */
  summary: string;
  /** Its synopsis after the two words, e.g. `[SELECTOR] [--json]`. */
  usage: string;
}

/** By command word, then subcommand word. */
export const COMPANIONS: Record<string, Record<string, Companion>> = {
  backups: {
    list: { load: () => import('./backups-list.js'), summary: 'list backups cluster-wide or of the selected VMs (size, age, protected, TTL)', usage: '[SELECTOR] [--storage ID] [--json]' },
    candidates: {
      load: () => import('./backup-candidates.js'),
      summary: "what a retention policy would remove: every backup marked keep/remove/protected with its rule, compared with PVE's own prune preview",
      usage: '--policy POLICY [--tags A,B] [--vm-ids IDS] [--storage ID] [--file F] [--remove-only] [--json]',
    },
  },
  cluster: {
    plan: { load: () => import('./cluster-plan.js'), summary: 'Plan a cluster from a spec (YAML or the seed\'s JSON): the placement table (hosts x groups) and one row per VM; nothing is created.', usage: '--file SPEC [--json]' },
    provision: { load: () => import('./cluster-provision.js'), summary: 'Provision the VMs of a spec (YAML or the seed\'s JSON): the plan without --yes; with it, a line per VM, then the final status (--json: the seed\'s shape; --no-wait: the operation id at once).', usage: '--file SPEC [--yes] [--json] [--no-wait]' },
    status: { load: () => import('./cluster-provision.js'), summary: 'A provisioning operation in the seed\'s shape: status, progress, each VM\'s host and phase (after a crash too).', usage: 'ID [--json]' },
    list: { load: () => import('./cluster-provision.js'), summary: 'Provisioning operations, newest first, running and finished.', usage: '[--json] [--limit N]' },
    cancel: { load: () => import('./cluster-provision.js'), summary: 'Cancel a provisioning run in another moxxie process; it then applies its rollback strategy.', usage: 'ID' },
    resume: { load: () => import('./cluster-provision.js'), summary: 'Finish an interrupted, failed or cancelled provisioning from PVE\'s real state.', usage: 'ID --yes [--json]' },
    rollback: { load: () => import('./cluster-provision.js'), summary: 'Remove every VM a provisioning made (by id and marker, never by name).', usage: 'ID --yes [--json]' },
  },
  storage: {
    list: { load: () => import('./storage-views.js'), summary: 'The storages of each node: type, content types, shared, usage.', usage: '[STORAGE] [--node NODE] [--json]' },
    content: {
      load: () => import('./storage-views.js'),
      summary: 'What the storages hold: template base disks, disk images, ISOs, container templates, import volumes.',
      usage: '[STORAGE] [--node NODE] [--content TYPE] [--json]',
    },
  },
  vm: { show: { load: () => import('./vm-show.js'), summary: 'One VM or container (lxc) in detail: type, node, state, PVE config, snapshots with TTLs, recent tasks; changes nothing.', usage: 'VMID [--json]' } },
  migrate: { check: { load: () => import('./migrate-check.js'), summary: "Whether a VM can move to a node, from PVE's migration precondition (online or offline, local disks, local devices, allowed nodes); changes nothing.", usage: 'VMID --to NODE [--force] [--json]' } },
};

export function companionOf(command: string, sub: string | undefined): Companion | undefined {
  return sub === undefined ? undefined : COMPANIONS[command]?.[sub];
}

/** `moxxie backups list [SELECTOR] [--json]` lines for a command's help and for `moxxie help`. */
export function companionLines(command: string): string[] {
  return Object.entries(COMPANIONS[command] ?? {}).map(([sub, c]) => `moxxie ${command} ${sub} ${c.usage}`.trimEnd());
}

export async function runCompanion(command: string, sub: string, argv: string[]): Promise<number> {
  const companion = COMPANIONS[command][sub];
  const mod = await companion.load();
  return mod.run(argv, `${command} ${sub}`);
}
