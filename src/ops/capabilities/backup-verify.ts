// Restore drills: for each selected VM, its newest backup is restored to a scratch id (fresh MACs, links down
// so the copy never talks on its original's network), started, awaited until running (and until its guest
// agent answers when the VM has one configured), then destroyed. Per VM the drill records the backup's age
// (the recovery point), the restore and boot times and the outcome; a failure names the step and the scratch
// VM is removed anyway.
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { postQemuAgentPing } from '../../pve/endpoints/guest-restore.js';
import { deleteGuest, getGuestConfig, getGuestStatusCurrent, guestNoun, postGuestStatus, putGuestConfig, type GuestRef, type PveGuestType } from '../../pve/endpoints/guest.js';
import { listBackupsReport, type BackupEntry } from '../backup-list.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { restoreArchive } from '../guest-restore.js';
import { containerRestoreStorage } from '../container-restore-storage.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { intField, textField } from '../request-schema.js';
import { StepCancelled, StepFailure } from '../runner.js';
import { offlineReason } from '../safety.js';
import { ageText } from '../../text/age.js';
import { bulkFields } from './bulk-fields.js';

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    node: textField('must be a node name, e.g. pve2').optional().describe("default: each backup's node (shared storage: the VM's)"),
    storage: textField("must be a storage id, e.g. 'local-zfs'").optional().describe("default: the archive's"),
    bootTimeoutSeconds: intField(10, 3600).optional().describe('10-3600, default 300'),
  }));
export type BackupVerifyRequest = z.infer<ReturnType<typeof schema>>;

interface Spec {
  volid: string;
  ctime: number;
  node: string;
  storage?: string;
  sourceName: string;
  bootTimeoutMs: number;
  /** The archive's type: a container archive restores as a container (pct restore). Absent in older journals: qemu. */
  guestType?: PveGuestType;
}

/** Per-VM outcome the drill records (in its phases' data and its message). */
export interface DrillRecord {
  backupAgeSeconds: number;
  restoreMs?: number;
  bootMs?: number;
  agent?: boolean;
  failedStep?: string;
}

const POLL_MS = 500;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

async function pause(t: PhaseTools, ms: number): Promise<void> {
  if (t.cancelled()) throw new StepCancelled('cancelled while waiting for the scratch VM');
  await new Promise((r) => setTimeout(r, ms));
}

/** Stops (if needed) and destroys the scratch guest; best effort when `quiet` (after a failure). */
async function destroyScratch(t: PhaseTools, g: GuestRef): Promise<void> {
  const status = await getGuestStatusCurrent(t.client, g).catch(() => undefined);
  if (!status) return;
  if (status.status !== 'stopped') await t.awaitTask(await postGuestStatus(t.client, g, 'stop', {}));
  await t.awaitTask(await deleteGuest(t.client, g, { purge: true, 'destroy-unreferenced-disks': true }));
}

export const backupVerify: Capability<BackupVerifyRequest> = {
  kind: 'backup.verify',
  title: 'Restore drill',
  description:
    "Prove backups restore: each selected guest's newest backup is restored to a scratch guest (links down), started, then destroyed; records restore and boot time or the failed step.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: () => 'restore drill',
  // It creates and destroys only its own scratch VMs.
  destructive: () => false,
  taskTimeoutMs: () => 12 * 3600_000,
  names: { tool: 'restore_drill', verb: ['backups', 'drill'] },
  hints: { destructive: false, idempotent: false },

  async plan(input, req) {
    const offline = offlineNodesOf(input.inventory);
    const report = await listBackupsReport(input.client, input.inventory, { vmids: input.vms.map((v) => v.vmid) });
    const newest = new Map<number, BackupEntry>();
    // A guest's own kind of archive only (an id reused by a VM after a container keeps the old archives).
    const typeOf = new Map(input.vms.map((v) => [v.vmid, v.type]));
    for (const b of report.backups) if (b.guestType === typeOf.get(b.vmid) && (newest.get(b.vmid)?.ctime ?? -1) < b.ctime) newest.set(b.vmid, b);
    const plan = new PlanBuilder();
    const now = Date.now() / 1000;
    const timeout = (req.bootTimeoutSeconds ?? 300) * 1000;
    for (const vm of input.vms as Vm[]) {
      const b = newest.get(vm.vmid);
      if (!b) {
        plan.skip(vm, 'restore drill', report.warnings.length ? `no backup found (${report.warnings.join('; ')})` : 'no backup to drill');
        continue;
      }
      const node = req.node ?? (b.shared && !offline.has(vm.node) ? vm.node : b.node);
      const action = `drill ${b.volid} (${ageText(now - b.ctime)} old) on ${node}`;
      const blocked = offline.has(node) ? `node ${node} is offline` : !b.shared && node !== b.node ? `${b.volid} is local to ${b.node}; drill it there` : offlineReason({ ...vm, node }, offline);
      // pct restore without a storage would use 'local': a container's drill names one.
      const picked = !blocked && vm.type === 'lxc' && !req.storage ? await containerRestoreStorage(input.client, input.inventory, node, vm) : undefined;
      if (blocked) plan.block(vm, action, blocked);
      else if (picked && 'error' in picked) plan.block(vm, action, picked.error);
      else {
        const spec: Spec = { volid: b.volid, ctime: b.ctime, node, storage: req.storage ?? (picked && 'storage' in picked ? picked.storage : undefined), sourceName: vm.name, bootTimeoutMs: timeout, guestType: vm.type };
        plan.add(vm, action, { ...spec });
      }
    }
    return plan.build();
  },

  // The source VM is only read (its backup); the scratch VM's node does the work.
  resources: (t) => ({ guests: [], nodes: [(t.spec as unknown as Spec | undefined)?.node ?? t.node] }),

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const node = spec.node;
    const type: PveGuestType = spec.guestType ?? 'qemu';
    const ct = type === 'lxc';
    const noun = guestNoun(type);
    const scratchRef = (vmid: number): GuestRef => ({ type, node, vmid });
    const record = (t: PhaseTools): DrillRecord => {
      const first = target.phases[0]?.data as (DrillRecord & { scratch?: number }) | undefined;
      return first ?? (t.data as unknown as DrillRecord);
    };
    const scratchOf = () => (target.phases[0]?.data?.scratch as number | undefined) ?? undefined;
    /** Runs a step; on failure the scratch VM is destroyed and the step is named. */
    const step = async (t: PhaseTools, name: string, body: () => Promise<string>): Promise<string> => {
      try {
        return await body();
      } catch (err) {
        const rec = record(t);
        rec.failedStep = name;
        const scratch = scratchOf();
        let cleanup = '';
        if (scratch !== undefined) {
          cleanup = await destroyScratch(t, scratchRef(scratch)).then(
            () => `; scratch ${noun} ${scratch} destroyed`,
            (e: unknown) => `; scratch ${noun} ${scratch} could NOT be destroyed: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
        const why = err instanceof Error ? err.message : String(err);
        if (err instanceof StepCancelled) throw new StepCancelled(`${why}${cleanup}`);
        throw new StepFailure(`drill failed at ${name}: ${why}${cleanup}`);
      }
    };
    return [
      {
        name: 'restore',
        taskType: ct ? 'vzrestore' : 'qmrestore',
        run: (t) =>
          step(t, 'restore', async () => {
            t.data.backupAgeSeconds = Math.max(0, Math.round(Date.now() / 1000 - spec.ctime));
            const began = Date.now();
            const vmid = await restoreArchive(
              t,
              { volid: spec.volid, guestType: type, node, storage: spec.storage, name: `drill-${spec.sourceName}`.slice(0, 63), unique: true, description: `moxxie restore drill of ${noun} ${target.vmid} from ${spec.volid}` },
              (id) => {
                t.data.scratch = id;
              },
            );
            // The copy must not talk on its original's network: every NIC's link goes down before it starts.
            // (a container's netN has link_down too)
            const config = await getGuestConfig(t.client, scratchRef(vmid));
            const nics: Record<string, string> = {};
            for (const [k, v] of Object.entries(config)) if (/^net\d+$/.test(k) && typeof v === 'string' && !/(?:^|,)link_down=1/.test(v)) nics[k] = `${v},link_down=1`;
            if (Object.keys(nics).length) await putGuestConfig(t.client, scratchRef(vmid), nics);
            t.data.restoreMs = Date.now() - began;
            // A container has no guest agent: running is the proof.
            t.data.agent = !ct && /^(enabled=)?1/.test(String(config.agent ?? ''));
            return `restored to scratch ${noun} ${vmid} in ${secs(t.data.restoreMs as number)}`;
          }),
      },
      {
        name: 'start',
        taskType: ct ? 'vzstart' : 'qmstart',
        run: (t) =>
          step(t, 'start', async () => {
            const vmid = scratchOf()!;
            record(t).bootMs = undefined;
            (target.phases[0].data as Record<string, unknown>).bootBegan = Date.now();
            await t.awaitTask(await postGuestStatus(t.client, scratchRef(vmid), 'start', {}));
            return `started scratch ${noun} ${vmid}`;
          }),
      },
      {
        name: 'wait-running',
        changesNothing: true,
        run: (t) =>
          step(t, 'wait-running', async () => {
            const vmid = scratchOf()!;
            const rec = record(t);
            const began = ((target.phases[0].data as Record<string, unknown>).bootBegan as number | undefined) ?? Date.now();
            const deadline = began + spec.bootTimeoutMs;
            for (;;) {
              const s = await getGuestStatusCurrent(t.client, scratchRef(vmid));
              if (s.status === 'running' && (s.qmpstatus ?? 'running') === 'running') break;
              if (Date.now() > deadline) throw new StepFailure(`scratch ${noun} ${vmid} is ${s.qmpstatus ?? s.status} after ${secs(spec.bootTimeoutMs)}`);
              await pause(t, POLL_MS);
            }
            if (rec.agent) {
              for (;;) {
                const answered = await postQemuAgentPing(t.client, node, vmid).then(
                  () => true,
                  () => false,
                );
                if (answered) break;
                if (Date.now() > deadline) throw new StepFailure(`the guest agent of scratch VM ${vmid} did not answer within ${secs(spec.bootTimeoutMs)}`);
                await pause(t, POLL_MS);
              }
            }
            rec.bootMs = Date.now() - began;
            return `running${rec.agent ? ', agent answering' : ''} after ${secs(rec.bootMs)}`;
          }),
      },
      {
        name: 'destroy',
        taskType: ct ? 'vzdestroy' : 'qmdestroy',
        run: (t) =>
          step(t, 'destroy', async () => {
            const vmid = scratchOf()!;
            await destroyScratch(t, scratchRef(vmid));
            const rec = record(t);
            return `drill OK: backup ${ageText(rec.backupAgeSeconds)} old, restored in ${secs(rec.restoreMs ?? 0)}, running after ${secs(rec.bootMs ?? 0)}${rec.agent ? ' (agent answered)' : ''}; scratch ${noun} ${vmid} destroyed`;
          }),
      },
    ];
  },
};
