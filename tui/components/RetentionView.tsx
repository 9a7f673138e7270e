// The retention preview (:retention): every backup marked keep / remove / protected with the rule that
// decided it, coloured by mark; PVE's own prune preview compared below. D prunes (plan first).
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { fit } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { retentionRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

/** A mark's colour: what would be removed red, kept green, protected cyan, renamed (never pruned) gray. */
export const MARK_COLOUR: Record<string, string> = { remove: 'red', keep: 'green', protected: 'cyan', renamed: 'gray' };

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)}G`;

export function RetentionView({ store }: { store: TuiStore }) {
  const retention = useTui(store, (s) => s.retention);
  const filter = useTui(store, (s) => s.filters.retention);
  const pos = useTui(store, (s) => s.pos.retention);
  const height = useTui(store, (s) => listRows('retention', screenLayout(s).bodyRows));
  const items = useMemo(() => retentionRows({ retention, filters: { retention: filter } }), [retention, filter]);
  const p = retention?.preview;
  const differences = p?.crossChecks.flatMap((c) => c.differences) ?? [];
  const checked = p?.crossChecks.filter((c) => c.checked).length ?? 0;
  const summary = p
    ? `${p.policy.text}: ${p.summary.remove} of ${p.summary.total} to remove (${gib(p.summary.removeBytes)}), ${p.summary.keep} kept, ${p.summary.protected} protected`
    : retention?.error ?? (retention ? `loading ${retention.query.retentionPolicy}…` : 'no policy: :retention count:3 tag:env-dev');
  const pve = !p ? '' : differences.length ? ` · PVE differs on ${differences.length}` : checked ? ' · PVE agrees' : ` · ${p.crossChecks[0]?.note ?? 'not compared with PVE'}`;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <ScrollList
        header={`${fit('MARK', 10)}${fit('VMID', 7)}${fit('NAME', 16)}${fit('STORAGE', 10)}${fit('TIME (UTC)', 17)}${fit('SIZE', 7)}RULE`}
        items={items}
        pos={pos}
        height={height}
        keyOf={(b) => b.volid}
        empty={retention?.error ?? (p ? 'no backup matches' : 'loading…')}
        info={`${summary}${pve}${filter ? ` · /${filter}` : ''} · D prunes · Esc back`}
        render={(b) => (
          <Text color={MARK_COLOUR[b.mark]}>
            {fit(b.mark, 10)}
            {fit(String(b.vmid), 7)}
            {fit(b.name ?? '', 16)}
            {fit(b.storage, 10)}
            {fit(new Date(b.ctime * 1000).toISOString().slice(0, 16).replace('T', ' '), 17)}
            {fit(gib(b.size), 7)}
            {b.reason}
          </Text>
        )}
      />
      {differences.slice(0, 3).map((d) => (
        <Text key={d.volid} color="yellow" wrap="truncate">
          PVE differs: {d.volid} moxxie {d.moxxie}, PVE {d.pve}
        </Text>
      ))}
    </Box>
  );
}
