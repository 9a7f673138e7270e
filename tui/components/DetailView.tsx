// One VM: what it is, where it runs, its configuration at a glance, and its snapshots.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { tagColour, VM_STATUS_COLOUR } from '../colours.js';
import { bytes, clock, duration, fit, percent } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { snapshotRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

function cfg(config: Record<string, unknown>, key: string): string {
  const v = config[key];
  return v === undefined || v === null ? '' : String(v);
}

export function DetailView({ store }: { store: TuiStore }) {
  const detail = useTui(store, (s) => s.detail);
  const vm = useTui(store, (s) => s.inventory?.vms.find((v) => v.vmid === s.detail?.vmid));
  const filter = useTui(store, (s) => s.filters.detail);
  const readOnly = useTui(store, (s) => s.context.readOnly);
  const pos = useTui(store, (s) => s.pos.detail);
  const height = useTui(store, (s) => listRows('detail', screenLayout(s).bodyRows));
  const items = useMemo(() => snapshotRows({ detail, filters: { detail: filter } }), [detail, filter]);
  // Long names stay whole: the name column is as wide as the longest name with its branch lines (up to 44).
  const nameWidth = useMemo(() => Math.min(44, Math.max(20, ...items.map((s) => s.branch.length + s.name.length + 3))), [items]);
  if (!detail) return <Text color="gray">no VM selected</Text>;
  if (!vm) return <Text color="red">VM {detail.vmid} is no longer in the cluster</Text>;
  const c = detail.config;
  const ct = vm.type === 'lxc';
  // A container's volumes are rootfs and mpN (with their size), a VM's its disks.
  const disks = Object.keys(c)
    .filter((k) => (ct ? /^(rootfs|mp\d+)$/.test(k) : /^(scsi|virtio|sata|ide)\d+$/.test(k) && !cfg(c, k).includes('cloudinit') && !cfg(c, k).includes('media=cdrom')))
    .map((k) => `${k} ${cfg(c, k).split(',')[0]}${ct && /size=([^,]+)/.test(cfg(c, k)) ? ` ${/size=([^,]+)/.exec(cfg(c, k))![1]}` : ''}`);
  const tasks = (detail.tasks ?? []).map((t) => `${t.type} ${t.status ?? 'running'} ${clock(t.starttime * 1000)}`);
  const nets = Object.keys(c)
    .filter((k) => /^net\d+$/.test(k))
    .map((k) => `${k} ${cfg(c, k).split(',').slice(0, 2).join(',')}`);
  const running = vm.status === 'running';
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>
          {vm.vmid} {vm.name}
        </Text>{' '}
        {ct ? <Text color="cyan">container (lxc) </Text> : null}
        on {vm.node} — <Text color={VM_STATUS_COLOUR[vm.status]}>{vm.status}</Text>
        {running ? ` · cpu ${percent(vm.cpu)} of ${vm.maxcpu} · mem ${bytes(vm.mem)}/${bytes(vm.maxmem)} · up ${duration(vm.uptime)}` : ` · mem ${bytes(vm.maxmem)}`}
        {vm.template ? <Text color="yellow"> · template</Text> : null}
        {vm.lock ? <Text color="red"> · locked ({vm.lock})</Text> : null}
        {cfg(c, 'protection') === '1' ? <Text color="yellow"> · protected</Text> : null}
      </Text>
      <Text wrap="truncate" color="gray">
        {detail.loaded ? `cores ${cfg(c, 'cores') || '1'} · ${ct ? `swap ${cfg(c, 'swap') || '?'} MiB · ${cfg(c, 'unprivileged') === '1' ? 'unprivileged' : 'privileged'}` : `sockets ${cfg(c, 'sockets') || '1'}`} · memory ${cfg(c, 'memory') || '?'} MiB · ostype ${cfg(c, 'ostype') || '-'}${cfg(c, 'pool') || vm.pool ? ` · pool ${vm.pool ?? cfg(c, 'pool')}` : ''}` : 'loading configuration…'}
      </Text>
      <Text wrap="truncate" color="gray">
        {disks.join(' · ') || ' '}
      </Text>
      <Text wrap="truncate" color="gray">
        {nets.join(' · ') || ' '}
      </Text>
      <Text wrap="truncate" color="gray">
        tasks {tasks.join(' · ') || (detail.loaded ? '(none recent)' : '…')}
      </Text>
      <Text wrap="truncate">
        <Text color="gray">tags </Text>
        {vm.tags.length
          ? vm.tags.map((t) => (
              <Text key={t} color={tagColour(t)}>
                {t}{' '}
              </Text>
            ))
          : '(none)'}
      </Text>
      <ScrollList
        header={`${fit('SNAPSHOT', nameWidth)}${fit('TAKEN', 21)}${fit('RAM', 5)}${fit('EXPIRES', 21)}DESCRIPTION`}
        items={items}
        pos={pos}
        height={height}
        keyOf={(s) => s.name}
        empty={detail.loaded ? 'no snapshots' : 'loading snapshots…'}
        info={`${readOnly ? '' : 's snapshot · D deletes / R rolls back to the cursor snapshot · '}◆ made by moxxie${filter ? ` · /${filter}` : ''} · Esc back`}
        render={(s) => {
          const expired = s.expiresAt !== undefined && s.expiresAt * 1000 < Date.now();
          if (s.now) {
            return (
              <>
                <Text color="gray">{s.branch}</Text>
                {/* Not padded to the name column: the text after it names a snapshot of up to 40 characters. */}
                <Text color="green" bold>
                  {fit(s.name, s.name.length + 2)}
                </Text>
                <Text color="gray">where the VM is now{s.parent ? ` (from ${s.parent})` : detail.snapshots.length ? ' (from no snapshot)' : ' (no snapshot yet)'}</Text>
              </>
            );
          }
          return (
            <>
              <Text color="gray">{s.branch}</Text>
              {fit(`${s.name}${s.moxxieMade ? ' ◆' : ''}`, Math.max(8, nameWidth - s.branch.length))}
              {fit(s.snaptime ? clock(s.snaptime * 1000) : '-', 21)}
              {fit(s.vmstate ? 'yes' : '', 5)}
              <Text color={expired ? 'red' : undefined}>{fit(s.expiresAt ? `${clock(s.expiresAt * 1000)}${expired ? '!' : ''}` : '', 21)}</Text>
              {s.description.replace(/\s+/g, ' ')}
            </>
          );
        }}
      />
    </Box>
  );
}
