// The privileges `moxxie config test` checks per capability, in the names of the cluster's release, against
// both simulator profiles: the administrator holds them all; an audit-only user lacks them, and the restore
// drill's guest-agent privilege is VM.GuestAgent.Audit on PVE 9 and VM.Monitor on 8.4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureReport } from '../../cli/cluster-features.js';
import { checkPrivileges } from '../../src/ops/capability-privileges.js';
import { OPERATION_KINDS } from '../../src/ops/types.js';
import { getAccessPermissions } from '../../src/pve/endpoints/cluster.js';
import { detectFeatures } from '../../src/pve/features.js';
import type { PveClient } from '../../src/pve/client.js';
import { startCluster, tokenClient, type TestCluster } from '../fixtures/cluster.js';

let v9: TestCluster;
let v84: TestCluster;
const auditors: PveClient[] = [];
beforeAll(async () => {
  [v9, v84] = await Promise.all([startCluster({ vms: 10 }), startCluster({ vms: 10, pve: '8.4' })]);
});
afterAll(async () => {
  for (const a of auditors) await a.close();
  await v9.close();
  await v84.close();
});

function auditor(c: TestCluster): PveClient {
  const client = tokenClient(c.sim, { auth: { username: 'auditor@pve', password: 'moxxie' } });
  auditors.push(client);
  return client;
}

describe('capability privileges per release', () => {
  for (const [name, cluster] of [['9.1', () => v9], ['8.4', () => v84]] as const) {
    it(`PVE ${name}: the administrator holds every capability's privileges`, async () => {
      const c = cluster();
      const check = checkPrivileges(await detectFeatures(c.client), await getAccessPermissions(c.client), OPERATION_KINDS);
      expect(check.missing).toEqual([]);
      expect(check.ready).toEqual(expect.arrayContaining(['power', 'ct.create', 'backup.verify', 'storage.download']));
      expect((await featureReport(c.client)).join('\n')).toMatch(new RegExp(`privileges: every capability's privileges are held \\(\\d+ checked, PVE ${name.replace('.', '\\.')} names\\)`));
    });
  }

  it('an audit-only user on PVE 9 lacks them, the agent privilege under its 9 name', async () => {
    const client = auditor(v9);
    const check = checkPrivileges(await detectFeatures(client), await getAccessPermissions(client), OPERATION_KINDS);
    expect(check.ready).toEqual([]);
    const verify = check.missing.find((m) => m.kind === 'backup.verify')!;
    expect(verify.needs.map((n) => n.privilege)).toContain('VM.GuestAgent.Audit');
    expect(verify.needs.map((n) => n.privilege)).not.toContain('VM.Monitor');
    const report = (await featureReport(client)).join('\n');
    expect(report).toMatch(/privileges: 0 capabilities ready; \d+ lack a privilege:/);
    expect(report).toContain('power: VM.PowerMgmt on /vms');
    expect(report).toContain('storage.download: Datastore.AllocateTemplate on /storage, Sys.AccessNetwork on /nodes');
  });

  it('the same user on PVE 8.4: VM.Monitor, the name that release has', async () => {
    const client = auditor(v84);
    const check = checkPrivileges(await detectFeatures(client), await getAccessPermissions(client), OPERATION_KINDS);
    const verify = check.missing.find((m) => m.kind === 'backup.verify')!;
    expect(verify.needs.map((n) => n.privilege)).toContain('VM.Monitor');
    expect(verify.needs.map((n) => n.privilege)).not.toContain('VM.GuestAgent.Audit');
  });

  it('a privilege held on / counts below it', () => {
    const check = checkPrivileges({ agentPrivilege: 'VM.GuestAgent.Audit' }, { '/': { 'VM.PowerMgmt': 1 } }, ['power', 'tags']);
    expect(check.ready).toEqual(['power']);
    expect(check.missing).toEqual([{ kind: 'tags', needs: [{ on: '/vms', privilege: 'VM.Config.Options' }] }]);
  });
});
