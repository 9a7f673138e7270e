// PVE task logs: why a step failed, in PVE's own words, for an assistant that is diagnosing.
import { z } from 'zod';
import { TASK_LOG_MAX_LINES } from '../../src/ops/task-log.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ok } from '../tool-result.js';

/** Enough to see how a task ended without flooding the context; more on request. */
const DEFAULT_LINES = 50;
const MAX_LINES = 500;

export function taskTools(ctx: ToolContext): AnyToolSpec[] {
  const getTaskLog = defineTool({
    name: 'get_task_log',
    title: 'Get a task log',
    description: 'Why a PVE task failed, in PVE\'s words: its last log lines (or from start). UPIDs come from get_operation and get_vm.',
    input: {
      upid: z.string().describe('a PVE task id (UPID:pve1:…)'),
      limit: z.number().int().min(1).max(MAX_LINES).optional().describe(`lines to return (default ${DEFAULT_LINES}, at most ${MAX_LINES})`),
      start: z.number().int().min(0).optional().describe('first line (from 0); default: the last lines'),
    },
    output: {
      upid: z.string(),
      node: z.string(),
      type: z.string(),
      id: z.string().optional(),
      status: z.enum(['running', 'stopped']),
      exitstatus: z.string().optional().describe('once stopped: OK, WARNINGS: n, or the error'),
      startedAt: z.string(),
      start: z.number().describe('line number of the first line returned'),
      total: z.number().describe('lines in the whole log'),
      lines: z.array(z.string()),
    },
    listedOutput: ['status', 'exitstatus', 'start', 'total', 'lines'],
    annotations: READS_CLUSTER,
    run: async ({ upid, limit, start }) => {
      const log = await ctx.core.taskLog(upid, { limit: Math.min(limit ?? DEFAULT_LINES, TASK_LOG_MAX_LINES), start });
      const state = log.status === 'running' ? 'still running' : `ended: ${log.exitstatus ?? 'unknown'}`;
      const shown = log.lines.length ? `lines ${log.start + 1}-${log.start + log.lines.length} of ${log.total}` : `no lines (of ${log.total})`;
      const text = [`${log.type}${log.id ? ` ${log.id}` : ''} on ${log.node}, ${state}; ${shown}:`, ...log.lines].join('\n');
      return ok(text, {
        upid: log.upid,
        node: log.node,
        type: log.type,
        id: log.id,
        status: log.status,
        exitstatus: log.exitstatus,
        startedAt: new Date(log.starttime * 1000).toISOString(),
        start: log.start,
        total: log.total,
        lines: log.lines,
      });
    },
  });
  return [getTaskLog];
}
