// Which jobs interrupt guests or lose data when run: those are confirmed before a manual trigger by
// every front end (the TUI's typed count, MCP's confirm token, `moxxie jobs trigger --yes`).
import type { JobRecord, PowerScheduleParams } from '../history/job-records.js';

export function isDestructiveJob(job: Pick<JobRecord, 'taskType' | 'parameters'>): boolean {
  if (job.taskType === 'snapshot_delete') return true;
  if (job.taskType === 'power_schedule') {
    const p = job.parameters as PowerScheduleParams;
    return p.action === 'stop' || !!p.force;
  }
  return false;
}
