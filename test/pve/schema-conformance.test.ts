// Every request moxxie's client sends during a representative run (inventory, snapshots, power, tags,
// rollback, tasks, feature detection; containers and VMs made, cloned, changed, backed up, moved, removed) validates against the schema of the profile it runs against. The
// simulator records each request as sent, before its own validation; the test validates them again.
import { afterEach, describe, expect, it } from 'vitest';
import { featureReport } from '../../cli/cluster-features.js';
import type { SimRequestRecord } from '../../src/sim/index.js';
import { routeTable, splitApiPath, type HttpMethod, type SchemaVersion } from '../../src/sim/schema/routes.js';
import { validateRequest } from '../../src/sim/schema/validate.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

/** Capability probes that ask for something the release may lack: a 501 there is the answer. */
const PROBES = new Set(['GET /cluster/ha/rules', 'GET /nodes/{node}/capabilities/qemu/migration']);

function problems(pve: SchemaVersion, log: SimRequestRecord[]): string[] {
  const routes = routeTable(pve);
  const out: string[] = [];
  for (const r of log) {
    const match = routes.match(splitApiPath(r.path));
    const info = match?.entry.info[r.method as HttpMethod];
    if (!match || !info) {
      const probe = [...PROBES].some((p) => p.split(' ')[0] === r.method && new RegExp(`^${p.split(' ')[1].replace(/\{[^}]+\}/g, '[^/]+')}$`).test(r.path));
      if (!probe) out.push(`${r.method} ${r.path}: not in the ${pve} schema`);
      continue;
    }
    const { errors } = validateRequest(match.entry.path, info, match.pathParams, r.params);
    if (Object.keys(errors).length) out.push(`${r.method} ${r.path}: ${JSON.stringify(errors)}`);
  }
  return out;
}

async function representativeRun(cluster: TestCluster): Promise<void> {
  const core = cluster.core;
  const ids = (v: string) => ({ vmSelectors: [{ type: 'VM_IDS' as const, value: v }] });
  await core.resolve([{ type: 'ALL' }]);
  expect((await core.createSnapshots({ ...ids('8200,8201,300'), snapshotName: 'conf-{vmid}', description: 'schema check', ttlHours: 24 })).status).toBe('succeeded');
  await core.createSnapshots({ ...ids('8200'), snapshotName: 'conf-mem', includeMemory: true });
  await core.listSnapshots(8200);
  await core.applyTags({ ...ids('8200,8201,300'), action: 'ADD', tags: ['conformance'] });
  await core.power({ ...ids('8203'), operation: 'STOP', force: true });
  await core.power({ ...ids('8203'), operation: 'START' });
  await core.power({ ...ids('8204'), operation: 'SHUTDOWN' });
  // Containers: pct stop/start/shutdown, and a rollback to the CT's newest snapshot (ZFS refuses older ones).
  await core.power({ ...ids('301'), operation: 'STOP', force: true });
  await core.power({ ...ids('301'), operation: 'START' });
  await core.power({ ...ids('302'), operation: 'SHUTDOWN' });
  expect((await core.rollbackSnapshot({ ...ids('300'), snapshotName: 'conf-300' })).status).toBe('succeeded');
  await core.rollbackSnapshot({ ...ids('8200'), snapshotName: 'conf-mem' });
  await core.deleteSnapshots({ ...ids('8200,8201,300'), namePattern: 'conf-*' });
  const tasks = await core.listTasks({});
  if (tasks[0]) await core.taskLog(tasks[0].upid);
  await featureReport(cluster.client);
  await lifecycleRun(cluster);
}

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';

/** The capabilities that make, change, move, back up and remove guests: VMs and containers. */
async function lifecycleRun(cluster: TestCluster): Promise<void> {
  const core = cluster.core;
  const ok = async (kind: Parameters<typeof core.run>[0], request: object) => {
    const op = await core.run(kind, request);
    expect(op.status, `${kind}: ${op.targets.map((t) => t.message).join('; ')}`).toBe('succeeded');
    return op;
  };
  const ct = await ok('ct.create', {
    node: 'pve1', hostname: 'conf-ct', ostemplate: TEMPLATE, rootfs: { storage: 'local-zfs', sizeGB: 6 },
    networks: [{ bridge: 'vmbr0', ip: '10.9.0.5/24', gw: '10.9.0.1', tag: 12, firewall: true }, { bridge: 'workshop', ip6: 'auto' }],
    cores: 2, memoryMB: 768, swapMB: 128, unprivileged: true, features: { nesting: true, keyctl: true, mount: ['nfs'] },
    sshPublicKeys: KEY, password: 'conformance', nameservers: '10.9.0.1', searchDomain: 'conf.local', tags: ['conf'], startOnBoot: true,
    description: 'conformance', start: true,
  });
  if (cluster.sim.pve === '9') await ok('ct.create', { node: 'pve2', hostname: 'conf-ha-ct', ostemplate: TEMPLATE, haManaged: true });
  const vm = await ok('vm.create', { name: 'conf-vm', node: 'pve2', cores: 2, memoryMB: 1024, disks: [{ interfaceType: 'SCSI', slot: 0, storage: 'local-zfs', sizeGB: 4, ssd: true }], network: { bridge: 'vmbr0', vlan: 5 }, tags: ['conf'], start: true });
  const vmid = vm.targets[0].vmid;
  await ok('vm.clone', { sourceVmId: 9000, name: 'conf-clone', cloudInitUser: 'ops', cloudInitPassword: 'conformance', ipConfig: 'ip=dhcp', diskSizeGB: 8 });
  await ok('vm.set', { vmSelectors: `id:${vmid}`, cores: 3 });
  await ok('vm.resize', { vmSelectors: `id:${vmid}`, disk: 'scsi0', size: '+1G' });
  await ok('backup.create', { vmSelectors: `id:${vmid},${ct.targets[0].vmid}`, storage: 'backup-nfs', mode: 'snapshot' });
  await ok('migrate', { vmSelectors: `id:${vmid}`, targetNode: 'pve3' });
  await ok('power', { vmSelectors: `id:${vmid}`, operation: 'STOP', force: true });
  await ok('vm.delete', { vmSelectors: `id:${vmid}`, purge: true, destroyUnreferencedDisks: true });
  // The same capabilities on the container: resize rootfs, migrate (running: restart mode), clone (stopped), delete.
  const ctid = ct.targets[0].vmid;
  await ok('vm.resize', { vmSelectors: `id:${ctid}`, disk: 'rootfs', size: '+1G' });
  await ok('migrate', { vmSelectors: `id:${ctid}`, targetNode: 'pve3' });
  await ok('power', { vmSelectors: `id:${ctid}`, operation: 'SHUTDOWN', timeoutSeconds: 30 });
  const copy = await ok('vm.clone', { sourceVmId: ctid, name: 'conf-ct-copy', cores: 1, tags: ['conf'] });
  await ok('vm.delete', { vmSelectors: `id:${ctid},${copy.targets[0].vmid}`, purge: true });
}

describe('every request moxxie sends validates against the profile schema', () => {
  for (const pve of ['9', '8.4'] as const) {
    it(`PVE ${pve}`, { timeout: 120_000 }, async () => {
      const log: SimRequestRecord[] = [];
      c = await startCluster({ vms: 20, pve, taskDurationMs: 20, onRequest: (r) => log.push(r) });
      await representativeRun(c);
      expect(log.length).toBeGreaterThan(30);
      // The run touched writes of every kind it made, not only reads.
      for (const kind of [/\/snapshot$/, /\/status\/(stop|start|shutdown)$/, /\/config$/, /\/rollback$/, /\/lxc$/, /\/lxc\/\d+\/status\/start$/, /\/qemu$/, /\/clone$/, /\/resize$/, /\/vzdump$/, /\/migrate$/, /^\/nodes\/[^/]+\/qemu\/\d+$/,
        /\/lxc\/\d+\/snapshot$/, /\/lxc\/\d+\/snapshot\/[^/]+\/rollback$/, /\/lxc\/\d+\/snapshot\/[^/]+$/, /\/lxc\/\d+\/status\/(stop|shutdown)$/, /\/lxc\/\d+\/config$/,
        /\/lxc\/\d+\/resize$/, /\/lxc\/\d+\/migrate$/, /\/lxc\/\d+\/clone$/, /^\/nodes\/[^/]+\/lxc\/\d+$/]) {
        expect(log.some((r) => r.method !== 'GET' && kind.test(r.path)), String(kind)).toBe(true);
      }
      // The container create carried every field the capability maps (the password too: PVE needs it).
      const create = log.find((r) => r.method === 'POST' && /\/lxc$/.test(r.path))!;
      for (const k of ['ostemplate', 'hostname', 'rootfs', 'net0', 'net1', 'cores', 'memory', 'swap', 'unprivileged', 'features', 'ssh-public-keys', 'password', 'nameserver', 'searchdomain', 'tags', 'onboot', 'description']) expect(create.params, k).toHaveProperty(k);
      expect(log.some((r) => r.method === 'POST' && /\/lxc$/.test(r.path) && r.params['ha-managed'] !== undefined)).toBe(pve === '9');
      expect(problems(pve, log)).toEqual([]);
    });
  }

  it('the check catches a request outside the schema', () => {
    const bad: SimRequestRecord[] = [
      { method: 'POST', path: '/nodes/pve1/vzdump', route: '/nodes/{node}/vzdump', params: { vmid: '100', 'notification-policy': 'never' } },
      { method: 'POST', path: '/nodes/pve1/qemu/100/migrate', route: '/nodes/{node}/qemu/{vmid}/migrate', params: { target: 'pve2', 'with-conntrack-state': '1' } },
    ];
    expect(problems('9', bad)).toHaveLength(1);
    expect(problems('9', bad)[0]).toContain('notification-policy');
    expect(problems('8.4', bad)).toHaveLength(1);
    expect(problems('8.4', bad)[0]).toContain('with-conntrack-state');
  });
});
