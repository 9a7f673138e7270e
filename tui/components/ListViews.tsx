// The secondary views: nodes, tasks, operations, history, jobs, a VM's detail. Each renders only the
// rows on screen.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { Operation } from '../../src/ops/types.js';
import { bytes, clock, duration, fit } from '../format.js';
import type { TuiStore } from '../store.js';
import { windowOf } from '../view-window.js';

function useWindow(store: TuiStore, total: number, height: number) {
  const cursor = useStore(store, (s) => s.cursor);
  const scroll = useStore(store, (s) => s.scroll);
  return { cursor, win: windowOf(scroll, height, total) };
}

const OP_COLOUR: Record<string, string> = { succeeded: 'green', partial: 'yellow', failed: 'red', cancelled: 'yellow', running: 'cyan', interrupted: 'red', planned: 'gray' };

export function NodesView({ store, height }: { store: TuiStore; height: number }) {
  const inv = useStore(store, (s) => s.inventory);
  const nodes = inv?.nodes ?? [];
  const { cursor, win } = useWindow(store, nodes.length, height);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray">{fit('NODE', 10)}{fit('STATUS', 9)}{fit('CPU', 8)}{fit('MEM', 16)}{fit('UPTIME', 10)}GUESTS</Text>
      {nodes.slice(win.start, win.end).map((n, i) => (
        <Text key={n.node} inverse={win.start + i === cursor}>
          {fit(n.node, 10)}
          <Text color={n.status === 'online' ? 'green' : 'red'}>{fit(n.status, 9)}</Text>
          {fit(n.status === 'online' ? `${(n.cpu * 100).toFixed(1)}%` : '-', 8)}
          {fit(n.status === 'online' ? `${bytes(n.mem)}/${bytes(n.maxmem)}` : '-', 16)}
          {fit(duration(n.uptime), 10)}
          {inv?.vms.filter((v) => v.node === n.node).length ?? 0}
        </Text>
      ))}
    </Box>
  );
}

export function TasksView({ store, height }: { store: TuiStore; height: number }) {
  const tasks = useStore(store, (s) => s.tasks);
  const { cursor, win } = useWindow(store, tasks.length, height);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray">{fit('STARTED', 22)}{fit('NODE', 7)}{fit('TYPE', 14)}{fit('ID', 8)}{fit('USER', 20)}STATUS</Text>
      {tasks.slice(win.start, win.end).map((t, i) => (
        <Text key={t.upid} inverse={win.start + i === cursor} wrap="truncate">
          {fit(clock(t.starttime * 1000), 22)}
          {fit(t.node, 7)}
          {fit(t.type, 14)}
          {fit(t.id ?? '', 8)}
          {fit(t.user, 20)}
          <Text color={t.status === undefined ? 'cyan' : t.status === 'OK' ? 'green' : 'red'}>{t.status ?? 'running'}</Text>
        </Text>
      ))}
      {tasks.length === 0 ? <Text color="gray">no tasks yet</Text> : null}
    </Box>
  );
}

function OperationRows({ ops, store, height }: { ops: Operation[]; store: TuiStore; height: number }) {
  const { cursor, win } = useWindow(store, ops.length, height);
  const selected = ops[cursor];
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray">{fit('STARTED', 22)}{fit('KIND', 18)}{fit('STATUS', 12)}{fit('FROM', 10)}{fit('VMS', 6)}RESULT</Text>
      {ops.slice(win.start, win.end).map((o, i) => {
        const c = o.targets.reduce<Record<string, number>>((a, t) => ((a[t.state] = (a[t.state] ?? 0) + 1), a), {});
        return (
          <Text key={o.id} inverse={win.start + i === cursor} wrap="truncate">
            {fit(clock(o.startedAt), 22)}
            {fit(`${o.kind}${o.dryRun ? ' (dry)' : ''}`, 18)}
            <Text color={OP_COLOUR[o.status]}>{fit(o.status, 12)}</Text>
            {fit(o.frontEnd, 10)}
            {fit(String(o.targets.length), 6)}
            {Object.entries(c).map(([k, n]) => `${n} ${k}`).join(', ')}
          </Text>
        );
      })}
      {ops.length === 0 ? <Text color="gray">nothing yet</Text> : null}
      {selected ? (
        <Box flexDirection="column" marginTop={1}>
          <Text color="gray">{selected.id} — per-VM outcome:</Text>
          {selected.targets.slice(0, Math.max(3, height - Math.min(ops.length, height) - 2)).map((t) => (
            <Text key={t.vmid} wrap="truncate">
              {fit(String(t.vmid), 7)}
              {fit(t.name, 20)}
              <Text color={OP_COLOUR[t.state] ?? 'gray'}>{fit(t.state, 10)}</Text>
              {t.message ?? t.action}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}

export function OpsView({ store, height }: { store: TuiStore; height: number }) {
  const live = useStore(store, (s) => s.operations);
  const history = useStore(store, (s) => s.history);
  const seen = new Set(live.map((o) => o.id));
  return <OperationRows ops={[...live, ...history.filter((h) => !seen.has(h.id))]} store={store} height={Math.floor(height / 2)} />;
}

export function HistoryView({ store, height }: { store: TuiStore; height: number }) {
  const history = useStore(store, (s) => s.history);
  return <OperationRows ops={history} store={store} height={Math.floor(height / 2)} />;
}

export function JobsView({ store, height }: { store: TuiStore; height: number }) {
  const jobs = useStore(store, (s) => s.jobs);
  const { cursor, win } = useWindow(store, jobs.length, height);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color="gray">{fit('NAME', 24)}{fit('TYPE', 17)}{fit('CRON', 20)}{fit('ON', 4)}{fit('NEXT', 22)}LAST</Text>
      {jobs.slice(win.start, win.end).map((j, i) => (
        <Text key={j.id} inverse={win.start + i === cursor} wrap="truncate">
          {fit(j.name, 24)}
          {fit(j.taskType, 17)}
          {fit(j.cronExpression, 20)}
          <Text color={j.enabled ? 'green' : 'gray'}>{fit(j.enabled ? 'yes' : 'no', 4)}</Text>
          {fit(j.nextRun ? clock(j.nextRun) : '-', 22)}
          <Text color={j.lastRun?.status === 'succeeded' ? 'green' : j.lastRun ? 'yellow' : 'gray'}>{j.lastRun ? `${j.lastRun.status} ${clock(j.lastRun.startedAt)}` : 'never'}</Text>
        </Text>
      ))}
      {jobs.length === 0 ? <Text color="gray">no scheduler jobs (create them with the MCP server or the core API)</Text> : null}
    </Box>
  );
}

export function DetailView({ store, height }: { store: TuiStore; height: number }) {
  const detail = useStore(store, (s) => s.detail);
  const inv = useStore(store, (s) => s.inventory);
  const { cursor, win } = useWindow(store, detail?.snapshots.length ?? 0, Math.max(3, height - 8));
  if (!detail) return <Text color="gray">no VM selected</Text>;
  const vm = inv?.vms.find((v) => v.vmid === detail.vmid);
  const cfg = detail.config;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text>
        <Text bold>{detail.vmid} {vm?.name}</Text> on {vm?.node} — <Text color={vm?.status === 'running' ? 'green' : 'gray'}>{vm?.status}</Text>
        {vm?.lock ? <Text color="red"> lock {vm.lock}</Text> : null}
      </Text>
      <Text color="gray" wrap="truncate">
        cores {String(cfg.cores ?? '-')} · memory {String(cfg.memory ?? '-')} MiB · {String(cfg.scsi0 ?? cfg.virtio0 ?? '')} · {String(cfg.net0 ?? '')}
      </Text>
      <Text color="gray">tags {vm?.tags.join(', ') || '(none)'}{Number(cfg.protection) === 1 ? ' · protected' : ''}</Text>
      <Text bold color="gray">{'\n'}{fit('SNAPSHOT', 32)}{fit('TAKEN', 22)}{fit('RAM', 5)}{fit('EXPIRES', 22)}DESCRIPTION</Text>
      {detail.snapshots.slice(win.start, win.end).map((s, i) => (
        <Text key={s.name} inverse={win.start + i === cursor} wrap="truncate">
          {fit(s.name, 32)}
          {fit(s.snaptime ? clock(s.snaptime * 1000) : '-', 22)}
          {fit(s.vmstate ? 'yes' : '', 5)}
          <Text color={s.expiresAt && s.expiresAt * 1000 < Date.now() ? 'red' : undefined}>{fit(s.expiresAt ? clock(s.expiresAt * 1000) : '', 22)}</Text>
          {s.description}
        </Text>
      ))}
      {detail.snapshots.length === 0 ? <Text color="gray">no snapshots</Text> : null}
    </Box>
  );
}
