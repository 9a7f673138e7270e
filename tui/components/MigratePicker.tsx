// The migration target picker (m): one row per node with its free memory and CPU and how many of the VMs
// PVE's precondition lets go there; below, why the others cannot. Enter picks, Esc closes.
import { Select } from '@inkjs/ui';
import { Box, Text } from 'ink';
import { bytes } from '../../src/text/bytes.js';
import type { TuiController } from '../controller.js';
import { useTui, type MigrateChoice, type TuiStore } from '../store.js';

function label(c: MigrateChoice, total: number): string {
  const ok = c.checks.filter((x) => x.allowed).length;
  const checked = c.checks.length < total ? ` (${c.checks.length}/${total} checked)` : '';
  return `${c.node.padEnd(10)} ${c.online ? 'online ' : 'OFFLINE'}  free ${bytes(c.freeMem)} of ${bytes(c.maxmem)}  cpu ${(c.cpu * 100).toFixed(0)}%  ${ok}/${total} can move${checked}`;
}

export function MigratePicker({ store, controller }: { store: TuiStore; controller: TuiController }) {
  const m = useTui(store, (s) => s.migrate);
  if (!m) return null;
  const total = m.ids.length;
  const refused = m.choices.flatMap((c) => c.checks.filter((x) => !x.allowed).map((x) => `${c.node}: VM ${x.vmid} ${x.why}`));
  return (
    <Box flexDirection="column">
      <Text bold>
        migrate {total === 1 ? `VM ${m.ids[0]}` : `${total} VMs`} to… {m.loading ? '(checking with PVE…)' : ''}
      </Text>
      {/* The options settle once every check is in: a Select whose options change under it starts over. */}
      {m.loading ? (
        m.choices.map((c) => <Text key={c.node}>{`  ${label(c, total)}`}</Text>)
      ) : (
        <Select options={m.choices.map((c) => ({ label: label(c, total), value: c.node }))} onChange={(node) => controller.pickMigrateTarget(node)} visibleOptionCount={8} />
      )}
      {refused.slice(0, 8).map((r) => (
        <Text key={r} color="yellow">
          {r}
        </Text>
      ))}
      <Text dimColor>Enter: plan the move to that node · Esc: close</Text>
    </Box>
  );
}
