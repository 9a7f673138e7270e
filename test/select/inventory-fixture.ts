// A small hand-built inventory for the pure selector tests: every case the selectors must tell apart.
import type { Inventory, Vm } from '../../src/inventory/model.js';

export function vm(vmid: number, name: string, tags: string[], extra: Partial<Vm> = {}): Vm {
  return { vmid, name, node: 'pve1', type: 'qemu', status: 'running', template: false, tags, cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, disk: 0, maxdisk: 1, uptime: 0, ...extra };
}

export const inv: Inventory = {
  fetchedAt: 0,
  storages: [],
  nodes: [
    { node: 'pve1', status: 'online', cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, uptime: 1 },
    { node: 'pve2', status: 'offline', cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, uptime: 0 },
    { node: 'pve3', status: 'online', cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, uptime: 1 },
  ],
  vms: [
    vm(100, 'web-01', ['env-prod', 'client-acme', 'web']),
    vm(101, 'web-02', ['env-dev', 'client-acme', 'web', 'always-on']),
    vm(102, 'db-01', ['env-prod', 'client-nixz', 'always-on'], { status: 'stopped', node: 'pve3' }),
    vm(103, 'Mon.Example.com', ['team.ops', 'net+edge'], { node: 'pve3', pool: 'ops' }),
    vm(300, 'ct-dns', ['lxc', 'env-prod'], { type: 'lxc' }),
    vm(8200, 'workshop-wk-01', ['workshop', 'moxxie'], { node: 'pve2', status: 'unknown' }),
    vm(8201, 'workshop-wk-02', ['workshop', 'moxxie'], { pool: 'workshop' }),
    vm(8202, 'workshop-wk-03', ['workshop', 'moxxie', 'always-on'], { status: 'stopped', pool: 'workshop' }),
    vm(9001, 'debian-12-template', ['template', 'env-prod'], { template: true, status: 'stopped' }),
    vm(9002, 'talos-template', ['template'], { template: true, status: 'stopped', node: 'pve2' }),
  ],
};

export const ids = (r: { vms: Vm[] }): number[] => r.vms.map((v) => v.vmid);
