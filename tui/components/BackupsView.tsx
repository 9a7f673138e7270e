// :backups — backups cluster-wide (or one VM's) from storage content: size, age, protected and TTL (expired
// in red), newest first per VM. p protects or unprotects, D deletes, R restores the cursor backup.
import { Text } from 'ink';
import { useMemo } from 'react';
import { ageText } from '../../src/text/age.js';
import { bytes } from '../../src/text/bytes.js';
import { cell, fit } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { backupRows } from '../rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function BackupsView({ store }: { store: TuiStore }) {
  const backups = useTui(store, (s) => s.backups);
  const filter = useTui(store, (s) => s.filters.backups);
  const pos = useTui(store, (s) => s.pos.backups);
  const height = useTui(store, (s) => listRows('backups', screenLayout(s).bodyRows));
  // The volid takes what the fixed columns (48) and TTL leave of the terminal's width.
  const volidWidth = useTui(store, (s) => Math.max(20, s.size.columns - 56));
  const items = useMemo(() => backupRows({ backups, filters: { backups: filter } }), [backups, filter]);
  const now = Date.now();
  const scope = backups.vmid === undefined ? 'cluster-wide' : `of VM ${backups.vmid}`;
  const warn = backups.warnings.length ? ` · ${backups.warnings.join('; ')}` : '';
  return (
    <ScrollList
      header={`${fit('VMID', 7)}${fit('NAME', 16)}${fit('VOLID', volidWidth)}${fit('NODE', 6)}${fit('SIZE', 6)}${fit('AGE', 8)}${fit('PROT', 5)}TTL`}
      items={items}
      pos={pos}
      height={height}
      keyOf={(b) => b.volid}
      empty={backups.loaded ? 'no backups' : 'reading backups…'}
      info={`backups ${scope}, newest first per VM${filter ? ` · /${filter}` : ''}${warn}`}
      render={(b) => {
        const expired = b.expiresAt !== undefined && b.expiresAt <= now;
        return (
          <>
            {fit(String(b.vmid), 7)}
            {/* cell: a cut name or volid still leaves a space before the next column. */}
            {cell(b.name ?? '-', 16)}
            {cell(b.volid, volidWidth)}
            {cell(b.node, 6)}
            {fit(bytes(b.size), 6)}
            {fit(ageText(now / 1000 - b.ctime), 8)}
            <Text color={b.protected ? 'green' : undefined}>{fit(b.protected ? 'yes' : '', 5)}</Text>
            <Text color={expired ? 'red' : undefined}>{b.ttlDays !== undefined ? `${b.ttlDays}d${expired ? ' expired' : ''}` : ''}</Text>
          </>
        );
      }}
    />
  );
}
