// The simulator's storageContent option: what a generated storage may hold, as `pvesm set --content` would set
// it (e.g. the shared ceph-vm also holding container root disks, so a CT can be cloned onto another node). Each
// type takes only the content its PVE storage plugin supports (plugindata's content list).
import type { SimStorageRecord } from './model.js';

/** The content types each storage type of the generated cluster supports (pve-storage's *Plugin.pm plugindata). */
const PLUGIN_CONTENT: Record<string, readonly string[]> = {
  dir: ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'],
  nfs: ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'],
  zfspool: ['images', 'rootdir'],
  rbd: ['images', 'rootdir'],
};

/** Sets the content of the named storages; throws naming the storage and what would be valid. */
export function applyStorageContent(storages: SimStorageRecord[], content: Record<string, readonly string[]> | undefined): void {
  if (!content) return;
  for (const [name, wanted] of Object.entries(content)) {
    const s = storages.find((x) => x.storage === name);
    if (!s) throw new Error(`storageContent: no storage '${name}' in the simulated cluster (it has ${storages.map((x) => x.storage).join(', ')})`);
    const valid = PLUGIN_CONTENT[s.type] ?? [];
    const bad = wanted.filter((c) => !valid.includes(c));
    if (bad.length || !wanted.length) throw new Error(`storageContent: storage '${name}' (${s.type}) cannot hold ${bad.length ? bad.join(', ') : 'nothing'}; use some of ${valid.join(', ')}`);
    s.content = [...new Set(wanted)];
  }
}
