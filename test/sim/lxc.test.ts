// Containers (pct) in the simulator: power, snapshots, config, resize, migrate, clone and destroy with
// pve-container's task types, locks and errors, checked against the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';
import { until } from '../fixtures/wait.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 20, containers: true, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

type Row = Record<string, unknown>;
const nodeOf = (vmid: number): string => sim.state.vm(vmid)!.node;
const ct = (vmid: number, rest = ''): string => `/nodes/${nodeOf(vmid)}/lxc/${vmid}${rest}`;
async function task(answer: ReturnType<typeof a.post>): Promise<{ type: string; exitstatus?: string; log: string[] }> {
  const upid = await a.data<string>(answer);
  const t = await waitTask(sim, upid);
  return { ...t, type: upid.split(':')[5] };
}

describe('demo containers', () => {
  it('has a handful per node, some running, with snapshots and backups', () => {
    const cts = sim.state.vms().filter((v) => v.type === 'lxc');
    for (const n of ['pve1', 'pve2', 'pve3', 'pve4']) expect(cts.filter((c) => c.node === n).length).toBeGreaterThanOrEqual(2);
    expect(cts.some((c) => c.status === 'running')).toBe(true);
    expect(cts.some((c) => c.status === 'stopped')).toBe(true);
    expect(cts.some((c) => c.snapshots.length > 0)).toBe(true);
    expect(sim.state.storageContent('backup-nfs').some((v) => /vzdump-lxc-31\d-/.test(v.volid))).toBe(true);
  });
});

describe('pct power', () => {
  it('stops, starts, reboots, suspends and resumes with vz* tasks; refuses what PVE refuses', async () => {
    expect(sim.state.vm(310)!.status).toBe('running');
    const again = await a.post(ct(310, '/status/start'));
    expect(again.status).toBe(500);
    expect(again.body!.message).toContain('CT 310 already running');
    const shut = await task(a.post(ct(310, '/status/shutdown'), { timeout: '30' }));
    expect([shut.type, shut.exitstatus]).toEqual(['vzshutdown', 'OK']);
    expect(sim.state.vm(310)!.status).toBe('stopped');
    expect((await a.post(ct(310, '/status/stop'))).body!.message).toContain('CT 310 not running');
    expect((await a.post(ct(310, '/status/reboot'))).status).toBe(500);
    const start = await task(a.post(ct(310, '/status/start')));
    expect([start.type, start.exitstatus]).toEqual(['vzstart', 'OK']);
    expect(sim.state.vm(310)!.status).toBe('running');
    expect((await task(a.post(ct(310, '/status/reboot')))).type).toBe('vzreboot');
    expect((await task(a.post(ct(310, '/status/suspend')))).type).toBe('vzsuspend');
    // A frozen CT still reports running (PVE::LXC::vmstatus knows running and stopped only).
    expect((await a.data<Row>(a.get(ct(310, '/status/current')))).status).toBe('running');
    expect((await task(a.post(ct(310, '/status/resume')))).type).toBe('vzresume');
    const stop = await task(a.post(ct(310, '/status/stop')));
    expect([stop.type, stop.exitstatus]).toEqual(['vzstop', 'OK']);
    expect(sim.state.vm(310)!.status).toBe('stopped');
  });

  it('refuses VM-only parameters and answers 500 for a VM id on the lxc path', async () => {
    expect((await a.post(ct(312, '/status/shutdown'), { forceStop: '1', keepActive: '1' })).status).toBe(400);
    const vm = await a.get(`/nodes/${nodeOf(100)}/lxc/100/status/current`);
    expect(vm.status).toBe(500);
    expect(vm.body!.message).toContain(`nodes/${nodeOf(100)}/lxc/100.conf`);
  });

  it('turns an HA-managed CT start into hastart', async () => {
    const stopped = sim.state.vm(311)!;
    expect(stopped.tags).toContain('ha');
    expect((await a.data<Row>(a.get(ct(311, '/status/current')))).ha).toEqual({ managed: 1, state: 'stopped' });
    expect((await task(a.post(ct(311, '/status/start')))).type).toBe('hastart');
    // The task only filed the request; the HA manager starts the CT after it (a root@pam vzstart).
    expect(sim.state.vm(311)!.status).toBe('stopped');
    await until('the HA manager starts the CT', () => sim.state.vm(311)!.status === 'running');
    expect(sim.state.tasks().filter((t) => t.id === '311' && t.type === 'vzstart').at(-1)).toMatchObject({ user: 'root@pam', exitstatus: 'OK' });
  });
});

describe('pct snapshots', () => {
  it('creates, lists, rolls back and deletes with vzsnapshot/vzrollback/vzdelsnapshot', async () => {
    const made = await task(a.post(ct(312, '/snapshot'), { snapname: 'ct-s1', description: 'from a test' }));
    expect([made.type, made.exitstatus]).toEqual(['vzsnapshot', 'OK']);
    expect(sim.state.vm(312)!.snapshots.map((s) => s.name)).toContain('ct-s1');
    const list = await a.data<Row[]>(a.get(ct(312, '/snapshot')));
    expect(list.at(-1)).toMatchObject({ name: 'current', parent: 'ct-s1' });
    expect(list.find((s) => s.name === 'ct-s1')).not.toHaveProperty('vmstate');
    const dup = await task(a.post(ct(312, '/snapshot'), { snapname: 'ct-s1' }));
    expect(dup.exitstatus).toBe("snapshot name 'ct-s1' already used");
    // vmstate belongs to qemu snapshots: the schema has no such parameter for containers.
    expect((await a.post(ct(312, '/snapshot'), { snapname: 'ct-s2', vmstate: '1' })).status).toBe(400);

    await a.data(a.put(ct(312, '/config'), { memory: '2048' }));
    const back = await task(a.post(ct(312, '/snapshot/ct-s1/rollback')));
    expect([back.type, back.exitstatus]).toEqual(['vzrollback', 'OK']);
    expect(sim.state.vm(312)!.config.memory).not.toBe(2048);
    expect(sim.state.vm(312)!.status).toBe('stopped');

    const del = await task(a.del(ct(312, '/snapshot/ct-s1')));
    expect([del.type, del.exitstatus]).toEqual(['vzdelsnapshot', 'OK']);
    expect(sim.state.vm(312)!.snapshots.map((s) => s.name)).not.toContain('ct-s1');
  });

  it('refuses a ZFS rollback past newer snapshots', async () => {
    const older = sim.state.vm(313)!.snapshots[0]?.name ?? 'pre-upgrade';
    await task(a.post(ct(313, '/snapshot'), { snapname: 'ct-newer' }));
    const t = await task(a.post(ct(313, `/snapshot/${older}/rollback`)));
    expect(t.exitstatus).toBe(`can't rollback, '${older}' is not most recent snapshot on 'local-zfs:subvol-313-disk-0'`);
    expect(sim.state.vm(313)!.lock).toBeUndefined();
  });
});

describe('pct config and resize', () => {
  it('changes tags, cores, memory, net and description; checks digest and locks', async () => {
    const cfg = await a.data<Row>(a.get(ct(314, '/config')));
    await a.data(a.put(ct(314, '/config'), { tags: 'web;B-Tag', cores: '3', memory: '1536', description: 'hello', net1: 'name=eth1,bridge=vmbr1,ip=10.1.0.5/24,gw=10.1.0.1,tag=20', digest: String(cfg.digest) }));
    const now = sim.state.vm(314)!.config;
    expect(now).toMatchObject({ tags: 'b-tag;web', cores: 3, memory: 1536, description: 'hello' });
    expect(String(now.net1)).toContain('bridge=vmbr1');
    const stale = await a.put(ct(314, '/config'), { cores: '2', digest: String(cfg.digest) });
    expect(stale.status).toBe(500);
    expect(stale.body!.message).toContain('file changed by other user');
    expect((await a.put(ct(314, '/config'), { delete: 'rootfs' })).status).toBe(500);
    expect((await a.put(ct(314, '/config'), { bogus: '1' })).status).toBe(400);
  });

  it('grows rootfs and mount points in a resize task and refuses shrinking', async () => {
    expect(String(sim.state.vm(317)!.config.rootfs)).toContain('size=12G');
    const grow = await task(a.put(ct(317, '/resize'), { disk: 'rootfs', size: '+2G' }));
    expect([grow.type, grow.exitstatus]).toEqual(['resize', 'OK']);
    expect(String(sim.state.vm(317)!.config.rootfs)).toContain('size=14G');
    expect(String(sim.state.vm(317)!.config.mp0)).toContain('size=16G');
    expect((await task(a.put(ct(317, '/resize'), { disk: 'mp0', size: '20G' }))).exitstatus).toBe('OK');
    expect(String(sim.state.vm(317)!.config.mp0)).toContain('size=20G');
    expect((await task(a.put(ct(317, '/resize'), { disk: 'mp0', size: '1G' }))).exitstatus).toBe('unable to shrink disk size');
    expect((await a.put(ct(317, '/resize'), { disk: 'mp5', size: '+1G' })).status).toBe(500);
  });
});

describe('pct migrate, clone, destroy', () => {
  it('migrates a running CT only in restart mode; online fails in the task', async () => {
    const from = nodeOf(316);
    const to = from === 'pve1' ? 'pve2' : 'pve1';
    expect(sim.state.vm(316)!.status).toBe('running');
    const plain = await a.post(ct(316, '/migrate'), { target: to });
    expect(plain.body!.message).toContain("can't migrate running container without --online or --restart");
    const online = await task(a.post(ct(316, '/migrate'), { target: to, online: '1' }));
    expect([online.type, online.exitstatus]).toEqual(['vzmigrate', 'lxc live migration is currently not implemented']);
    expect(nodeOf(316)).toBe(from);
    const moved = await task(a.post(ct(316, '/migrate'), { target: to, restart: '1' }));
    expect([moved.type, moved.exitstatus]).toEqual(['vzmigrate', 'OK']);
    expect(sim.state.vm(316)).toMatchObject({ node: to, status: 'running' });
    expect(sim.state.vm(316)!.lock).toBeUndefined();
  });

  it('clones (full from a stopped CT, refused from a running one without a snapshot) and destroys', async () => {
    expect(sim.state.vm(314)!.status).toBe('running');
    const running = await a.post(ct(314, '/clone'), { newid: '900' });
    expect(running.body!.message).toContain('Cannot do full clones on a running container without snapshots');
    const src = 317;
    expect(sim.state.vm(src)!.status).toBe('stopped');
    const clone = await task(a.post(ct(src, '/clone'), { newid: '901', hostname: 'ct-copy', full: '1' }));
    expect([clone.type, clone.exitstatus]).toEqual(['vzclone', 'OK']);
    const copy = sim.state.vm(901)!;
    expect(copy).toMatchObject({ type: 'lxc', name: 'ct-copy', status: 'stopped' });
    expect(String(copy.config.rootfs)).toContain('subvol-901-disk-0');
    expect(copy.lock).toBeUndefined();
    expect((await a.post(ct(src, '/clone'), { newid: '901' })).status).toBe(500);

    const gone = await task(a.del(`/nodes/${copy.node}/lxc/901`));
    expect([gone.type, gone.exitstatus]).toEqual(['vzdestroy', 'OK']);
    expect(sim.state.vm(901)).toBeUndefined();
  });

  it('refuses to destroy a running CT and an HA resource without purge', async () => {
    const up = sim.state.vms().find((v) => v.type === 'lxc' && v.status === 'running' && !v.tags.includes('ha'))!;
    const r = await a.del(`/nodes/${up.node}/lxc/${up.vmid}`);
    expect(r.body!.message).toContain(`unable to destroy CT ${up.vmid} - container is running`);
    const ha = await a.del(ct(311));
    expect(ha.body!.message).toContain('used in HA resources and purge parameter not set');
    expect(sim.state.vm(311)).toBeDefined();
  });
});
