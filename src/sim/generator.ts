// Deterministic inventory generator: the same seed always gives the same cluster, at any scale.
import { demoContainers } from './demo-containers.js';
import type { SimConfig, SimNodeRecord, SimPoolRecord, SimSnapshotRecord, SimStorageRecord, SimVmRecord, SimVolumeRecord } from './model.js';

export interface GeneratedCluster {
  nodes: SimNodeRecord[];
  storages: SimStorageRecord[];
  vms: SimVmRecord[];
  volumes: SimVolumeRecord[];
  pools: SimPoolRecord[];
}

export interface GeneratorOptions {
  seed: number;
  nodes: number;
  vms: number;
  /** Epoch seconds used as "now" for ages of snapshots and backups. */
  now: number;
  /** Two more containers per node (ids 310 up), beyond the guest budget. */
  containers?: boolean;
}

/** mulberry32: tiny, fast, good enough for synthetic data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GiB = 1024 ** 3;
const CLIENTS = ['acme', 'nixz', 'globex', 'initech', 'umbrella'];
const ROLES: Array<{ role: string; tags: string[] }> = [
  { role: 'web', tags: ['web'] },
  { role: 'api', tags: ['api'] },
  { role: 'db', tags: ['db', 'always-on'] },
  { role: 'cache', tags: ['cache'] },
  { role: 'k8s-cp', tags: ['k8s-controlplane'] },
  { role: 'k8s-worker', tags: ['k8s-worker'] },
  { role: 'mail', tags: ['mail', 'always-on'] },
  { role: 'ci-runner', tags: ['ci', 'maint-ok'] },
  { role: 'monitor', tags: ['monitoring', 'team.ops'] },
  { role: 'vpn', tags: ['net+edge'] },
];
const ENVS = ['env-prod', 'env-prod', 'env-dev', 'env-test'];

function mac(rand: () => number): string {
  const b = () => Math.floor(rand() * 256).toString(16).padStart(2, '0').toUpperCase();
  return `BC:24:11:${b()}:${b()}:${b()}`;
}

function tagString(tags: string[]): string {
  return [...new Set(tags.map((t) => t.toLowerCase()))].sort().join(';');
}

function qemuConfig(rand: () => number, vmid: number, name: string, tags: string[], diskGiB: number, extra: SimConfig = {}): SimConfig {
  const cores = [1, 2, 4, 8][Math.floor(rand() * 4)];
  const memory = [1024, 2048, 4096, 8192, 16384][Math.floor(rand() * 5)];
  const cfg: SimConfig = {
    name,
    memory: String(memory),
    cores,
    sockets: 1,
    cpu: 'x86-64-v2-AES',
    ostype: 'l26',
    scsihw: 'virtio-scsi-single',
    scsi0: `local-zfs:vm-${vmid}-disk-0,iothread=1,size=${diskGiB}G`,
    net0: `virtio=${mac(rand)},bridge=vmbr0,firewall=1`,
    boot: 'order=scsi0;net0',
    agent: 'enabled=1',
    onboot: rand() < 0.5 ? 1 : 0,
    meta: 'creation-qemu=9.0.2,ctime=1700000000',
    ...extra,
  };
  if (tags.length) cfg.tags = tagString(tags);
  return cfg;
}

export function generateCluster(opts: GeneratorOptions): GeneratedCluster {
  const rand = prng(opts.seed);
  const nodes: SimNodeRecord[] = [];
  for (let i = 1; i <= Math.max(1, opts.nodes); i++) {
    // The seed's examples use bridges vmbr0, workshop and wsdc1up; the uplink bridge exists on the first two nodes only.
    const bridges = i <= 2 ? ['vmbr0', 'workshop', 'wsdc1up'] : ['vmbr0', 'workshop'];
    nodes.push({ node: `pve${i}`, online: true, maxcpu: 32, maxmem: 256 * GiB, maxdisk: 100 * GiB, bootedAt: opts.now - 86400 * (10 + i), bridges });
  }
  const storages: SimStorageRecord[] = [
    { storage: 'local', type: 'dir', content: ['iso', 'vztmpl', 'backup', 'import'], shared: false, total: 100 * GiB, path: '/var/lib/vz' },
    { storage: 'local-zfs', type: 'zfspool', content: ['images', 'rootdir'], shared: false, total: 2000 * GiB },
    { storage: 'backup-nfs', type: 'nfs', content: ['backup'], shared: true, total: 8000 * GiB, path: '/mnt/pve/backup-nfs' },
    { storage: 'util-iso', type: 'nfs', content: ['iso', 'import', 'vztmpl'], shared: true, total: 500 * GiB, path: '/mnt/pve/util-iso' },
    // Shared VM disks: cross-node clones and migrations onto shared storage.
    { storage: 'ceph-vm', type: 'rbd', content: ['images'], shared: true, total: 4000 * GiB },
  ];
  const volumes: SimVolumeRecord[] = [
    { volid: 'util-iso:iso/debian-12.7.0-amd64-netinst.iso', storage: 'util-iso', content: 'iso', format: 'iso', size: 660 * 1024 ** 2, ctime: opts.now - 86400 * 40 },
    { volid: 'util-iso:import/debian-12-generic-amd64.qcow2', storage: 'util-iso', content: 'import', format: 'qcow2', size: 2 * GiB, ctime: opts.now - 86400 * 30 },
    { volid: 'util-iso:import/debian-12-cloud.qcow2', storage: 'util-iso', content: 'import', format: 'qcow2', size: 2 * GiB, ctime: opts.now - 86400 * 30 },
    { volid: 'util-iso:import/talos-amd64.qcow2', storage: 'util-iso', content: 'import', format: 'qcow2', size: GiB, ctime: opts.now - 86400 * 20 },
    { volid: 'util-iso:iso/talos-v1.8.3-amd64.iso', storage: 'util-iso', content: 'iso', format: 'iso', size: 100 * 1024 ** 2, ctime: opts.now - 86400 * 20 },
    { volid: 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', storage: 'util-iso', content: 'vztmpl', format: 'tzst', size: 120 * 1024 ** 2, ctime: opts.now - 86400 * 50 },
  ];
  const pools: SimPoolRecord[] = [{ poolid: 'kubernetes', comment: 'Kubernetes clusters' }, { poolid: 'workshop', comment: 'Workshop lab VMs' }];
  const vms: SimVmRecord[] = [];
  const used = new Set<number>();
  const nodeFor = (i: number) => nodes[i % nodes.length].node;
  const add = (vm: SimVmRecord) => {
    used.add(vm.vmid);
    vms.push(vm);
  };
  const runState = (): 'running' | 'stopped' => (rand() < 0.7 ? 'running' : 'stopped');
  const base = (vmid: number, node: string, config: SimConfig, state: 'running' | 'stopped', extra: Partial<SimVmRecord> = {}): SimVmRecord => ({
    vmid,
    node,
    type: 'qemu',
    state,
    config,
    snapshots: [],
    startedAt: state === 'running' ? opts.now - Math.floor(rand() * 86400 * 20) - 60 : undefined,
    cpuLoad: rand() * 0.6,
    memLoad: 0.2 + rand() * 0.6,
    ...extra,
  });

  // Fixed guests the docs and the seed's examples refer to, when the cluster is big enough to hold them.
  const total = Math.max(0, opts.vms);
  let fixed = 0;
  if (total >= 20) {
    for (let t = 0; t < 2; t++) {
      const vmid = 9001 + t;
      const name = t === 0 ? 'debian-12-template' : 'talos-template';
      const extra: SimConfig = { template: 1, scsi0: `local-zfs:base-${vmid}-disk-0,size=2G`, ide2: `local-zfs:vm-${vmid}-cloudinit,media=cdrom`, ciuser: t === 0 ? 'debian' : 'talos', ipconfig0: 'ip=dhcp', description: t === 0 ? 'Debian 12 cloud image template' : 'Talos Linux template' };
      add(base(vmid, nodes[0].node, qemuConfig(rand, vmid, name, ['template'], 2, extra), 'stopped'));
    }
    for (let w = 0; w < 10; w++) {
      const vmid = 8200 + w;
      const name = `workshop-wk-${String(w + 1).padStart(2, '0')}`;
      const tags = ['workshop', 'env-test', 'moxxie', 'client-nixz'];
      if (w % 3 === 0) tags.push('maint-ok');
      if (w === 9) tags.push('always-on');
      add(base(vmid, nodeFor(w), qemuConfig(rand, vmid, name, tags, 20), w < 7 ? 'running' : 'stopped', { pool: 'workshop' }));
    }
    for (let c = 0; c < 3; c++) {
      const vmid = 300 + c;
      const name = ['ct-dns', 'ct-proxy', 'ct-backup'][c];
      add({
        ...base(vmid, nodeFor(c + 1), { hostname: name, memory: 512, cores: 1, rootfs: `local-zfs:subvol-${vmid}-disk-0,size=8G`, tags: tagString(['lxc', 'env-prod']) }, 'running'),
        type: 'lxc',
      });
    }
    fixed = vms.length;
    // The template the seed's clone examples name (after `fixed`, and built without the generator's random
    // numbers, so every other guest keeps its id, name and node).
    add({
      vmid: 9000,
      node: nodes[0].node,
      type: 'qemu',
      state: 'stopped',
      snapshots: [],
      cpuLoad: 0,
      memLoad: 0,
      config: {
        name: 'ubuntu-cloud-template',
        memory: '2048',
        cores: 2,
        sockets: 1,
        cpu: 'x86-64-v2-AES',
        ostype: 'l26',
        scsihw: 'virtio-scsi-single',
        scsi0: 'local-zfs:base-9000-disk-0,iothread=1,size=3G',
        ide2: 'local-zfs:vm-9000-cloudinit,media=cdrom',
        net0: 'virtio=BC:24:11:90:00:01,bridge=vmbr0,firewall=1',
        boot: 'order=scsi0;net0',
        agent: 'enabled=1',
        ciuser: 'ubuntu',
        ipconfig0: 'ip=dhcp',
        serial0: 'socket',
        vga: 'serial0',
        template: 1,
        tags: 'template',
        description: 'Ubuntu 24.04 cloud image template',
        meta: 'creation-qemu=9.0.2,ctime=1700000000',
        smbios1: 'uuid=5f0c3c1e-9000-4d2a-8a7e-000000009000',
        vmgenid: '7d3b1e2a-9000-4c11-9a2b-000000009000',
      },
    });
  }

  let vmid = 100;
  for (let i = 0; vms.length < total; i++) {
    while (used.has(vmid)) vmid++;
    const role = ROLES[i % ROLES.length];
    const env = ENVS[Math.floor(rand() * ENVS.length)];
    const client = CLIENTS[Math.floor(rand() * CLIENTS.length)];
    const n = Math.floor(i / ROLES.length) + 1;
    const name = `${role.role}-${client}-${String(n).padStart(2, '0')}`;
    const tags = [...role.tags, env, `client-${client}`];
    if (rand() < 0.35) tags.push('moxxie');
    if (rand() < 0.2) tags.push('maint-ok');
    const protectedVm = role.role === 'db' && env === 'env-prod';
    const cfg = qemuConfig(rand, vmid, name, tags, [16, 32, 64, 128][Math.floor(rand() * 4)], protectedVm ? { protection: 1 } : {});
    const vm = base(vmid, nodeFor(i + fixed), cfg, runState(), role.role.startsWith('k8s') ? { pool: 'kubernetes' } : {});
    // Some guests carry history: a hand-made snapshot, and moxxie-style ones with TTL markers.
    if (i % 7 === 0) {
      vm.snapshots.push(snapshot('pre-upgrade', 'before apt full-upgrade', opts.now - 86400 * 12, cfg));
    }
    if (i % 5 === 0) {
      const parent = vm.snapshots.at(-1)?.name;
      vm.snapshots.push(snapshot(`auto-${name}-old`.slice(0, 40), 'Automated daily snapshot (TTL: 24h)', opts.now - 86400 * 3, cfg, parent));
    }
    if (i % 11 === 0) {
      const parent = vm.snapshots.at(-1)?.name;
      vm.snapshots.push(snapshot('moxxie-fresh', 'Pre-maintenance snapshot (TTL: 168h)', opts.now - 3600, cfg, parent));
    }
    vm.parent = vm.snapshots.at(-1)?.name;
    add(vm);
    if (i % 6 === 0 && i < 2000) {
      const stamp = new Date((opts.now - 86400 * (1 + (i % 9))) * 1000).toISOString().replace(/[-:]/g, '_').replace('T', '-').slice(0, 19);
      volumes.push({
        volid: `backup-nfs:backup/vzdump-qemu-${vmid}-${stamp}.vma.zst`,
        storage: 'backup-nfs',
        content: 'backup',
        format: 'vma.zst',
        size: 3 * GiB,
        ctime: opts.now - 86400 * (1 + (i % 9)),
        vmid,
        notes: `${name}`,
        config: { ...cfg },
        subtype: 'qemu',
      });
    }
    vmid++;
  }
  // Beyond the guest budget, so the generated VMs (ids, nodes, tags) stay as they were.
  if (fixed && opts.containers) {
    const cts = demoContainers(nodes, opts.now);
    for (const ct of cts.vms) if (!used.has(ct.vmid)) add(ct);
    volumes.push(...cts.volumes.filter((v) => cts.vms.some((c) => c.vmid === v.vmid && vms.includes(c))));
  }
  vms.sort((a, b) => a.vmid - b.vmid);
  return { nodes, storages, vms, volumes, pools };
}

function snapshot(name: string, description: string, snaptime: number, config: SimConfig, parent?: string): SimSnapshotRecord {
  return { name: name.replace(/[^A-Za-z0-9_-]/g, '-'), description, snaptime, vmstate: false, parent, config: { ...config } };
}
