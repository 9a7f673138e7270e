// Migration records and precondition checks as text for the terminal (moxxie history migrations,
// moxxie migrate check).
import type { MigrationEntry } from '../src/ops/migration/record.js';
import type { MigrationCheck } from '../src/ops/migration/precondition.js';
import { gib } from '../src/ops/migration/precondition.js';
import { textTable } from '../src/text/table.js';
import { formatTime } from '../src/text/time.js';

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function migrationsText(records: readonly MigrationEntry[]): string {
  if (!records.length) return 'no migrations recorded';
  return textTable(
    ['AT', 'VM', 'FROM', 'TO', 'MODE', 'BEFORE', 'AFTER', 'OUTCOME', 'TOOK', 'BY', 'OPERATION', 'ERROR'],
    records.map((m) => [
      formatTime(m.at),
      `${m.vmid}${m.name ? ` ${m.name}` : ''}`,
      m.from,
      m.to,
      m.mode ?? '-',
      m.stateBefore ?? '-',
      m.stateAfter ?? '-',
      `${m.status}${m.drainedNode ? ` (${m.operationKind === 'node.undrain' ? 'undrain' : 'drain'} ${m.drainedNode})` : ''}`,
      seconds(m.durationMs),
      m.frontEnd ?? '-',
      m.operationId ?? '-',
      m.error ?? '',
    ]),
  );
}

export function checkText(c: MigrationCheck): string {
  const lines = [
    `VM ${c.vmid} ${c.name} on ${c.node} (${c.status}) → ${c.target}: ${c.allowed ? 'can move' : 'cannot move'}`,
    `  mode: ${c.mode}${c.mode === 'online' ? ` (${gib(c.memoryBytes)} RAM)` : c.mode === 'restart' ? ' (shut down, moved, started: a container cannot move live)' : ''}; with local disks: ${c.withLocalDisks ? 'yes' : 'no'}; target ${c.targetOnline ? 'online' : 'OFFLINE'}${c.haState ? `; HA-managed (${c.haState})` : ''}`,
  ];
  for (const d of c.localDisks) lines.push(`  local disk ${d.volid} ${gib(d.size)}${d.drivename ? ` (${d.drivename})` : ' (unused)'}${d.cdrom ? ' CD image' : ''}`);
  if (c.localResources.length) lines.push(`  local resources: ${c.localResources.join(', ')}`);
  for (const r of c.reasons) lines.push(`  ✗ ${r}`);
  return lines.join('\n');
}
