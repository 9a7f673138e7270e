// The prompts and requests of the VM administration actions (delete, resize, SSH keys, cores/memory,
// template) and of a download to a storage: what each asks for, and the request its answers make. The
// ActionFlow shows the plan from the core's dry run and runs it once confirmed, as for every action.
import type { MoxxieCore } from '../src/core.js';
import type { BulkOptions, Operation, OperationKind } from '../src/ops/types.js';
import { storageItemRows } from './storage-rows.js';
import type { ActionId, PromptField, TuiState } from './store.js';

export const ADMIN_ACTIONS = ['vm-delete', 'resize', 'ssh-keys', 'vm-set', 'vm-template', 'download'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];
export const isAdminAction = (a: ActionId): a is AdminAction => (ADMIN_ACTIONS as readonly string[]).includes(a);

export interface AdminPlanned {
  title: string;
  kind: OperationKind;
  request: BulkOptions;
  run: (dryRun: boolean) => Promise<Operation>;
}

const yes = (text: string) => /^y(es)?$/i.test(text);
const YES_NO = /^(y|yes|n|no|)$/i;

/** The first disk of the VM open in the detail view, else scsi0. */
function firstDisk(s: TuiState): string {
  const cfg = s.view === 'detail' ? s.detail?.config : undefined;
  const key = cfg ? Object.keys(cfg).find((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !/media=cdrom/.test(String(cfg[k]))) : undefined;
  return key ?? 'scsi0';
}

/** The storage under the cursor in :storage, else one that takes ISOs and images. */
function defaultStorage(s: TuiState): string {
  const row = s.view === 'storage' ? storageItemRows(s)[s.pos.storage.cursor] : undefined;
  if (row && ['iso', 'vztmpl', 'import'].includes(row.content)) return row.storage;
  return s.inventory?.storages.find((x) => x.content.includes('import') && x.shared)?.storage ?? s.inventory?.storages.find((x) => x.content.includes('iso'))?.storage ?? '';
}

export function adminPrompt(action: AdminAction, s: TuiState): { title: string; fields: PromptField[] } {
  switch (action) {
    case 'vm-delete':
      return {
        title: 'delete',
        fields: [
          { label: 'stop running VMs first', value: 'no', hint: 'yes: a hard stop, then the delete; no: running VMs are skipped' },
          { label: 'purge from backup jobs, replication and HA', value: 'no', hint: 'yes or no' },
          { label: 'also destroy unreferenced disks', value: 'no', hint: 'yes: disks of this VM id no config names go too' },
        ],
      };
    case 'resize':
      return { title: 'resize a disk of', fields: [{ label: 'disk', value: firstDisk(s), hint: 'scsi0, virtio1, sata0 …' }, { label: 'size', value: '+10G', hint: '50G sets the size, +10G grows by; never smaller' }] };
    case 'ssh-keys':
      return { title: 'set SSH keys of', fields: [{ label: 'SSH public keys', value: '', hint: 'ssh-ed25519 AAAA… user@host; several: separate them with ;' }] };
    case 'vm-set':
      return { title: 'set cores and memory of', fields: [{ label: 'cores', value: '', hint: 'empty: leave as is' }, { label: 'memory MiB', value: '', hint: 'empty: leave as is; at least 16' }] };
    case 'vm-template':
      return { title: 'convert to template', fields: [] };
    case 'download':
      return {
        title: 'download to a storage',
        fields: [
          { label: 'storage', value: defaultStorage(s), hint: 'a file based storage with iso, vztmpl or import content' },
          { label: 'URL', value: '', hint: 'https://… (.iso, .tar.zst, .qcow2 .raw .vmdk .ova; an .img cloud image is saved as .qcow2)' },
          { label: 'file name', value: '', hint: "empty: the URL's last part" },
          { label: 'checksum or checksum list URL', value: '', hint: 'a hex checksum, or the URL of SHA512SUMS / SHA256SUMS; empty: not verified' },
        ],
      };
  }
}

/** Several keys on one line: a new key starts where a key type follows a ';'. */
const splitKeys = (text: string) => text.split(/\s*;\s*(?=(?:ssh-|ecdsa-|sk-))/).join('\n');

export function buildAdmin(action: AdminAction, values: string[], env: { core: MoxxieCore; ids: number[]; who: string }): AdminPlanned | { error: string } {
  const { core, ids, who } = env;
  const vmSelectors = [{ type: 'VM_IDS' as const, value: ids.join(',') }];
  const opts = { frontEnd: 'tui' as const };
  const planned = (title: string, kind: OperationKind, request: BulkOptions & Record<string, unknown>): AdminPlanned => ({ title, kind, request, run: (dryRun) => core.run(kind, { ...request, dryRun }, opts) });
  switch (action) {
    case 'vm-delete': {
      const bad = values.findIndex((v) => !YES_NO.test(v));
      if (bad >= 0) return { error: `answer yes or no, not '${values[bad]}'` };
      const [stop, purge, unreferenced] = values.map(yes);
      return planned(`delete ${who}`, 'vm.delete', { vmSelectors, ...(stop ? { stopFirst: true } : {}), ...(purge ? { purge: true } : {}), ...(unreferenced ? { destroyUnreferencedDisks: true } : {}) });
    }
    case 'resize': {
      const [disk, size] = values;
      if (!disk || !size) return { error: 'disk and size: both required, e.g. scsi0 and +10G' };
      return planned(`resize ${disk} of ${who} ${size.startsWith('+') ? 'by' : 'to'} ${size}`, 'vm.resize', { vmSelectors, disk, size });
    }
    case 'ssh-keys': {
      if (!values[0]) return { error: 'SSH public keys: paste at least one, e.g. ssh-ed25519 AAAA… user@host' };
      return planned(`set SSH keys of ${who}`, 'vm.ssh-keys', { vmSelectors, sshKeys: splitKeys(values[0]) });
    }
    case 'vm-set': {
      const [coresText, memText] = values;
      const cores = coresText ? Number(coresText) : undefined;
      const memoryMB = memText ? Number(memText) : undefined;
      if (cores === undefined && memoryMB === undefined) return { error: 'give cores, memory or both' };
      if (cores !== undefined && !Number.isInteger(cores)) return { error: `cores: '${coresText}' is not a whole number` };
      if (memoryMB !== undefined && !Number.isInteger(memoryMB)) return { error: `memory MiB: '${memText}' is not a whole number` };
      return planned(`set ${[cores !== undefined ? `cores ${cores}` : '', memoryMB !== undefined ? `memory ${memoryMB} MiB` : ''].filter(Boolean).join(', ')} on ${who}`, 'vm.set', {
        vmSelectors,
        ...(cores !== undefined ? { cores } : {}),
        ...(memoryMB !== undefined ? { memoryMB } : {}),
      });
    }
    case 'vm-template':
      return planned(`convert ${who} to template`, 'vm.template', { vmSelectors });
    case 'download': {
      const [storage, url, filename, check] = values;
      if (!storage || !url) return { error: 'storage and URL: both required' };
      const checksum = check ? (/^https?:\/\//.test(check) ? { checksumUrl: check } : { checksum: check }) : {};
      const request = { storage, url, ...(filename ? { filename } : {}), ...checksum };
      return { title: `download ${filename || url} to ${storage}`, kind: 'storage.download', request: request as BulkOptions, run: (dryRun) => core.run('storage.download', { ...request, dryRun }, opts) };
    }
  }
}
