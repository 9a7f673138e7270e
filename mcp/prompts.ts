// MCP prompts for the workflows assistants are asked most: each a short guide to the right tools, in order,
// with the checks a careful operator makes. The tools themselves still plan, confirm and record everything.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

interface PromptSpec {
  name: string;
  title: string;
  description: string;
  args: z.ZodRawShape;
  text: (args: Record<string, string | undefined>) => string;
}

export const PROMPTS: PromptSpec[] = [
  {
    name: 'pre_maintenance_snapshot',
    title: 'Snapshot before maintenance',
    description: 'Snapshot the VMs about to be worked on, with a TTL so the snapshots clean themselves up.',
    args: { selector: z.string().describe('which VMs, e.g. "tag:env-prod name:db-*"'), ttlHours: z.string().optional().describe('hours to keep them (default 48)') },
    text: ({ selector, ttlHours }) =>
      [
        `Take a pre-maintenance snapshot of the VMs matching ${JSON.stringify(selector)}.`,
        `1. resolve_selector {"selector": ${JSON.stringify(selector)}} — check the VMs are the intended ones; if nothing matches, follow its hint.`,
        `2. create_snapshots {"selector": ${JSON.stringify(selector)}, "snapshotName": "pre-maint-{date}", "ttlHours": ${Number(ttlHours) || 48}, "dryRun": true} — review the plan and every skip reason.`,
        '3. Run it without dryRun. If the answer says it is still running, follow it with get_operation; for any failed VM, get_task_log on its UPID says why.',
        '4. Tell the user the snapshot name and when it expires; rollback_snapshot returns to it, delete_snapshots {"expiredOnly": true} cleans up later.',
      ].join('\n'),
  },
  {
    name: 'drain_node',
    title: 'Drain a node for maintenance',
    description: 'Move every guest off a node, check the result, and move them back afterwards.',
    args: { node: z.string().describe('the node to empty, e.g. pve2') },
    text: ({ node }) =>
      [
        `Drain node ${node} for maintenance (needs the migration toolset).`,
        `1. list_nodes — ${node} and the nodes that will take its guests should be online with memory to spare.`,
        `2. drain_node {"node": ${JSON.stringify(node)}, "dryRun": true} — the plan names where each guest goes and which cannot move and why; check_migration explains one VM in detail.`,
        '3. Show the plan to the user. Run drain_node without dryRun; the answer asks the user to confirm (or returns a confirmToken to pass back with their consent).',
        '4. Follow it with get_operation until it is no longer running; get_task_log on a failed UPID gives PVE\'s reason.',
        `5. After the maintenance: undrain_node {"node": ${JSON.stringify(node)}} moves the guests back; migration_history shows what moved.`,
      ].join('\n'),
  },
  {
    name: 'cleanup_expired',
    title: 'Clean up expired snapshots and backups',
    description: 'Delete the snapshots and backups whose TTL has passed, after reviewing what would go.',
    args: { selector: z.string().optional().describe('limit the snapshots to these VMs (default: all)') },
    text: ({ selector }) =>
      [
        'Clean up expired snapshots and backups.',
        `1. delete_snapshots {"selector": ${JSON.stringify(selector ?? 'all')}, "expiredOnly": true, "dryRun": true} — review, then run it without dryRun; the user confirms the deletion.`,
        '2. backup_retention_candidates {"retentionPolicy": "days:3650"} — backups past their TTL are marked remove; protected ones are never removed.',
        '3. prune_backups with the same policy; review its plan, then confirm with the user. get_operation pages through large plans by id.',
      ].join('\n'),
  },
  {
    name: 'provision_from_spec',
    title: 'Provision VMs from a spec',
    description: 'Check a cluster spec, review the placement, then provision it and follow its progress.',
    args: { spec: z.string().optional().describe('the cluster spec as JSON (the seed\'s POST /clusters/provision body)') },
    text: ({ spec }) =>
      [
        'Provision a cluster of VMs from a spec (needs the provisioning toolset).',
        `1. plan_cluster {"spec": ${spec ?? '<the spec>'}} — each VM's host, id, storage and address, and the problems that would stop it; fix the spec until there are none (describe_tool {"tool":"plan_cluster"} gives the full schema).`,
        '2. list_image_sources — the template or image the spec names must exist.',
        '3. Show the plan to the user, then provision it; follow the operation with get_operation. A failed run can be resumed (resume_operation) or undone (rollback_operation).',
      ].join('\n'),
  },
];

export function registerPrompts(server: McpServer): void {
  for (const p of PROMPTS) {
    server.registerPrompt(p.name, { title: p.title, description: p.description, argsSchema: p.args }, (args: Record<string, unknown>) => ({
      description: p.description,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: p.text(args as Record<string, string | undefined>) } }],
    }));
  }
}
