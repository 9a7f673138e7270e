// backup_retention_candidates: the retention preview (the seed's GET /backups/retention-candidates). Carrying
// it out is the prune_backups capability tool (mcp/capability-tools.ts).
import { z } from 'zod';
import { retentionQueryFields, type RetentionCandidate } from '../../src/ops/retention/candidates.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ok } from '../tool-result.js';

const MARKS = ['keep', 'remove', 'protected', 'renamed'] as const;

const row = z.object({
  volid: z.string(),
  vmid: z.number(),
  name: z.string().optional(),
  storage: z.string(),
  node: z.string(),
  ctime: z.string().describe('ISO time of the backup'),
  size: z.number(),
  protected: z.boolean(),
  ttlDays: z.number().optional(),
  expiresAt: z.string().optional(),
  mark: z.enum(MARKS),
  rule: z.string().describe('what decided the mark: keep-last … keep-yearly, keep-all, days, ttl, protected, renamed, no-keep-rule'),
  reason: z.string(),
});

function rowOf(b: RetentionCandidate): z.infer<typeof row> {
  return {
    volid: b.volid,
    vmid: b.vmid,
    ...(b.name !== undefined ? { name: b.name } : {}),
    storage: b.storage,
    node: b.node,
    ctime: new Date(b.ctime * 1000).toISOString(),
    size: b.size,
    protected: b.protected,
    ...(b.ttlDays !== undefined ? { ttlDays: b.ttlDays } : {}),
    ...(b.expiresAt !== undefined ? { expiresAt: new Date(b.expiresAt).toISOString() } : {}),
    mark: b.mark,
    rule: b.rule,
    reason: b.reason,
  };
}

export function retentionTools(ctx: ToolContext): AnyToolSpec[] {
  const candidates = defineTool({
    name: 'backup_retention_candidates',
    title: 'Preview backup retention',
    description: 'Preview a retention policy (expired TTLs too): keep/remove per backup with the deciding rule, checked against PVE\'s own prune preview. prune_backups carries it out.',
    input: {
      ...retentionQueryFields,
      limit: z.number().int().min(1).max(2000).optional().describe('rows (default 200; remove rows first)'),
    },
    output: {
      policy: z.object({ text: z.string(), vocabulary: z.enum(['seed', 'pve']), pveEquivalent: z.string().optional() }),
      evaluatedAt: z.string(),
      summary: z.object({ total: z.number(), keep: z.number(), remove: z.number(), protected: z.number(), renamed: z.number(), removeBytes: z.number() }),
      candidates: z.array(z.string()).describe('volids to remove, all of them'),
      backups: z.array(row),
      omitted: z.number(),
      crossChecks: z.array(
        z.object({
          storage: z.string(),
          node: z.string(),
          pveRetention: z.string().optional(),
          checked: z.boolean(),
          note: z.string().optional(),
          differences: z.array(z.object({ volid: z.string(), moxxie: z.string(), pve: z.string() })),
        }),
      ),
      warnings: z.array(z.string()),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      const { limit, ...query } = args;
      const p = await ctx.core.retentionCandidates(query);
      // The decisions that matter first: what would be removed, then protected, then kept.
      const order = { remove: 0, protected: 1, renamed: 2, keep: 3 } as const;
      const sorted = [...p.backups].sort((a, b) => order[a.mark] - order[b.mark]);
      const shown = sorted.slice(0, limit ?? 200);
      const differences = p.crossChecks.flatMap((c) => c.differences.map((d) => `${d.volid}: moxxie ${d.moxxie}, PVE ${d.pve}`));
      const text = [
        `${p.policy.text}: ${p.summary.remove} of ${p.summary.total} backup(s) to remove (${(p.summary.removeBytes / 1024 ** 3).toFixed(1)} GiB), ${p.summary.keep} kept, ${p.summary.protected} protected.`,
        ...shown.map((b) => `${b.mark.padEnd(9)} ${b.volid} (${b.vmid}${b.name ? ` ${b.name}` : ''}) ${b.reason}`),
        ...(sorted.length > shown.length ? [`…and ${sorted.length - shown.length} more.`] : []),
        ...(differences.length ? ["PVE's own prune preview differs:", ...differences] : []),
        ...p.crossChecks.filter((c) => c.note).map((c) => `${c.storage}@${c.node}: ${c.note}`),
        ...p.warnings,
      ].join('\n');
      return ok(text, {
        policy: p.policy,
        evaluatedAt: new Date(p.evaluatedAt).toISOString(),
        summary: p.summary,
        candidates: p.candidates,
        backups: shown.map(rowOf),
        omitted: sorted.length - shown.length,
        crossChecks: p.crossChecks.map((c) => ({ ...c, differences: c.differences.map((d) => ({ ...d })) })),
        warnings: p.warnings,
      });
    },
  });
  return [candidates];
}
