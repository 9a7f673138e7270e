// The backup_prune job task: a retention policy run on a schedule (backup.prune). Its guests are the job's
// selectors, which must be VM_IDS (a retry's form too) or ALL: the prune request selects guests by id and
// tags, not by name patterns or tag expressions (use parameters.tags for tags).
import { z } from 'zod';
import type { BackupPruneParams } from '../history/job-records.js';
import { RequestError } from '../ops/errors.js';
import { parseVmIds } from '../select/vm-ids.js';
import type { VmSelector } from '../select/types.js';

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

/** Parameters as the seed's string-valued jobs send them: tags as a list or "a,b", numbers as strings. */
export const backupPruneParams = z
  .object({
    retentionPolicy: z.string({ message: "required: days:N, count:N, monthly:N or PVE's keep options such as keep-daily=7,keep-weekly=4" }),
    tags: z.union([z.array(z.string()), z.string()]).optional(),
    storage: z.string().min(1).optional(),
    maxParallel: z.union([z.number(), z.string().regex(/^\s*\d+\s*$/, 'must be a whole number from 1 to 20')]).optional(),
    dryRun: z.union([z.boolean(), z.string()]).optional(),
  })
  .strict()
  .transform((p, ctx): BackupPruneParams => {
    const tags = typeof p.tags === 'string' ? p.tags.split(',').map((t) => t.trim()).filter(Boolean) : p.tags;
    let dryRun = false;
    if (typeof p.dryRun === 'boolean') dryRun = p.dryRun;
    else if (typeof p.dryRun === 'string' && (TRUE.includes(p.dryRun.toLowerCase()) || FALSE.includes(p.dryRun.toLowerCase()))) dryRun = TRUE.includes(p.dryRun.toLowerCase());
    else if (p.dryRun !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['dryRun'], message: `must be true or false (got ${JSON.stringify(p.dryRun)})` });
      return z.NEVER;
    }
    const out: BackupPruneParams = { retentionPolicy: p.retentionPolicy, dryRun };
    if (tags?.length) out.tags = tags;
    if (p.storage !== undefined) out.storage = p.storage;
    if (p.maxParallel !== undefined) out.maxParallel = Number(p.maxParallel);
    return out;
  });

/** The guests a prune job's selectors name: undefined for ALL; refused for selectors prune cannot take. */
export function pruneVmIds(selectors: VmSelector[]): number[] | undefined {
  if (selectors.some((s) => s.type === 'ALL')) return undefined;
  const ids: number[] = [];
  for (const [i, s] of selectors.entries()) {
    if (s.type !== 'VM_IDS' || s.exclude) {
      throw new RequestError(`vmSelectors[${i}]`, `backup_prune jobs select guests by VM_IDS or ALL (got ${s.type}${s.exclude ? ' with exclude' : ''}); use parameters.tags to narrow by tags`);
    }
    ids.push(...parseVmIds(s.value ?? ''));
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}
