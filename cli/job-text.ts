// `moxxie jobs` as text: the jobs table, one job in detail, runs and their per-VM rows. Plain data in,
// strings out.
import type { JobRecord, JobRunRecord } from '../src/history/job-records.js';
import { stateCountsText } from '../src/text/state-counts.js';
import { textTable } from '../src/text/table.js';
import { formatTime } from '../src/text/time.js';

/** A job with what the table shows beside it. */
export interface JobListRow {
  job: JobRecord;
  /** The next fire, for enabled jobs whose schedule has one. */
  nextFire?: Date;
  /** The seed's "0 0 0 1 1 ? 2099" idiom: runs only when triggered. */
  manualOnly: boolean;
  lastRun?: JobRunRecord;
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

const zoneLabel = (job: JobRecord) => job.timezone ?? `${localZone()}, local time`;

const countsText = (run: JobRunRecord): string => stateCountsText(run.vms);

function nextFireText(row: JobListRow): string {
  if (!row.job.enabled) return '- (disabled)';
  if (row.manualOnly) return 'manual only';
  return row.nextFire ? formatTime(row.nextFire, row.job.timezone) : 'never';
}

function lastResultText(run: JobRunRecord | undefined): string {
  return run ? `${run.status} ${formatTime(run.startedAt)}` : '-';
}

export function jobsTable(rows: JobListRow[]): string {
  if (!rows.length) return 'No jobs yet; `moxxie jobs create --file job.json` makes one.';
  return textTable(
    ['NAME', 'TASK TYPE', 'CRON', 'ENABLED', 'NEXT FIRE', 'LAST RESULT'],
    rows.map((r) => [r.job.name, r.job.taskType, r.job.cronExpression, r.job.enabled ? 'yes' : 'no', nextFireText(r), lastResultText(r.lastRun)]),
  );
}

function parametersText(job: JobRecord): string {
  return Object.entries(job.parameters).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') || '(none)';
}

function selectorsText(job: JobRecord): string {
  return job.vmSelectors
    .map((s) => [s.type, s.type === 'ALL' ? '' : JSON.stringify(s.value ?? ''), s.exclude ? `exclude ${JSON.stringify(s.exclude)}` : '', s.includeTemplates ? 'with templates' : ''].filter(Boolean).join(' '))
    .join('; ');
}

/** The job's fields, its next fires and its recent runs. */
export function jobDetail(job: JobRecord, fires: Date[], runs: JobRunRecord[], manualOnly: boolean): string {
  const fields: [string, string][] = [
    ['id', job.id],
    ...(job.description ? ([['description', job.description]] as [string, string][]) : []),
    ['taskType', job.taskType],
    ['cron', `${job.cronExpression}  (${zoneLabel(job)})${job.allowSubMinute ? '; allowed to fire more than once a minute' : ''}`],
    ['enabled', job.enabled ? 'yes' : 'no: it fires only when triggered'],
    ['parameters', parametersText(job)],
    ['vmSelectors', selectorsText(job)],
    ['retries', `${job.maxRetries ? `${job.maxRetries}, ${job.retryDelaySeconds} s apart` : 'none'}; timeout ${job.timeoutSeconds} s`],
    ...(job.confirmation ? ([['confirmed', `${formatTime(job.confirmation.at)} through ${job.confirmation.frontEnd} (its runs are destructive)`]] as [string, string][]) : []),
    ['created', formatTime(job.createdAt)],
    ['updated', formatTime(job.updatedAt)],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const lines = [job.name, ...fields.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ''];
  const heading = `Next ${fires.length} fire time${fires.length === 1 ? '' : 's'} (${zoneLabel(job)})${job.enabled ? '' : ', if it were enabled'}${manualOnly ? '; a date this far off means "manual only"' : ''}:`;
  lines.push(fires.length ? heading : 'Next fire times: none (the schedule never fires again)');
  for (const f of fires) lines.push(`  ${formatTime(f, job.timezone)}`);
  lines.push('', runs.length ? `Recent runs (newest first):\n${indent(runsTable(runs))}` : 'Recent runs: none');
  return lines.join('\n');
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

export function runsTable(runs: JobRunRecord[]): string {
  if (!runs.length) return 'No runs yet.';
  return textTable(
    ['STARTED', 'JOB', 'RUN', 'TRIGGER', 'STATUS', 'VMS', 'MESSAGE'],
    runs.map((r) => [formatTime(r.startedAt), r.jobName, r.id, r.trigger, `${r.status}${r.dryRun ? ' (dry run)' : ''}`, countsText(r), r.message ?? '']),
  );
}

/** One line for a finished run: what happened, how long it took, VMs by state. */
export function runSummary(run: JobRunRecord): string {
  const took = run.finishedAt !== undefined ? ` in ${((run.finishedAt - run.startedAt) / 1000).toFixed(1)} s` : '';
  return `${run.id} ${run.jobName}: ${run.status}${run.dryRun ? ' (dry run)' : ''}${took}, ${run.attempts} attempt(s): ${countsText(run)}${run.message ? ` — ${run.message}` : ''}`;
}

/** A run's per-VM rows, then its summary line. */
export function runReport(run: JobRunRecord): string {
  const rows = run.vms.length ? `${textTable(['VMID', 'NAME', 'STATE', 'MESSAGE'], run.vms.map((v) => [String(v.vmid), v.name, v.state, v.message ?? '']))}\n` : '';
  return `${rows}${runSummary(run)}`;
}
