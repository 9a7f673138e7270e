// The phases of one provisioned VM, built from the VM lifecycle pieces: make it (clone the template, or import
// the image) under the id the plan showed or a free one no other target planned (the allocator; "already exists" moves on) →
// migrate when the disk had to be cloned on the template's node → configure (NICs, cloud-init, tags, disk
// options, extra disks, the cloud-init drive) → resize → start when asked → verify (on its host, ours, the
// config the plan promised, running, and the guest agent answering when the template enables one). Every
// phase reads PVE first, so a resume after a crash never makes a second VM or applies anything twice.
import { fetchInventory } from '../../inventory/inventory.js';
import type { PveClient } from '../../pve/client.js';
import { getGuestConfig } from '../../pve/endpoints/guest.js';
import { postQemuAgentPing } from '../../pve/endpoints/guest-restore.js';
import { getQemuConfig, getQemuStatusCurrent, postQemu, postQemuClone, postQemuConfig } from '../../pve/endpoints/qemu.js';
import type { Phase, PhaseTools } from '../capability.js';
import type { PveParams } from '../guest-config.js';
import { makePhase, migratePhase, resizePhase, startPhase, type NewGuestSpec } from '../new-guest-phases.js';
import type { OperationTarget } from '../types.js';
import { describeCreated, ownershipMarker } from '../vmid-allocator.js';
import { cloneInSlot } from './clone-slots.js';
import { haRulePhase, type HaRuleSpec } from './ha-rule-phase.js';
import { idSearchOf, type ProvisionTargetSpec } from './plan-targets.js';

/** A provisioning target's spec: the plan's data plus what the lifecycle phases need (name, host, ownership token). */
export type ProvisionSpec = ProvisionTargetSpec & NewGuestSpec & { /** options.haResourceAffinity: its HARD group's HA rule. */ haRule?: HaRuleSpec };

const DRIVE_KEY = /^(scsi|virtio|sata|ide)\d+$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The description the VM is created with: what made it, then the ownership marker on a line of its own. */
export const descriptionOf = (spec: ProvisionSpec): string => describeCreated(`moxxie cluster ${spec.cluster}: ${spec.group} (${spec.role})`, spec.token);

/** The node the VM is made on before any migration. */
export const madeOnOf = (spec: ProvisionSpec): string => (spec.route === 'import' ? (spec.source.node ?? spec.node) : spec.route === 'clone+migrate' ? spec.source.node! : spec.node);

/** Config keys the plan promises, as PVE shows them back (verify compares these; net and disks are checked apart). */
export function plannedKeys(spec: ProvisionSpec): PveParams {
  const out: PveParams = { name: spec.name, cores: spec.cores, memory: spec.memoryMB };
  spec.ipconfig.forEach((v, i) => (out[`ipconfig${i}`] = v));
  if (spec.cloudInit.ciuser) out.ciuser = spec.cloudInit.ciuser;
  if (spec.cloudInit.nameserver) out.nameserver = spec.cloudInit.nameserver;
  if (spec.cloudInit.searchdomain) out.searchdomain = spec.cloudInit.searchdomain;
  if (spec.cloudInit.sshkeys) out.sshkeys = spec.cloudInit.sshkeys.trim();
  if (spec.tags.length) out.tags = [...spec.tags].sort().join(';');
  return out;
}

const same = (k: string, got: unknown, want: string | number): boolean => {
  if (k === 'sshkeys') return decodeURIComponent(String(got ?? '')).trim() === String(want).trim();
  if (k === 'tags') return String(got ?? '').split(/[;,\s]+/).filter(Boolean).sort().join(';') === String(want);
  return String(got ?? '') === String(want);
};

/** A NIC's value without its MAC (PVE writes `model=MAC`): "virtio,bridge=vmbr0,tag=100". */
const nicWithoutMac = (value: unknown): string => String(value ?? '').replace(/^([a-z0-9]+)=[0-9A-Fa-f:]{17}/, '$1');

/** The drive options the spec asks for on a disk (ssd, iothread), added to what the drive has. */
function withDriveOptions(value: string, disk: ProvisionSpec['disks'][number]): string {
  const parts = value.split(',');
  const set = (k: string) => (parts.some((p) => p.startsWith(`${k}=`)) ? parts.splice(parts.findIndex((p) => p.startsWith(`${k}=`)), 1, `${k}=1`) : parts.push(`${k}=1`));
  if (disk.ssd && !disk.key.startsWith('virtio')) set('ssd');
  if (disk.iothread && (disk.key.startsWith('scsi') || disk.key.startsWith('virtio'))) set('iothread');
  return parts.join(',');
}

/** What configure must set, given the VM's config now: NICs, cloud-init, tags, CPU, memory, disk options, disks, the cloud-init drive. */
function configChanges(spec: ProvisionSpec, config: Record<string, unknown>): PveParams {
  const want: PveParams = { ...plannedKeys(spec) };
  delete want.name;
  spec.nets.forEach((v, i) => {
    if (nicWithoutMac(config[`net${i}`]) !== v) want[`net${i}`] = v;
  });
  const out: PveParams = {};
  for (const [k, v] of Object.entries(want)) if (!same(k, config[k], v)) out[k] = v;
  // The first disk is the image (the template's disk or the import): its options; the others are new volumes.
  const [first, ...more] = spec.disks;
  const firstKey = typeof config[first.key] === 'string' ? first.key : Object.keys(config).find((k) => DRIVE_KEY.test(k) && !String(config[k]).includes('media=cdrom'));
  if (firstKey) {
    const value = String(config[firstKey]);
    const next = withDriveOptions(value, first);
    if (next !== value) out[firstKey] = next;
  }
  for (const d of more) if (config[d.key] === undefined) out[d.key] = withDriveOptions(`${d.storage}:${d.sizeGB}`, d);
  const hasCloudInit = Object.values(config).some((v) => typeof v === 'string' && /cloudinit/.test(v));
  if (!hasCloudInit) {
    const slot = ['ide2', 'ide0', 'ide1', 'ide3'].find((k) => config[k] === undefined && out[k] === undefined);
    if (slot) out[slot] = `${spec.storage}:cloudinit`;
  }
  if (spec.disks.some((d) => d.iothread && d.key.startsWith('scsi')) && config.scsihw !== 'virtio-scsi-single') out.scsihw = 'virtio-scsi-single';
  return out;
}

/** Where the made VM is: the target's node once migrated (phases after make and migrate). */
const at = (target: OperationTarget) => ({ vmid: target.vmid, node: target.node });

function configurePhase(target: OperationTarget, spec: ProvisionSpec, password: () => string | undefined): Phase {
  return {
    name: 'configure',
    check: async (tools) => {
      const { vmid, node } = at(target);
      const config = (await getQemuConfig(tools.client, node, vmid)) as Record<string, unknown>;
      // A password is never recorded, so a VM whose configure is re-checked is only done when no password is due.
      return !Object.keys(configChanges(spec, config)).length && (!password() || tools.data.passwordSet === true) ? `VM ${vmid} already configured` : undefined;
    },
    run: async (tools) => {
      const { vmid, node } = at(target);
      const config = (await getQemuConfig(tools.client, node, vmid)) as Record<string, unknown>;
      const changes = configChanges(spec, config);
      const secret = password();
      if (secret) changes.cipassword = secret;
      const keys = Object.keys(changes).filter((k) => k !== 'cipassword');
      if (Object.keys(changes).length) {
        const upid = await postQemuConfig(tools.client, node, vmid, changes);
        if (typeof upid === 'string' && upid.startsWith('UPID:')) await tools.awaitTask(upid);
      }
      if (secret) tools.data.passwordSet = true;
      const missing = spec.cloudInit.password && !secret ? '; the cloud-init password was not set (it is never recorded, so a resumed run does not have it)' : '';
      return `set ${[...keys, ...(secret ? ['cipassword'] : [])].join(', ') || 'nothing (already as planned)'} on VM ${vmid}${missing}`;
    },
    changesNothing: true,
  };
}

/** Reads the VM back; the guest agent must answer when the VM runs and its config enables one. */
function verifyPhase(target: OperationTarget, spec: ProvisionSpec): Phase {
  return {
    name: 'verify',
    changesNothing: true,
    run: async (tools) => {
      const { vmid, node } = at(target);
      const config = (await getQemuConfig(tools.client, node, vmid)) as Record<string, unknown>;
      if (!String(config.description ?? '').includes(ownershipMarker(spec.token))) throw new Error(`VM ${vmid} on ${node} does not carry this operation's marker`);
      for (const [k, v] of Object.entries(plannedKeys(spec))) if (!same(k, config[k], v)) throw new Error(`VM ${vmid}: ${k} is '${String(config[k] ?? '')}', the plan says '${String(v)}'`);
      spec.nets.forEach((v, i) => {
        if (nicWithoutMac(config[`net${i}`]) !== v) throw new Error(`VM ${vmid}: net${i} is '${String(config[`net${i}`] ?? '')}', the plan says '${v}'`);
      });
      const status = (await getQemuStatusCurrent(tools.client, node, vmid)).status;
      if (spec.startAfterCreation && status !== 'running') throw new Error(`VM ${vmid} is ${status}, not running`);
      let agent = '';
      if (status === 'running' && /^(enabled=)?(1|on|yes|true)/.test(String(config.agent ?? ''))) {
        agent = await agentAnswers(tools, node, vmid);
      }
      return `VM ${vmid} (${spec.name}) on ${node}: ${status}${agent}`;
    },
  };
}

/** The guest agent answers within a minute of the start (PVE: 500 "QEMU guest agent is not running" until then). */
async function agentAnswers(tools: PhaseTools, node: string, vmid: number, tries = 30): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    try {
      await postQemuAgentPing(tools.client, node, vmid);
      return ', guest agent answers';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      if (tools.cancelled()) break;
      await sleep(2000);
    }
  }
  throw new Error(`VM ${vmid}: the guest agent did not answer (${last})`);
}

/**
 * The make phase, found again by name and marker when its id was never journaled (the process died between
 * sending the clone and recording its task): the marker is unique to this target, so this never adopts another
 * guest. Containers (`lxc`: the name is the hostname) are found the same way.
 */
export function findMade(base: Phase, target: OperationTarget, spec: ProvisionSpec, type: 'qemu' | 'lxc' = 'qemu'): Phase {
  const what = type === 'lxc' ? 'CT' : 'VM';
  return {
    ...base,
    check: async (tools) => {
      const found = await base.check?.(tools);
      if (found !== undefined || tools.data.vmid !== undefined) return found;
      const inv = await fetchInventory(tools.client);
      for (const vm of inv.vms.filter((v) => v.type === type && v.name === spec.name && v.status !== 'unknown')) {
        const config = (await getGuestConfig(tools.client, { type, node: vm.node, vmid: vm.vmid })) as Record<string, unknown>;
        if (String(config.description ?? '').split('\n').some((l) => l.trim() === ownershipMarker(spec.token)) && !config.lock) {
          tools.data.vmid = vm.vmid;
          target.vmid = vm.vmid;
          return `found ${what} ${vm.vmid} (${spec.name}) on ${vm.node}, made by this operation`;
        }
      }
      return undefined;
    },
  };
}

/** The phases of one provisioned VM. `password` reads the live spec only (it is never in the journal). */
export function provisionPhases(target: OperationTarget, password: () => string | undefined): Phase[] {
  const spec = target.spec as unknown as ProvisionSpec;
  const madeOn = madeOnOf(spec);
  const first = spec.disks[0];
  const make =
    spec.route === 'import'
      ? makePhase({
          name: 'import',
          target,
          spec,
          taskType: 'qmcreate',
          what: 'imported',
          madeOn,
          ...idSearchOf(spec),
          send: (client: PveClient, vmid: number) =>
            postQemu(client, madeOn, {
              vmid,
              name: spec.name,
              description: descriptionOf(spec),
              scsihw: 'virtio-scsi-single',
              [first.key]: `${first.storage}:0,import-from=${spec.source.volid}`,
              cores: spec.cores,
              memory: spec.memoryMB,
              ostype: 'l26',
            }),
        })
      : makePhase({
          name: 'clone',
          target,
          spec,
          taskType: 'qmclone',
          what: `cloned ${spec.source.templateVmid} as`,
          madeOn,
          source: { node: spec.source.node!, vmid: spec.source.templateVmid! },
          ...idSearchOf(spec),
          // Clones of one template wait for each other (PVE's lock on the template times out otherwise); only the clone task holds the slot.
          send: (client: PveClient, vmid: number) =>
            cloneInSlot(client, spec.source.templateVmid!, () =>
              postQemuClone(client, spec.source.node!, spec.source.templateVmid!, {
                newid: vmid,
                name: spec.name,
                description: descriptionOf(spec),
                full: true,
                storage: spec.storage,
                ...(madeOn !== spec.source.node ? { target: madeOn } : {}),
              }),
            ),
        });
  const diskKey = first.key;
  return [
    findMade(make, target, spec),
    ...(madeOn !== spec.node ? [migratePhase(target, madeOn, spec.node)] : []),
    configurePhase(target, spec, password),
    resizePhase(target, diskKey, first.sizeGB),
    ...(spec.startAfterCreation ? [startPhase(target)] : []),
    ...(spec.haRule ? [haRulePhase(target, spec.haRule, spec.startAfterCreation)] : []),
    verifyPhase(target, spec),
  ];
}
