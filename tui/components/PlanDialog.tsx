import { Table } from '@alcalzone/ink-table';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { TuiStore } from '../store.js';

/** The dry-run plan: targets, what will happen, what is skipped and why; then the confirmation. */
export function PlanDialog({ store, rows }: { store: TuiStore; rows: number }) {
  const confirm = useStore(store, (s) => s.confirm);
  if (!confirm) return null;
  const planned = confirm.plan.targets.filter((t) => t.state === 'planned').length;
  const data = confirm.plan.targets.slice(0, Math.max(3, rows)).map((t) => ({ vmid: t.vmid, name: t.name, node: t.node, plan: t.state === 'planned' ? t.action : 'skip', reason: t.state === 'skipped' ? (t.message ?? '') : '' }));
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={confirm.destructive ? 'red' : 'cyan'}>
      <Text bold>
        Plan: {confirm.title} — {planned} to do, {confirm.plan.targets.length - planned} skipped
      </Text>
      {confirm.plan.warnings.map((w) => (
        <Text key={w} color="yellow">
          warning: {w}
        </Text>
      ))}
      <Table data={data} />
      {confirm.plan.targets.length > data.length ? <Text color="gray">…and {confirm.plan.targets.length - data.length} more</Text> : null}
      {planned === 0 ? (
        <Text color="yellow">Nothing to do. Esc to close.</Text>
      ) : confirm.destructive ? (
        <Text color="red">
          Destructive. Type {planned} and press Enter to confirm: <Text inverse>{confirm.typed || ' '}</Text>
        </Text>
      ) : (
        <Text color="green">Press y or Enter to run, Esc to cancel.</Text>
      )}
    </Box>
  );
}
