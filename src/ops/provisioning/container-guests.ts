// Containers in a provisioned cluster: a node group whose template.imageSource is an OS template
// (`storage:vztmpl/…`) makes containers (pct create) instead of VMs. The plan's VM data becomes pct's keys
// here: hostname = the planned name, netN = `name=ethN,bridge=…,ip=…,gw=…,tag=…` from the group's networks
// and ipConfigPatterns, cores, memory, rootfs = the first disk's storage and size, ssh-public-keys, tags; the
// root password comes from the live request only (cloudInit.password), never from the journal. The phases are
// ct.create's (new-container-phases.ts) under the plan's id (or a free one no other target planned, as a VM's) and
// carry this target's ownership marker, so a resume finds them and the rollback removes them as it does VMs.
// A HARD group with options.haResourceAffinity makes each CT an HA resource (ct:ID) in the group's rule.
import type { PveClient } from '../../pve/client.js';
import { postLxcCreate } from '../../pve/endpoints/guest.js';
import type { Phase } from '../capability.js';
import { RequestError } from '../errors.js';
import type { PveParams } from '../guest-config.js';
import { makeContainerPhase, startContainerPhase, verifyContainerPhase } from '../new-container-phases.js';
import type { OperationTarget } from '../types.js';
import { isContainerTemplate } from './cluster-spec.js';
import { idSearchOf } from './plan-targets.js';
import { haRulePhase } from './ha-rule-phase.js';
import { descriptionOf, findMade, type ProvisionSpec } from './provision-phases.js';


/** A VM NIC of the plan ("virtio,bridge=vmbr0,tag=100") and its ipconfig ("ip=10.0.0.5/24,gw=10.0.0.1") as a CT's netN. */
export function containerNet(nic: string, ipconfig: string | undefined, index: number): string {
  const parts = nic.split(',').filter((p) => p.includes('='));
  const bridge = parts.find((p) => p.startsWith('bridge='));
  const tag = parts.find((p) => p.startsWith('tag='));
  const firewall = parts.find((p) => p.startsWith('firewall='));
  const ip = (ipconfig ?? '').split(',').filter((p) => /^(ip|gw|ip6|gw6)=/.test(p));
  return [`name=eth${index}`, ...(bridge ? [bridge] : []), ...ip, ...(tag ? [tag] : []), ...(firewall ? [firewall] : [])].join(',');
}

/** pct's keys the plan promises (verify reads them back; the password is not among them). */
export function containerKeys(spec: ProvisionSpec): PveParams {
  const first = spec.disks[0];
  const out: PveParams = { hostname: spec.name, cores: spec.cores, memory: spec.memoryMB, rootfs: `${first.storage}:${first.sizeGB}` };
  spec.nets.forEach((nic, i) => (out[`net${i}`] = containerNet(nic, spec.ipconfig[i], i)));
  if (spec.cloudInit.nameserver) out.nameserver = spec.cloudInit.nameserver;
  if (spec.cloudInit.searchdomain) out.searchdomain = spec.cloudInit.searchdomain;
  if (spec.tags.length) out.tags = [...spec.tags].sort().join(';');
  return out;
}

/** The phases of one provisioned container: create (from the OS template, with the marker), start when asked, verify. */
export function provisionContainerPhases(target: OperationTarget, password: () => string | undefined): Phase[] {
  const spec = target.spec as unknown as ProvisionSpec;
  const send = (client: PveClient, vmid: number): Promise<string> => {
    const secret = password();
    // The recorded request has no password: a resume would make the CT without the one asked for.
    if (spec.cloudInit.password && !secret) throw new Error(`CT ${spec.name} was asked with a root password (cloudInit.password), which moxxie never records, and it was not created yet: run the provisioning again with it`);
    return postLxcCreate(client, spec.node, {
      ...containerKeys(spec),
      vmid,
      ostemplate: spec.source.volid,
      unprivileged: 1,
      description: descriptionOf(spec),
      ...(spec.cloudInit.sshkeys ? { 'ssh-public-keys': spec.cloudInit.sshkeys } : {}),
      ...(secret ? { password: secret } : {}),
    });
  };
  const verifyKeys = containerKeys(spec);
  return [
    // The plan's id, or a fresh one no other target planned (as a VM's), found again by hostname and marker on a resume.
    findMade(makeContainerPhase(target, { name: spec.name, node: spec.node, token: spec.token }, send, idSearchOf(spec)), target, spec, 'lxc'),
    ...(spec.startAfterCreation ? [startContainerPhase(target)] : []),
    // options.haResourceAffinity on a HARD container group: ct:ID joins the group's rule, as a VM's vm:ID does.
    ...(spec.haRule ? [haRulePhase(target, spec.haRule, spec.startAfterCreation)] : []),
    verifyContainerPhase(target, { name: spec.name, node: spec.node, token: spec.token }, { running: spec.startAfterCreation, keys: verifyKeys, haManaged: spec.haRule !== undefined }),
  ];
}

/**
 * What a container group asks that pct create cannot do, refused before anything is made rather than dropped:
 * a cloud-init user (a CT has root only) and more than one disk (mount points are not provisioned).
 */
export function containerGroupProblem(groups: ReadonlyArray<{ template: { imageSource: string; disks: unknown[]; cloudInit?: { user?: string } } }>): RequestError | undefined {
  for (const [i, g] of groups.entries()) {
    if (!isContainerTemplate(g.template.imageSource)) continue;
    const at = `nodeGroups[${i}].template`;
    if (g.template.cloudInit?.user !== undefined) return new RequestError(`${at}.cloudInit.user`, 'a container group (imageSource is an OS template) has no cloud-init user: its SSH keys and password are root\'s; leave user out');
    if (g.template.disks.length > 1) return new RequestError(`${at}.disks`, `a container group makes a root filesystem from the first disk only (${g.template.disks.length} given); give one disk`);
  }
  return undefined;
}
