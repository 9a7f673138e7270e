// :storage — what the storages hold: template base disks, disk images, ISOs, container templates and import
// volumes (the sources for new VMs), one row per volume; w downloads a file from a URL to a storage.
import { Text } from 'ink';
import { useMemo } from 'react';
import { bytes, fit, fitRight } from '../format.js';
import { listRows, screenLayout } from '../layout.js';
import { contentLabel, storageItemRows } from '../storage-rows.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

const COLOUR: Record<string, string> = { iso: 'cyan', import: 'green', vztmpl: 'magenta' };

export function StorageView({ store }: { store: TuiStore }) {
  const storageItems = useTui(store, (s) => s.storageItems);
  const filter = useTui(store, (s) => s.filters.storage);
  const pos = useTui(store, (s) => s.pos.storage);
  const readOnly = useTui(store, (s) => s.context.readOnly);
  const height = useTui(store, (s) => listRows('storage', screenLayout(s).bodyRows));
  const items = useMemo(() => storageItemRows({ storageItems, filters: { storage: filter } }), [storageItems, filter]);
  return (
    <ScrollList
      header={`${fit('VOLUME', 56)}${fit('NODE', 10)}${fit('WHAT', 16)}${fit('FORMAT', 8)}${fitRight('SIZE', 8)}`}
      items={items}
      pos={pos}
      height={height}
      keyOf={(i) => `${i.node}/${i.volid}`}
      empty="no images, ISOs or templates on any storage"
      info={`images, ISOs, container templates and import volumes per storage${readOnly ? '' : ' · w downloads from a URL'}${filter ? ` · /${filter}` : ''}`}
      render={(i) => (
        <>
          {fit(i.volid, 56)}
          {fit(i.shared ? 'shared' : i.node, 10)}
          <Text color={i.template ? 'yellow' : COLOUR[i.content]}>{fit(contentLabel(i), 16)}</Text>
          {fit(i.format, 8)}
          {fitRight(bytes(i.size), 8)}
        </>
      )}
    />
  );
}
