// Set the cloud-init SSH keys of the selected VMs (the seed's PUT /vms/{id}/ssh-keys: `sshKeys`, several keys
// one per line). Every line is checked as an OpenSSH public key before anything runs; the value is sent
// URL-encoded inside the form body, as PVE requires. The keys replaced are kept, so a rollback puts them back.
import { z } from 'zod';
import { PveError } from '../../pve/errors.js';
import { getQemuConfig, putQemuConfig } from '../../pve/endpoints/qemu.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, PhaseTools } from '../capability.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { offlineReason, unsupportedReason } from '../safety.js';
import { decodeSshKeys, encodeSshKeys, MAX_SSH_KEYS_TEXT, parseSshKeys } from '../ssh-public-keys.js';
import { hasCloudInitDrive, readConfigs } from '../vm-configs.js';
import { bulkFields } from './bulk-fields.js';

const DIGEST_RETRIES = 5;
const DIGEST_MISMATCH = /checksum mismatch|file change by other user/i;

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    sshKeys: z
      .string({ error: 'required: OpenSSH public keys, one per line, e.g. "ssh-ed25519 AAAA… user@host"' })
      .max(MAX_SSH_KEYS_TEXT, { error: `at most ${MAX_SSH_KEYS_TEXT} characters` })
      .superRefine((text, ctx) => {
        try {
          parseSshKeys(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^sshKeys: /, '') });
        }
      })
      .describe('OpenSSH public keys, one per line; they replace the VM\'s cloud-init keys'),
  }));
export type SshKeysRequest = z.infer<ReturnType<typeof schema>>;

const sameKeys = (a: string[], b: string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
const keysText = (keys: string[]) => `${keys.length} SSH key${keys.length === 1 ? '' : 's'}`;

/** Sets `keys` (or removes the keys when empty) with the digest; returns the stored value it replaced. */
async function writeKeys(t: PhaseTools, node: string, vmid: number, keys: string[]): Promise<{ before?: string; changed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const cfg = await getQemuConfig(t.client, node, vmid);
    const before = cfg.sshkeys === undefined ? undefined : String(cfg.sshkeys);
    if (sameKeys(decodeSshKeys(before), keys)) return { before, changed: false };
    try {
      await putQemuConfig(t.client, node, vmid, keys.length ? { sshkeys: encodeSshKeys(keys), digest: cfg.digest } : { delete: 'sshkeys', digest: cfg.digest });
      return { before, changed: true };
    } catch (err) {
      if (err instanceof PveError && DIGEST_MISMATCH.test(err.message) && attempt < DIGEST_RETRIES) continue;
      throw err;
    }
  }
}

export const sshKeys: Capability<SshKeysRequest> = {
  kind: 'vm.ssh-keys',
  title: 'Set SSH keys',
  description:
    "Replace the cloud-init SSH keys of the selected VMs (several keys: one per line). They reach the guest through its cloud-init drive at the next boot; the plan says when a VM has none. A concurrent edit is never overwritten.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu'],
  // Front ends may label a request before it is checked: count lines, never throw.
  label: (r) => `set ${keysText(String(r.sshKeys ?? '').split(/\r?\n/).filter((l) => l.trim()))}`,
  destructive: () => false,
  taskTimeoutMs: () => 60_000,
  names: { tool: 'set_ssh_keys', verb: ['vm', 'ssh-keys'], cli: { aliases: { keys: 'sshKeys' } } },
  hints: { destructive: false, idempotent: true },

  async plan(input, req) {
    const keys = parseSshKeys(req.sshKeys);
    const offline = offlineNodesOf(input.inventory);
    const candidates = input.vms.filter((vm) => !unsupportedReason(vm, { allowTemplates: true }) && !offlineReason(vm, offline));
    const configs = await readConfigs(input.client, candidates);
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const read = configs.get(vm.vmid);
      const cfg = read && 'config' in read ? read.config : undefined;
      const note = cfg && !hasCloudInitDrive(cfg) ? ' (no cloud-init drive: the keys reach the guest only once one is added)' : '';
      const action = `set ${keysText(keys)}${note}`;
      const skip = unsupportedReason(vm, { allowTemplates: true }) ?? (cfg && sameKeys(decodeSshKeys(cfg.sshkeys), keys) ? 'already has exactly these keys' : undefined);
      const blocked = offlineReason(vm, offline) ?? (read && 'error' in read ? read.error : undefined);
      if (skip) plan.skip(vm, action, skip);
      else if (blocked) plan.block(vm, action, blocked);
      else plan.add(vm, action, { keys });
    }
    return plan.build();
  },

  phases(target) {
    const { keys } = target.spec as { keys: string[] };
    const { node, vmid } = target;
    return [
      {
        name: 'sshkeys',
        run: async (t) => {
          const r = await writeKeys(t, node, vmid, keys);
          if (r.changed) t.data.before = r.before ?? null;
          return r.changed ? keysText(keys) : 'already set';
        },
        undo: async (t) => {
          if (!('before' in t.data)) return 'no change to undo';
          const before = decodeSshKeys(t.data.before);
          await writeKeys(t, node, vmid, before);
          return before.length ? `put back ${keysText(before)}` : 'keys removed again';
        },
      },
    ];
  },
};
