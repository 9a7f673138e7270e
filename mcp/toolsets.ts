// Toolsets: the catalog in groups, so a client's context holds the everyday tools by default and the rest
// on request (`moxxie mcp --toolsets lifecycle,migration`, `--toolsets all`, or exactly `--tools a,b`), as
// github-mcp-server and the Kubernetes MCP server do. Read-only still hides every mutating tool on top.
import type { AnyToolSpec } from './define-tool.js';

export const TOOLSETS = {
  inventory: { default: true, about: 'VMs, nodes, tags and selectors: list_vms, get_vm, resolve_selector' },
  snapshots: { default: true, about: 'snapshots: list, create, delete, roll back' },
  power: { default: true, about: 'start, shutdown, stop, reboot, suspend, resume' },
  tags: { default: true, about: 'add, remove and replace tags' },
  backups: { default: true, about: 'backups: list, create, protect, restore, retention and drills' },
  operations: { default: true, about: 'follow, cancel, resume and roll back operations' },
  tasks: { default: true, about: "PVE task logs: how a task ended, in PVE's words" },
  lifecycle: { default: false, about: 'create, clone, delete and change VMs; images and storage' },
  migration: { default: false, about: 'migrate VMs, drain and undrain nodes, migration history' },
  provisioning: { default: false, about: 'plan and provision clusters of VMs from a spec' },
  jobs: { default: false, about: 'scheduled jobs: list, create, update, delete, trigger, runs' },
} as const satisfies Record<string, { default: boolean; about: string }>;

export type ToolsetName = keyof typeof TOOLSETS;
export const TOOLSET_NAMES = Object.keys(TOOLSETS) as ToolsetName[];
export const DEFAULT_TOOLSETS = TOOLSET_NAMES.filter((n) => TOOLSETS[n].default);

/** Every tool's toolset. A tool missing here is an error the tests catch (test/mcp/toolsets.test.ts). */
export const TOOLSET_OF: Record<string, ToolsetName> = {
  list_vms: 'inventory',
  get_vm: 'inventory',
  resolve_selector: 'inventory',
  list_nodes: 'inventory',
  list_tags: 'inventory',
  list_snapshots: 'snapshots',
  create_snapshots: 'snapshots',
  delete_snapshots: 'snapshots',
  rollback_snapshot: 'snapshots',
  power_vms: 'power',
  tag_vms: 'tags',
  list_backups: 'backups',
  backup_retention_candidates: 'backups',
  create_backups: 'backups',
  protect_backups: 'backups',
  unprotect_backups: 'backups',
  set_backup_notes: 'backups',
  delete_backups: 'backups',
  restore_backup: 'backups',
  restore_drill: 'backups',
  prune_backups: 'backups',
  list_operations: 'operations',
  get_operation: 'operations',
  cancel_operation: 'operations',
  resume_operation: 'operations',
  rollback_operation: 'operations',
  get_task_log: 'tasks',
  list_image_sources: 'lifecycle',
  create_vm: 'lifecycle',
  create_cloud_init_vm: 'lifecycle',
  clone_vm: 'lifecycle',
  create_container: 'lifecycle',
  list_storage_content: 'lifecycle',
  delete_vms: 'lifecycle',
  resize_disk: 'lifecycle',
  set_vm_resources: 'lifecycle',
  set_ssh_keys: 'lifecycle',
  convert_to_template: 'lifecycle',
  download_to_storage: 'lifecycle',
  migrate_vms: 'migration',
  drain_node: 'migration',
  undrain_node: 'migration',
  check_migration: 'migration',
  migration_history: 'migration',
  plan_cluster: 'provisioning',
  provision_cluster: 'provisioning',
  get_cluster_status: 'provisioning',
  list_cluster_operations: 'provisioning',
  list_jobs: 'jobs',
  create_job: 'jobs',
  update_job: 'jobs',
  delete_job: 'jobs',
  trigger_job: 'jobs',
  list_job_runs: 'jobs',
};

/** What the server offers: toolsets (default: the everyday ones), or exactly the named tools. */
export interface ToolSelection {
  toolsets?: readonly ToolsetName[] | 'all';
  tools?: readonly string[];
}

export class ToolSelectionError extends Error {}

/** The catalog narrowed to a selection; unknown toolset or tool names are refused with the valid ones. */
export function selectTools(catalog: AnyToolSpec[], selection: ToolSelection = {}): AnyToolSpec[] {
  if (selection.tools?.length) {
    const known = new Set(catalog.map((t) => t.name));
    const unknown = selection.tools.filter((n) => !known.has(n));
    if (unknown.length) throw new ToolSelectionError(`unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid: ${[...known].join(', ')}`);
    const wanted = new Set(selection.tools);
    return catalog.filter((t) => wanted.has(t.name));
  }
  const sets = selection.toolsets === 'all' ? TOOLSET_NAMES : (selection.toolsets ?? DEFAULT_TOOLSETS);
  const unknown = sets.filter((s) => !(s in TOOLSETS));
  if (unknown.length) throw new ToolSelectionError(`unknown toolset${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid: ${TOOLSET_NAMES.join(', ')}, all`);
  const chosen = new Set<string>(sets);
  // A tool not in TOOLSET_OF is offered only with all (the toolsets test fails until it is placed).
  return catalog.filter((t) => (selection.toolsets === 'all' ? true : chosen.has(TOOLSET_OF[t.name] ?? '')));
}

/** `--toolsets` text: "a,b" or "all". */
export function parseToolsets(text: string): ToolsetName[] | 'all' {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return 'all';
  const unknown = names.filter((n) => !(n in TOOLSETS));
  if (unknown.length || !names.length) throw new ToolSelectionError(`--toolsets takes names from ${TOOLSET_NAMES.join(', ')} (comma-separated) or all${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  return names as ToolsetName[];
}
