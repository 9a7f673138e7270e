// Demo containers beside the fixed ones (300-302): two per node (ids 310 up), half of them running, some
// with snapshots and a vzdump-lxc backup, one an HA resource (tag `ha`). Built without the generator's
// random stream, so the rest of a seed's inventory stays exactly as it was.
import type { SimConfig, SimNodeRecord, SimVmRecord, SimVolumeRecord } from './model.js';

const GiB = 1024 ** 3;
const ROLES = ['nginx', 'redis', 'dns', 'git', 'grafana', 'mqtt', 'ldap', 'ntp'];

export function demoContainers(nodes: SimNodeRecord[], now: number): { vms: SimVmRecord[]; volumes: SimVolumeRecord[] } {
  const vms: SimVmRecord[] = [];
  const volumes: SimVolumeRecord[] = [];
  const count = 2 * nodes.length;
  for (let i = 0; i < count; i++) {
    const vmid = 310 + i;
    const node = nodes[i % nodes.length].node;
    const hostname = `ct-${ROLES[i % ROLES.length]}-${String(Math.floor(i / ROLES.length) + 1).padStart(2, '0')}`;
    const running = i % 2 === 0;
    const tags = ['lxc', i % 3 === 0 ? 'env-prod' : 'env-dev', ...(i === 1 ? ['ha'] : []), ...(i % 4 === 2 ? ['maint-ok'] : [])].sort();
    const config: SimConfig = {
      hostname,
      arch: 'amd64',
      ostype: 'debian',
      cores: 1 + (i % 2),
      memory: 512 * (1 + (i % 3)),
      swap: 512,
      rootfs: `local-zfs:subvol-${vmid}-disk-0,size=${8 + 4 * (i % 3)}G`,
      net0: `name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:C0:${(0x10 + i).toString(16).toUpperCase()}:01,ip=dhcp,type=veth`,
      unprivileged: 1,
      features: 'nesting=1',
      onboot: running ? 1 : 0,
      tags: tags.join(';'),
    };
    if (i % 4 === 3) config.mp0 = `local-zfs:subvol-${vmid}-disk-1,mp=/srv/data,size=16G`;
    const vm: SimVmRecord = { vmid, node, type: 'lxc', state: running ? 'running' : 'stopped', config, snapshots: [], startedAt: running ? now - 3600 * (5 + i) : undefined, cpuLoad: 0.02 + (i % 5) / 50, memLoad: 0.2 + (i % 4) / 10 };
    if (i % 3 !== 2) {
      vm.snapshots.push({ name: 'pre-upgrade', description: 'before apt full-upgrade', snaptime: now - 86400 * (3 + i), vmstate: false, config: { ...config } });
      if (i % 3 === 0) vm.snapshots.push({ name: `auto-${hostname}`.slice(0, 40), description: 'Automated daily snapshot (TTL: 24h)', snaptime: now - 3600 * 6, vmstate: false, parent: 'pre-upgrade', config: { ...config } });
      vm.parent = vm.snapshots.at(-1)?.name;
    }
    vms.push(vm);
    if (i % 2 === 0) {
      const ctime = now - 86400 * (1 + (i % 5));
      const stamp = new Date(ctime * 1000).toISOString().replace(/[-:]/g, '_').replace('T', '-').slice(0, 19);
      volumes.push({ volid: `backup-nfs:backup/vzdump-lxc-${vmid}-${stamp}.tar.zst`, storage: 'backup-nfs', content: 'backup', format: 'tar.zst', size: GiB, ctime, vmid, notes: hostname, config: { ...config }, subtype: 'lxc' });
    }
  }
  return { vms, volumes };
}
