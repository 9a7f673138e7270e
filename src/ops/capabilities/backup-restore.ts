// Restore a backup: to a new VM id by default (fresh MACs, an id from the race-safe allocator), to a chosen
// node and storage, with a name, optionally started. Overwriting an existing guest needs `force` (and so a
// confirmation) and is never attempted onto a running one. A container archive restores as a container.
// Success means the task ended OK and the guest is there, unlocked, of the archive's type (running if asked).
import { z } from 'zod';
import { deleteQemu, getQemuStatusCurrent } from '../../pve/endpoints/qemu.js';
import { getLxcStatusCurrent } from '../../pve/endpoints/guest-restore.js';
import { containerRestoreStorage } from '../container-restore-storage.js';
import type { PveClient } from '../../pve/client.js';
import { findBackups, volidField } from '../backup-targets.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { RequestError } from '../errors.js';
import { restoreArchive, type RestoreSpec } from '../guest-restore.js';
import { boolField, intField, textField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { forceField } from './bulk-fields.js';

const schema = lazySchema(() =>
  z.strictObject({
    volid: volidField().describe("the backup (from list_backups)"),
    vmid: intField(100, 999_999_999, 'a VM id').optional().describe('default: next free; an existing one needs force'),
    node: textField('must be a node name, e.g. pve2').optional().describe("default: the backup's node (shared storage: the guest's)"),
    storage: textField("must be a storage id, e.g. 'local-zfs'").optional().describe("default: the archive's"),
    name: textField('must be a name').optional().describe('name (hostname for a container) of the restored guest'),
    start: boolField().optional().describe('start it once restored'),
    force: forceField.describe('overwrite the existing stopped guest with this id'),
    dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
  }));
export type BackupRestoreRequest = z.infer<ReturnType<typeof schema>>;

interface Spec extends RestoreSpec {
  /** The plan's wording for the target. */
  what: string;
}

export async function guestState(client: PveClient, type: 'qemu' | 'lxc', node: string, vmid: number): Promise<{ status: string; lock?: string; name?: string }> {
  return type === 'lxc' ? getLxcStatusCurrent(client, node, vmid) : getQemuStatusCurrent(client, node, vmid);
}

export const backupRestore: Capability<BackupRestoreRequest> = {
  kind: 'backup.restore',
  title: 'Restore a backup',
  description:
    'Restore a backup as a new guest (fresh MACs), or over an existing stopped guest with force. Success means the guest is there, unlocked (and running if start was asked).',
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `restore ${r.volid}${r.force ? ` over ${r.vmid ?? '?'}` : ''}`,
  destructive: (r) => r.force === true,
  taskTimeoutMs: () => 12 * 3600_000,
  names: { tool: 'restore_backup', verb: ['backups', 'restore'], cli: { aliases: { id: 'vmid' } } },
  hints: { destructive: true, idempotent: false },

  async plan(input, req) {
    const { found, warnings } = await findBackups(input.client, input.inventory, [req.volid]);
    const b = found.get(req.volid);
    if (!b) throw new RequestError('volid', `no backup '${req.volid}' in the cluster's backup storages${warnings.length ? ` (${warnings.join('; ')})` : ''}; see 'moxxie backups list'`);
    const online = new Set(input.inventory.nodes.filter((n) => n.status === 'online').map((n) => n.node));
    const original = input.inventory.vms.find((v) => v.vmid === b.vmid);
    const node = req.node ?? (b.shared && original && online.has(original.node) ? original.node : b.node);
    if (!input.inventory.nodes.some((n) => n.node === node)) throw new RequestError('node', `no node '${node}' in this cluster (nodes: ${input.inventory.nodes.map((n) => n.node).join(', ')})`);
    if (!b.shared && node !== b.node) throw new RequestError('node', `${req.volid} is on ${b.node}'s local storage '${b.storage}': restore it on ${b.node}, or copy it to shared storage first`);
    if (req.storage) {
      const s = input.inventory.storages.find((x) => x.storage === req.storage && x.node === node);
      const needs = b.guestType === 'lxc' ? 'rootdir' : 'images';
      if (!s) throw new RequestError('storage', `no storage '${req.storage}' on node ${node}`);
      if (!s.content.includes(needs)) throw new RequestError('storage', `storage '${req.storage}' does not hold ${b.guestType === 'lxc' ? 'container volumes (rootdir)' : 'VM disks (images)'}; its content: ${s.content.join(', ')}`);
    }
    const existing = req.vmid !== undefined ? input.inventory.vms.find((v) => v.vmid === req.vmid) : undefined;
    if (req.force && req.vmid === undefined) throw new RequestError('vmid', 'force overwrites an existing guest: name it with vmid');
    if (existing && !req.force) throw new RequestError('vmid', `VM ${existing.vmid} (${existing.name}) exists; restore to a new id (leave vmid out), or overwrite it with force (confirmed)`);
    if (req.force && !existing) throw new RequestError('vmid', `VM ${req.vmid} does not exist: nothing to overwrite (leave force out to restore to it as a new id)`);
    const kind = b.guestType === 'lxc' ? 'container' : 'VM';
    const base = { id: `restore-${b.volid}`, guestType: b.guestType, node, state: 'planned' as const, phases: [] };
    if (existing) {
      const why =
        existing.node !== node
          ? `VM ${existing.vmid} is on ${existing.node}, not ${node}: PVE overwrites a guest only on its own node`
          : existing.type !== b.guestType
            ? `VM ${existing.vmid} is a ${existing.type === 'lxc' ? 'container' : 'VM'} and the archive holds a ${kind}`
            : existing.status !== 'stopped'
              ? `VM ${existing.vmid} is ${existing.status}: PVE never restores onto a running guest; stop it first`
              : undefined;
      const what = `overwrite ${kind} ${existing.vmid} (${existing.name}) on ${node} from ${b.volid}`;
      if (why) return { targets: [{ ...base, kind: 'guest', vmid: existing.vmid, name: existing.name, action: what, state: 'skipped', message: why }], blocked: new Set([base.id]) };
      const spec: Spec = { what, volid: b.volid, guestType: b.guestType, node, storage: req.storage, name: req.name, start: req.start, overwrite: existing.vmid, unique: false };
      return { targets: [{ ...base, kind: 'guest', vmid: existing.vmid, name: existing.name, action: what, spec: { ...spec } }], blocked: new Set() };
    }
    const name = req.name ?? b.name ?? `restore-${b.vmid}`;
    let storage = req.storage;
    let storageNote = storage ? ` (disks on ${storage})` : '';
    if (!storage && b.guestType === 'lxc') {
      const picked = await containerRestoreStorage(input.client, input.inventory, node, original);
      if ('error' in picked) throw new RequestError('storage', picked.error);
      storage = picked.storage;
      storageNote = ` (volumes on ${storage}: ${picked.why})`;
    }
    const what = `restore ${kind} from ${b.volid} to ${req.vmid ?? 'the next free id'} on ${node}${storageNote} as ${name}${req.start ? ', then start' : ''}`;
    const spec: Spec = { what, volid: b.volid, guestType: b.guestType, node, storage, name: req.name, start: req.start, vmid: req.vmid, unique: true };
    return { targets: [{ ...base, kind: 'new-guest', vmid: req.vmid ?? 0, name, action: what, spec: { ...spec } }], blocked: new Set() };
  },

  resources: (t) => ({ guests: t.vmid ? [t.vmid] : [], nodes: [t.node] }),

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const restoredId = (t: PhaseTools) => t.data.vmid as number | undefined;
    return [
      {
        name: 'restore',
        taskType: spec.guestType === 'lxc' ? 'vzrestore' : 'qmrestore',
        run: async (t) => {
          const vmid = await restoreArchive(t, spec, (id) => {
            t.data.vmid = id;
          });
          target.vmid = vmid;
          return `restored ${spec.volid} as ${spec.guestType === 'lxc' ? 'CT' : 'VM'} ${vmid} on ${spec.node}`;
        },
        // An overwrite cannot be taken back; a new guest can be removed again.
        undo:
          spec.overwrite === undefined && spec.guestType === 'qemu'
            ? async (t) => {
                const vmid = restoredId(t);
                if (!vmid) return 'nothing was restored';
                await t.awaitTask(await deleteQemu(t.client, spec.node, vmid, { purge: true }));
                return `destroyed VM ${vmid}`;
              }
            : undefined,
      },
      {
        name: 'verify',
        changesNothing: true,
        run: async (t) => {
          const vmid = (target.phases.find((p) => p.name === 'restore')?.data?.vmid as number | undefined) ?? target.vmid;
          const state = await guestState(t.client, spec.guestType, spec.node, vmid);
          if (state.lock) throw new StepFailure(`${vmid} is still locked (${state.lock}) after its restore ended`);
          if (spec.start && state.status !== 'running') throw new StepFailure(`${vmid} was to be started but is ${state.status}`);
          return `${spec.guestType === 'lxc' ? 'CT' : 'VM'} ${vmid} on ${spec.node} is ${state.status}`;
        },
      },
    ];
  },
};
