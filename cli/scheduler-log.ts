// The headless scheduler's log: one line per event, human-readable or a JSON object per line (--json).
import type { SchedulerLogEvent } from '../src/schedule/scheduler.js';

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

export function textLine(e: SchedulerLogEvent, at = new Date()): string {
  const ts = at.toISOString();
  switch (e.event) {
    case 'run-start':
      return `${ts} start  ${e.job} ${e.runId} (${e.trigger}${e.scheduledAt ? `, due ${iso(e.scheduledAt)}` : ''}${e.dryRun ? ', dry run' : ''})`;
    case 'run-end': {
      const counts = Object.entries(e.counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'no VMs';
      return `${ts} end    ${e.job} ${e.runId} ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s, ${e.attempts} attempt(s): ${counts}${e.message ? ` — ${e.message}` : ''}`;
    }
    case 'skipped':
      return `${ts} skip   ${e.job} ${e.runId}${e.message ? ` — ${e.message}` : ''}`;
    case 'missed':
      return `${ts} missed ${e.job}: ${e.message}`;
    case 'maintenance':
      return `${ts} history: ${e.removed} old record(s) removed, ${e.interrupted} interrupted record(s) marked`;
    case 'info':
      return `${ts} ${e.message}`;
    case 'error':
      return `${ts} error  ${e.message}`;
  }
}

export function jsonLine(e: SchedulerLogEvent, at = new Date()): string {
  return JSON.stringify({ at: at.toISOString(), ...e });
}
