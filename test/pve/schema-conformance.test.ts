// Every request moxxie's client sends during a representative run (inventory, snapshots, power, tags,
// rollback, tasks, feature detection) validates against the schema of the profile it runs against. The
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
  expect((await core.createSnapshots({ ...ids('8200,8201'), snapshotName: 'conf-{vmid}', description: 'schema check', ttlHours: 24 })).status).toBe('succeeded');
  await core.createSnapshots({ ...ids('8200'), snapshotName: 'conf-mem', includeMemory: true });
  await core.listSnapshots(8200);
  await core.applyTags({ ...ids('8200,8201'), action: 'ADD', tags: ['conformance'] });
  await core.power({ ...ids('8203'), operation: 'STOP', force: true });
  await core.power({ ...ids('8203'), operation: 'START' });
  await core.power({ ...ids('8204'), operation: 'SHUTDOWN' });
  await core.rollbackSnapshot({ ...ids('8200'), snapshotName: 'conf-mem' });
  await core.deleteSnapshots({ ...ids('8200,8201'), namePattern: 'conf-*' });
  const tasks = await core.listTasks({});
  if (tasks[0]) await core.taskLog(tasks[0].upid);
  await featureReport(cluster.client);
}

describe('every request moxxie sends validates against the profile schema', () => {
  for (const pve of ['9', '8.4'] as const) {
    it(`PVE ${pve}`, async () => {
      const log: SimRequestRecord[] = [];
      c = await startCluster({ vms: 20, pve, onRequest: (r) => log.push(r) });
      await representativeRun(c);
      expect(log.length).toBeGreaterThan(30);
      // The run touched writes of every kind it made, not only reads.
      for (const kind of [/\/snapshot$/, /\/status\/(stop|start|shutdown)$/, /\/config$/, /\/rollback$/]) expect(log.some((r) => r.method !== 'GET' && kind.test(r.path))).toBe(true);
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
