// list_backups: the cluster's backups from storage content, each once, cluster-wide or for a selection.
// Creating, protecting, deleting, restoring and drills are the capability tools (mcp/capability-tools.ts).
import { z } from 'zod';
import type { BackupEntry } from '../../src/ops/backup-list.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import { selectionOf, selectionShape, type SelectionArgs } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ok } from '../tool-result.js';

const backupRow = z.object({
  volid: z.string(),
  vmid: z.number(),
  guestType: z.enum(['qemu', 'lxc']),
  name: z.string().optional().describe("the guest's name when it still exists"),
  node: z.string(),
  storage: z.string(),
  shared: z.boolean(),
  size: z.number().describe('bytes'),
  ctime: z.string().describe('ISO time the backup was made'),
  notes: z.string().optional().describe('first line of the notes'),
  protected: z.boolean(),
  format: z.string(),
  compression: z.string().optional(),
  ttlDays: z.number().optional(),
  expiresAt: z.string().optional().describe('ISO time its TTL runs out'),
  expired: z.boolean(),
});

function rowOf(b: BackupEntry, nowMs: number): z.infer<typeof backupRow> {
  const { ctime, expiresAt, ...rest } = b;
  return { ...rest, ctime: new Date(ctime * 1000).toISOString(), ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}), expired: expiresAt !== undefined && expiresAt <= nowMs };
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

export function backupTools(ctx: ToolContext): AnyToolSpec[] {
  const listBackups = defineTool({
    name: 'list_backups',
    title: 'List backups',
    description: 'Backups from PVE storage (cluster-wide, one VM or a selection) with notes, protection and TTL.',
    input: {
      vmid: z.number().int().min(100).optional().describe('one VM'),
      ...selectionShape,
      storage: z.string().min(1).optional().describe('only this storage'),
      limit: z.number().int().min(1).max(1000).optional().describe('rows, newest first per VM (default 200)'),
    },
    output: {
      total: z.number(),
      backups: z.array(backupRow),
      omitted: z.number(),
      warnings: z.array(z.string()).describe('what could not be read (an offline node, an unreadable storage); the rest is listed'),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      let vmids: number[] | undefined;
      if (args.vmid !== undefined) vmids = [args.vmid];
      else if (args.selector !== undefined || args.vmSelectors !== undefined) vmids = (await ctx.core.resolve(selectionOf(args as SelectionArgs))).vms.map((v) => v.vmid);
      const report = await ctx.core.listBackups({ vmids, storage: args.storage });
      const now = Date.now();
      const rows = report.backups.map((b) => rowOf(b, now));
      const shown = rows.slice(0, args.limit ?? 200);
      const text = [`${rows.length} backup(s)${rows.length ? `; ${shown.length} rows in structuredContent.backups${rows.length > shown.length ? ` (${rows.length - shown.length} more: raise limit)` : ''}` : ''}.`, ...report.warnings.map((w) => `warning: ${w}`)].join('\n');
      return ok(text, { total: rows.length, backups: shown, omitted: rows.length - shown.length, warnings: report.warnings });
    },
  });
  return [listBackups];
}
