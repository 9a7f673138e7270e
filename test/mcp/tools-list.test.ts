// tools/list: the tool set, its schemas and annotations; read-only mode hides and refuses mutating tools.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveHints } from '../../mcp/compact-listing.js';
import { toolCatalog } from '../../mcp/catalog.js';
import { Confirmations } from '../../mcp/confirmations.js';
import { PlanStore } from '../../mcp/plan-store.js';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

const ALL_TOOLS = [
  'list_vms', 'get_vm', 'resolve_selector', 'list_nodes', 'list_tags', 'list_image_sources',
  'list_storage_content',
  'list_snapshots', 'list_backups', 'backup_retention_candidates', 'create_snapshots', 'delete_snapshots', 'rollback_snapshot',
  'power_vms', 'tag_vms',
  'create_backups', 'protect_backups', 'unprotect_backups', 'set_backup_notes', 'delete_backups', 'restore_backup', 'restore_drill', 'prune_backups',
  'delete_vms', 'resize_disk', 'set_vm_resources', 'set_ssh_keys', 'convert_to_template', 'download_to_storage',
  'migrate_vms', 'drain_node', 'undrain_node', 'create_vm', 'create_cloud_init_vm', 'clone_vm', 'provision_cluster', 'create_container',
  'check_migration', 'migration_history',
  'list_jobs', 'create_job', 'update_job', 'delete_job', 'trigger_job', 'list_job_runs',
  'list_operations', 'get_operation', 'cancel_operation', 'resume_operation', 'rollback_operation',
  'get_task_log', 'plan_cluster', 'get_cluster_status', 'list_cluster_operations', 'describe_tool',
];
const READ_ONLY_TOOLS = ['describe_tool', 'list_vms', 'get_vm', 'resolve_selector', 'list_nodes', 'list_tags', 'list_image_sources', 'list_storage_content', 'list_snapshots', 'list_backups', 'backup_retention_candidates', 'check_migration', 'migration_history', 'list_jobs', 'list_job_runs', 'list_operations', 'get_operation', 'get_task_log', 'plan_cluster', 'get_cluster_status', 'list_cluster_operations'];
const CONFIRM_GATED = ['delete_snapshots', 'rollback_snapshot', 'power_vms', 'tag_vms', 'create_backups', 'delete_backups', 'restore_backup', 'prune_backups', 'delete_vms', 'convert_to_template', 'migrate_vms', 'drain_node', 'delete_job', 'trigger_job', 'resume_operation', 'rollback_operation', 'provision_cluster'];

let h: Harness;
const declaredHints = new Map<string, Record<string, boolean>>();
beforeAll(async () => {
  h = await startHarness({ vms: 20 });
  const ctx = { core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: false, confirmations: new Confirmations(), plans: new PlanStore(), askUser: async () => 'unavailable' as const };
  for (const spec of toolCatalog(ctx)) declaredHints.set(spec.name, { ...spec.annotations });
});
afterAll(() => h.close());

describe('tools/list', () => {
  it('lists every tool with a title, description, input and output schema and all four annotations', async () => {
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS);
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description!.length, t.name).toBeGreaterThan(40);
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(Object.keys(t.outputSchema?.properties ?? {}).length, t.name).toBeGreaterThan(0);
      // The listing leaves out hints that equal the specification's defaults; what a client takes them to be
      // is what the tool declares.
      const hints = effectiveHints(t.annotations);
      const declared = declaredHints.get(t.name);
      if (declared) expect(hints, t.name).toEqual(declared.readOnlyHint ? { ...declared, destructiveHint: false, idempotentHint: true } : declared);
      // A read-only tool is never destructive.
      if (hints.readOnlyHint) expect(hints.destructiveHint, t.name).toBe(false);
    }
    expect(tools.filter((t) => effectiveHints(t.annotations).readOnlyHint).map((t) => t.name).sort()).toEqual([...READ_ONLY_TOOLS].sort());
  });

  it('marks every confirm-gated tool destructive and gives it a confirm parameter', async () => {
    const { tools } = await h.client.listTools();
    for (const name of CONFIRM_GATED) {
      const t = tools.find((x) => x.name === name)!;
      expect(effectiveHints(t.annotations).destructiveHint, name).toBe(true);
      expect(Object.keys(t.inputSchema.properties ?? {}), name).toContain('confirm');
      expect(Object.keys(t.outputSchema?.properties ?? {}), name).toContain('confirmToken');
    }
  });

  it('uses the seed field names for the bulk requests', async () => {
    const { tools } = await h.client.listTools();
    const props = (name: string) => Object.keys(tools.find((t) => t.name === name)!.inputSchema.properties ?? {});
    expect(props('create_snapshots')).toEqual(expect.arrayContaining(['vmSelectors', 'snapshotName', 'description', 'ttlHours', 'maxParallel', 'dryRun']));
    expect(props('power_vms')).toEqual(expect.arrayContaining(['vmSelectors', 'operation', 'skipIfAlreadyInState', 'force', 'timeoutSeconds', 'maxParallel', 'dryRun']));
    expect(props('tag_vms')).toEqual(expect.arrayContaining(['action', 'tags', 'vmSelectors', 'selector']));
    expect(props('create_job')).toEqual(expect.arrayContaining(['name', 'taskType', 'cronExpression', 'parameters', 'vmSelectors']));
  });
});

describe('read-only mode', () => {
  it('lists only the read-only tools', async () => {
    const ro = await h.connect({ readOnly: true });
    const names = (await ro.listTools()).tools.map((t) => t.name);
    expect(names.sort()).toEqual([...READ_ONLY_TOOLS].sort());
  });

  it('refuses a mutating tool called anyway, saying why and what to do, and changes nothing', async () => {
    const ro = await h.connect({ readOnly: true });
    const before = JSON.stringify(h.cluster.sim.state.vms());
    for (const [name, args] of [
      ['create_snapshots', { selector: 'id:100', snapshotName: 'ro-test' }],
      ['power_vms', { selector: 'id:100', operation: 'STOP' }],
      ['tag_vms', { selector: 'id:100', action: 'ADD', tags: ['ro'] }],
      ['create_job', { name: 'ro', taskType: 'snapshot_create', cronExpression: '0 0 2 * * ?', vmSelectors: [{ type: 'ALL' }], parameters: { snapshotNamePattern: 'x-{vmid}' } }],
    ] as const) {
      const r = await h.call(name, args, ro);
      expect(r.isError, name).toBe(true);
      expect(textOf(r), name).toMatch(/read-only.*without --read-only/s);
    }
    expect(JSON.stringify(h.cluster.sim.state.vms())).toBe(before);
    expect(await h.jobs.list()).toEqual([]);
    // Inspection still works.
    const list = await h.call('list_vms', {}, ro);
    expect(list.isError).toBeFalsy();
  });
});
