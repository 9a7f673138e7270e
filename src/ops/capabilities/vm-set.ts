// Set cores and/or memory on the selected VMs. The write carries the config digest (a concurrent edit is
// never overwritten) and keeps the values it replaced, so a rollback puts them back. On a running VM PVE
// keeps the change pending until the next start; the plan says so.
import { z } from 'zod';
import { PveError } from '../../pve/errors.js';
import { getQemuConfig, putQemuConfig, type QemuConfig } from '../../pve/endpoints/qemu.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { RequestError } from '../errors.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { intField } from '../request-schema.js';
import { offlineReason, unsupportedReason } from '../safety.js';
import { bulkFields } from './bulk-fields.js';

/** Bounds a request can ask for; PVE's own maximum is the host's. */
export const MAX_CORES = 512;
export const MAX_MEMORY_MB = 16 * 1024 * 1024;
const DIGEST_RETRIES = 5;
const DIGEST_MISMATCH = /checksum mismatch|file change by other user/i;

const schema = lazySchema(() =>
  z
    .strictObject({
      ...bulkFields,
      cores: intField(1, MAX_CORES).optional().describe(`cores per socket (1-${MAX_CORES})`),
      memoryMB: intField(16, MAX_MEMORY_MB).optional().describe('memory in MiB (at least 16, PVE\'s minimum)'),
    })
    .superRefine((r, ctx) => {
      if (r.cores === undefined && r.memoryMB === undefined) ctx.addIssue({ code: 'custom', path: ['cores'], message: 'give cores, memoryMB or both' });
    }));
export type VmSetRequest = z.infer<ReturnType<typeof schema>>;

interface Values {
  cores?: number;
  memory?: number;
}

/** The config's memory in MiB (`4096` or `current=4096`; PVE's default is 512). */
const memoryOf = (cfg: QemuConfig): number => Number(/(?:^|current=)(\d+)/.exec(String(cfg.memory ?? '512'))?.[1] ?? 512);
const coresOf = (cfg: QemuConfig): number => Number(cfg.cores ?? 1);
const setText = (v: Values) => [v.cores !== undefined ? `cores ${v.cores}` : '', v.memory !== undefined ? `memory ${v.memory} MiB` : ''].filter(Boolean).join(', ');

/** Writes `want(current)` with the digest, re-read after a concurrent edit; returns what it replaced. */
async function writeValues(t: PhaseTools, node: string, vmid: number, want: Values): Promise<{ before: Values; changed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const cfg = await getQemuConfig(t.client, node, vmid);
    const before: Values = {};
    const params: Record<string, string | number> = {};
    if (want.cores !== undefined && coresOf(cfg) !== want.cores) [before.cores, params.cores] = [coresOf(cfg), want.cores];
    if (want.memory !== undefined && memoryOf(cfg) !== want.memory) [before.memory, params.memory] = [memoryOf(cfg), String(want.memory)];
    if (!Object.keys(params).length) return { before, changed: false };
    try {
      await putQemuConfig(t.client, node, vmid, { ...params, digest: cfg.digest });
      return { before, changed: true };
    } catch (err) {
      if (err instanceof PveError && DIGEST_MISMATCH.test(err.message) && attempt < DIGEST_RETRIES) continue;
      throw err;
    }
  }
}

export const vmSet: Capability<VmSetRequest> = {
  kind: 'vm.set',
  title: 'Set cores and memory',
  description: 'Set the cores and/or memory (MiB) of the selected VMs. A running VM gets them at its next start (PVE keeps them pending). A concurrent edit is never overwritten.',
  get schema() {
    return schema();
  },
  guestTypes: ['qemu'],
  label: (r) => `set ${setText({ cores: r.cores, memory: r.memoryMB })}`,
  destructive: () => false,
  taskTimeoutMs: () => 60_000,
  names: { tool: 'set_vm_resources', verb: ['vm', 'set'], cli: { aliases: { memory: 'memoryMB' } } },
  hints: { destructive: false, idempotent: true },

  plan(input, req) {
    if (req.cores === undefined && req.memoryMB === undefined) throw new RequestError('cores', 'give cores, memoryMB or both');
    const offline = offlineNodesOf(input.inventory);
    const want: Values = { cores: req.cores, memory: req.memoryMB };
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const action = `set ${setText(want)}${vm.status === 'running' || vm.status === 'paused' ? ' (pending until the next start: the VM is running)' : ''}`;
      const skip = unsupportedReason(vm, { allowTemplates: true });
      const blocked = offlineReason(vm, offline);
      if (skip) plan.skip(vm, action, skip);
      else if (blocked) plan.block(vm, action, blocked);
      else plan.add(vm, action, { ...want });
    }
    return plan.build();
  },

  phases(target) {
    const want = target.spec as Values;
    const { node, vmid } = target;
    return [
      {
        name: 'config',
        run: async (t) => {
          const r = await writeValues(t, node, vmid, want);
          if (r.changed) t.data.before = r.before;
          return r.changed ? setText(want) : 'already set';
        },
        undo: async (t) => {
          const before = t.data.before as Values | undefined;
          if (!before) return 'no change to undo';
          await writeValues(t, node, vmid, before);
          return `put back: ${setText(before)}`;
        },
      },
    ];
  },
};
