// The dry-run plan: every target, what will happen to it or why it is skipped; then the confirmation.
import { Box, Text } from 'ink';
import { breakdownHeight, planBreakdown, PlanBreakdown, skipReasonCounts } from './PlanBreakdown.js';
import { fit } from '../format.js';
import { screenLayout } from '../layout.js';
import { optionFieldsOf, optionsSummary } from '../request-options.js';
import { useTui, type PlanRow, type TuiStore } from '../store.js';
import { windowOf } from '../view-window.js';

function skipReasons(rows: PlanRow[]): string {
  return skipReasonCounts(rows)
    .map(([why, n]) => `${n} × ${why}`)
    .join('; ');
}

export function PlanDialog({ store }: { store: TuiStore }) {
  const confirm = useTui(store, (s) => s.confirm);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const columns = useTui(store, (s) => s.size.columns);
  if (!confirm) return null;
  const skipped = confirm.rows.length - confirm.count;
  const reasons = skipReasons(confirm.rows);
  const offered = confirm.options ? optionFieldsOf(confirm.options.kind) : [];
  // Never a password on screen: the summary says a credential is set, never what it is (isSecretField).
  const set = confirm.options ? optionsSummary(confirm.options.kind, confirm.options.request) : '';
  // Border (2), title, summary, table header, the prompt, the options line and the warnings.
  const fixed = 6 + (offered.length ? 1 : 0) + confirm.warnings.length;
  // When targets are skipped, a breakdown table of the reasons, if it leaves room for at least five
  // plan rows; otherwise the reasons on one line.
  const breakdown = reasons ? planBreakdown(confirm.rows, Math.max(20, columns - 20)) : [];
  const showTable = breakdown.length > 0 && bodyRows - fixed - breakdownHeight(breakdown.length) >= 5;
  const room = Math.max(1, bodyRows - fixed - (showTable ? breakdownHeight(breakdown.length) : reasons ? 1 : 0));
  // The "rows x–y of n" line takes a row of its own when the plan does not fit: never cut the prompt off.
  const tableRows = confirm.rows.length > room ? Math.max(1, room - 1) : room;
  const win = windowOf(confirm.scroll, tableRows, confirm.rows.length);
  // A plan that holds a container says per row which kind each guest is (qemu or lxc); a plan of VMs only
  // keeps its columns for what happens.
  const typed = confirm.rows.some((r) => r.type === 'lxc');
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={confirm.destructive ? 'red' : 'cyan'} paddingX={1} flexShrink={0}>
      <Text bold wrap="truncate">
        Plan: {confirm.title}
      </Text>
      <Text wrap="truncate">
        <Text color="green">{confirm.count} will change</Text>
        {' · '}
        <Text color="gray">{skipped} skipped</Text>
        <Text color="gray"> · nothing has run yet (this was a dry run)</Text>
      </Text>
      {offered.length ? (
        <Text wrap="truncate">
          <Text color="cyan" bold>
            o
          </Text>
          <Text color="gray"> options: </Text>
          {set}
          <Text color="gray">
            {set ? ' · ' : ''}
            {offered
              .filter((f) => confirm.options?.request[f.field] === undefined)
              .map((f) => f.field)
              .join(', ')}
          </Text>
        </Text>
      ) : null}
      {showTable ? (
        <PlanBreakdown rows={breakdown} />
      ) : reasons ? (
        <Text color="gray" wrap="truncate">
          skipped: {reasons}
        </Text>
      ) : null}
      {confirm.warnings.map((w) => (
        <Text key={w} color="yellow" wrap="truncate">
          warning: {w}
        </Text>
      ))}
      <Text bold color="gray" wrap="truncate">
        {typed ? fit('TYPE', 5) : ''}
        {fit('VMID', 7)}
        {fit('NAME', 24)}
        {fit('NODE', 8)}
        {fit('', 6)}WHAT HAPPENS
      </Text>
      {confirm.rows.slice(win.start, win.end).map((r) => (
        <Text key={r.key} wrap="truncate" color={r.skipped ? 'gray' : undefined}>
          {typed ? fit(r.type ?? '', 5) : ''}
          {fit(String(r.vmid), 7)}
          {fit(r.name, 24)}
          {fit(r.node, 8)}
          <Text color={r.skipped ? 'gray' : 'green'}>{fit(r.skipped ? 'skip' : 'do', 6)}</Text>
          {r.what}
        </Text>
      ))}
      {confirm.rows.length > tableRows ? (
        <Text color="gray">
          rows {win.start + 1}–{win.end} of {confirm.rows.length} (j/k scroll)
        </Text>
      ) : null}
      {confirm.savesJob ? (
        <Text color="red" wrap="truncate">
          Destructive job: its runs need confirming once. Type {confirm.count} (the VMs a run would change now) and press Enter; Esc cancels: <Text inverse>{confirm.typed || ' '}</Text>
        </Text>
      ) : confirm.count === 0 ? (
        <Text color="yellow">Nothing to do: every target is skipped. Esc closes.</Text>
      ) : confirm.destructive ? (
        <Text color="red" wrap="truncate">
          Destructive. Type {confirm.count} (the number of VMs that change) and press Enter; Esc cancels: <Text inverse>{confirm.typed || ' '}</Text>
        </Text>
      ) : (
        <Text color="green">Enter or y runs it · Esc or n cancels</Text>
      )}
    </Box>
  );
}
