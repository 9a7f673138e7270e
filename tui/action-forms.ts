// The request form of every TUI action that asks for values before its plan: which request fields it
// shows, with what label, starting value and choices. Types, ranges, hints and checks come from the
// capability's schema (tui/request-form.ts); the plan dialog's options (o) offer the remaining fields.
import { storageItemRows } from './storage-rows.js';
import { snapshotRows } from './rows.js';
import { vmSelectorsOf, type ActionForm } from './request-form.js';
import type { ActionId, TuiState } from './store.js';

export const DEFAULT_SNAPSHOT_NAME = 'tui-{vmid}-{datetime}';

/** The snapshot under the cursor in a VM's detail (not the NOW row), else ''. */
function cursorSnapshot(s: TuiState): string {
  const row = s.view === 'detail' ? snapshotRows(s)[s.pos.detail.cursor] : undefined;
  return row && !row.now ? row.name : '';
}

/** The first disk of the VM open in the detail view, else scsi0. */
function firstDisk(s: TuiState): string {
  const cfg = s.view === 'detail' ? s.detail?.config : undefined;
  const key = cfg ? Object.keys(cfg).find((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !/media=cdrom/.test(String(cfg[k]))) : undefined;
  return key ?? 'scsi0';
}

/** The storage under the cursor in :storage, else one that takes ISOs and images. */
function downloadStorage(s: TuiState): string {
  const row = s.view === 'storage' ? storageItemRows(s)[s.pos.storage.cursor] : undefined;
  if (row && ['iso', 'vztmpl', 'import'].includes(row.content)) return row.storage;
  return s.inventory?.storages.find((x) => x.content.includes('import') && x.shared)?.storage ?? s.inventory?.storages.find((x) => x.content.includes('iso'))?.storage ?? '';
}

/** Storage names (once each) whose content includes one of `content`. */
function storagesWith(s: TuiState, ...content: string[]): string[] {
  return [...new Set((s.inventory?.storages ?? []).filter((x) => content.some((c) => x.content.includes(c))).map((x) => x.storage))].sort();
}

const onlineNodes = (s: TuiState) => (s.inventory?.nodes ?? []).filter((n) => n.status === 'online').map((n) => n.node);

/** Several keys on one line: a new key starts where a key type follows a ';'. */
const splitKeys = (text: string) => text.split(/\s*;\s*(?=(?:ssh-|ecdsa-|sk-))/).join('\n');

const tagsForm = (add: boolean): ActionForm => ({
  kind: 'tags',
  onVms: true,
  heading: (e) => `${add ? 'add tags to' : 'remove tags from'} ${e.who}`,
  fields: [{ key: 'tags', label: add ? 'tags to add' : 'tags to remove', hint: 'comma- or space-separated PVE tags', list: true, complete: 'tags' }],
  request: (a, e) => ({ vmSelectors: vmSelectorsOf(e.ids), action: add ? 'ADD' : 'REMOVE', tags: a.tags }),
  title: (r, e) => `${add ? 'add' : 'remove'} tags ${(r.tags as string[]).join(', ')} ${add ? 'to' : 'from'} ${e.who}`,
});

export const ACTION_FORMS: Record<Exclude<ActionId, 'job-delete'>, ActionForm> = {
  snapshot: {
    kind: 'snapshot.create',
    onVms: true,
    heading: (e) => `snapshot ${e.who}`,
    fields: [
      { key: 'snapshotName', label: 'snapshot name', value: () => DEFAULT_SNAPSHOT_NAME, hint: 'placeholders {vm} {vmid} {date} {time} {datetime}; letters, digits, - and _; at most 40 characters' },
      { key: 'ttlHours', label: 'TTL hours', value: () => '24', hint: 'empty: keep until deleted; 1-8760' },
    ],
    title: (r, e) => `snapshot ${e.who} as ${String(r.snapshotName)}${r.ttlHours ? ` (TTL ${String(r.ttlHours)}h)` : ''}`,
  },
  'snapshot-delete': {
    kind: 'snapshot.delete',
    onVms: true,
    heading: (e) => `delete snapshots of ${e.who}`,
    // A name or a glob: which request field it is depends on what is typed.
    fields: [{ key: 'snapshot', label: 'snapshot to delete', value: (e) => cursorSnapshot(e.state), hint: 'a name or a glob such as tui-*; only snapshots moxxie made (o in the plan: moxxieOnly)', schema: false }],
    request: (a, e) => {
      const name = String(a.snapshot ?? '');
      return { vmSelectors: vmSelectorsOf(e.ids), ...(/[*?[]/.test(name) ? { namePattern: name } : { snapshotName: a.snapshot }) };
    },
    title: (r, e) => `delete snapshot ${String(r.snapshotName ?? r.namePattern)} on ${e.who}`,
  },
  rollback: {
    kind: 'snapshot.rollback',
    onVms: true,
    heading: (e) => `roll back ${e.who}`,
    fields: [
      { key: 'snapshotName', label: 'roll back to', value: (e) => cursorSnapshot(e.state), hint: 'a snapshot name' },
      { key: 'start', label: 'start the VM afterwards' },
    ],
    title: (r, e) => `roll back ${e.who} to ${String(r.snapshotName)}${r.start ? ' and start' : ''}`,
  },
  'tags-add': tagsForm(true),
  'tags-remove': tagsForm(false),
  backup: {
    kind: 'backup.create',
    onVms: true,
    heading: (e) => `back up ${e.who}`,
    fields: [
      {
        key: 'storage',
        label: 'storage',
        choices: (e) => {
          const all = storagesWith(e.state, 'backup');
          // local first: every node has it.
          return all.includes('local') ? ['local', ...all.filter((x) => x !== 'local')] : all.length ? all : ['local'];
        },
        hint: 'a storage with backup content',
      },
      { key: 'mode', label: 'mode', hint: 'snapshot (stays running), suspend, or stop (shut down, back up, start again)' },
      { key: 'compress', label: 'compress', value: () => 'zstd' },
      { key: 'notes', label: 'notes', value: () => '{{guestname}}' },
      { key: 'ttlDays', label: 'TTL days', hint: 'empty: keep until deleted; 1-3653' },
      { key: 'protectBackup', label: 'protect' },
    ],
    title: (r, e) => `back up ${e.who} to ${String(r.storage)}`,
  },
  restore: {
    kind: 'backup.restore',
    onVms: false,
    heading: (e) => `restore ${e.backup?.volid ?? ''}`,
    fields: [
      { key: 'vmid', label: 'target VM id', hint: 'empty: the next free id; an existing stopped VM is overwritten (confirmed)' },
      { key: 'node', label: 'node', choices: (e) => ['', ...onlineNodes(e.state)], hint: "(default): the backup's node" },
      { key: 'storage', label: 'storage', choices: (e) => ['', ...storagesWith(e.state, e.backup?.guestType === 'lxc' ? 'rootdir' : 'images')], hint: "(default): the archive's own storages" },
      { key: 'name', label: 'name', value: (e) => e.backup?.name ?? '', hint: 'name of the restored guest' },
      { key: 'start', label: 'start afterwards' },
    ],
    request: (a, e) => {
      const exists = a.vmid !== undefined && !!e.state.inventory?.vms.some((v) => v.vmid === a.vmid);
      return { volid: e.backup?.volid, ...a, ...(exists ? { force: true } : {}) };
    },
    title: (r) => `restore ${String(r.volid)}${r.force ? ` over VM ${String(r.vmid)}` : ''}`,
  },
  'vm-delete': {
    kind: 'vm.delete',
    onVms: true,
    heading: (e) => `delete ${e.who}`,
    fields: [
      { key: 'stopFirst', label: 'stop running VMs first', hint: 'yes: a hard stop, then the delete; no: running VMs are skipped' },
      { key: 'purge', label: 'purge from jobs', hint: 'also remove the id from backup jobs, replication and HA' },
      { key: 'destroyUnreferencedDisks', label: 'unreferenced disks', hint: 'yes: disks of this VM id no config names are destroyed too' },
    ],
    title: (_r, e) => `delete ${e.who}`,
  },
  resize: {
    kind: 'vm.resize',
    onVms: true,
    heading: (e) => `resize a disk of ${e.who}`,
    fields: [
      { key: 'disk', label: 'disk', value: (e) => firstDisk(e.state), hint: 'scsi0, virtio1, sata0 … (a container: rootfs, mp0)' },
      { key: 'size', label: 'size', value: () => '+10G', hint: '50G sets the size, +10G grows by; never smaller' },
    ],
    title: (r, e) => `resize ${String(r.disk)} of ${e.who} ${String(r.size).startsWith('+') ? 'by' : 'to'} ${String(r.size)}`,
  },
  'ssh-keys': {
    kind: 'vm.ssh-keys',
    onVms: true,
    heading: (e) => `set SSH keys of ${e.who}`,
    fields: [{ key: 'sshKeys', label: 'SSH public keys', hint: 'ssh-ed25519 AAAA… user@host; several: separate them with ;' }],
    request: (a, e) => ({ vmSelectors: vmSelectorsOf(e.ids), ...(a.sshKeys !== undefined ? { sshKeys: splitKeys(String(a.sshKeys)) } : {}) }),
    title: (_r, e) => `set SSH keys of ${e.who}`,
  },
  'vm-set': {
    kind: 'vm.set',
    onVms: true,
    heading: (e) => `set cores and memory of ${e.who}`,
    fields: [
      { key: 'cores', label: 'cores', hint: 'empty: leave as is' },
      { key: 'memoryMB', label: 'memory MiB', hint: 'empty: leave as is; at least 16' },
    ],
    title: (r, e) => `set ${[r.cores !== undefined ? `cores ${String(r.cores)}` : '', r.memoryMB !== undefined ? `memory ${String(r.memoryMB)} MiB` : ''].filter(Boolean).join(', ')} on ${e.who}`,
  },
  'vm-template': {
    kind: 'vm.template',
    onVms: true,
    heading: (e) => `convert ${e.who} to template`,
    fields: [],
    title: (_r, e) => `convert ${e.who} to template`,
  },
  download: {
    kind: 'storage.download',
    onVms: false,
    heading: () => 'download to a storage',
    fields: [
      { key: 'storage', label: 'storage', value: (e) => downloadStorage(e.state), hint: 'a file based storage with iso, vztmpl or import content' },
      { key: 'url', label: 'URL', hint: 'https://… (.iso, .tar.zst, .qcow2 .raw .vmdk .ova; an .img cloud image is saved as .qcow2)' },
      { key: 'filename', label: 'file name', hint: "empty: the URL's last part" },
      { key: 'check', label: 'checksum', hint: 'a hex checksum, or the URL of SHA512SUMS / SHA256SUMS; empty: not verified', schema: false },
    ],
    // One field for either: a URL is a checksum list, anything else the checksum itself.
    request: (a) => {
      const { check, ...rest } = a;
      const c = check === undefined ? {} : /^https?:\/\//.test(String(check)) ? { checksumUrl: check } : { checksum: check };
      return { ...rest, ...c };
    },
    title: (r) => `download ${String(r.filename ?? r.url)} to ${String(r.storage)}`,
  },
};
