// Guest status fields beyond the resource figures: what a running qemu VM's status/current adds from QMP
// (vmstatus($vmid, 1): balloon, ballooninfo, freemem, blockstat, nics, proxmox-support), and the fields
// PVE 9 added (memhost, the PSI pressure figures from the guest's cgroup).
import type { SimCluster } from './cluster.js';
import type { SimVmRecord } from './model.js';
import { DRIVE_RE, isCdrom } from './vm-config.js';

/** PVE 9: PSI pressure (share of time stalled, 0..1) for a guest's cgroup; none on 8.4. */
export function pressureFields(sim: SimCluster, vm: SimVmRecord, qemu: boolean): Record<string, number> {
  if (!sim.profile.pressureFields) return {};
  const running = vm.state !== 'stopped' && sim.isOnline(vm.node);
  const f = (scale: number) => (running ? Math.round(vm.cpuLoad * scale * 10000) / 10000 : 0);
  return {
    pressurecpusome: f(0.05),
    ...(qemu ? { pressurecpufull: f(0.01) } : {}),
    pressureiosome: f(0.02),
    pressureiofull: f(0.01),
    pressurememorysome: f(0.005),
    pressurememoryfull: f(0.001),
  };
}

/** PVE 9: the memory the qemu process takes on the host (RSS), besides the guest's own view `mem`. */
export function memhostField(sim: SimCluster, vm: SimVmRecord, mem: number): Record<string, number> {
  if (!sim.profile.pressureFields || vm.type !== 'qemu') return {};
  return { memhost: vm.state === 'stopped' ? 0 : Math.floor(mem * 1.05) + 64 * 1024 ** 2 };
}

/** What QMP adds to a running VM's status/current. */
export function runningQemuStatus(vm: SimVmRecord, maxmem: number, mem: number): Record<string, unknown> {
  if (vm.state === 'stopped') return {};
  const balloonOn = String(vm.config.balloon ?? '') !== '0';
  const blockstat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vm.config)) {
    if (!DRIVE_RE.test(k) || isCdrom(String(v))) continue;
    blockstat[k] = {
      rd_bytes: vm.vmid * 4096, wr_bytes: vm.vmid * 2048, rd_operations: vm.vmid * 4, wr_operations: vm.vmid * 2, flush_operations: vm.vmid,
      rd_total_time_ns: 0, wr_total_time_ns: 0, flush_total_time_ns: 0, idle_time_ns: 1_000_000, failed_rd_operations: 0, failed_wr_operations: 0,
      invalid_rd_operations: 0, invalid_wr_operations: 0, unmap_bytes: 0, unmap_operations: 0, account_invalid: true, account_failed: true, timed_stats: [],
    };
  }
  const nics: Record<string, unknown> = {};
  for (const k of Object.keys(vm.config).filter((x) => /^net\d+$/.test(x))) {
    nics[`tap${vm.vmid}i${k.slice(3)}`] = { netin: vm.vmid * 1000, netout: vm.vmid * 700 };
  }
  const freemem = Math.max(0, maxmem - mem);
  return {
    ...(balloonOn ? { balloon: maxmem } : {}),
    ...(balloonOn
      ? { ballooninfo: { actual: maxmem, max_mem: maxmem, total_mem: maxmem, free_mem: freemem, mem_swapped_in: 0, mem_swapped_out: 0, major_page_faults: 100, minor_page_faults: 10000, last_update: 0 } }
      : {}),
    ...(balloonOn ? { freemem } : {}),
    blockstat,
    nics,
    'proxmox-support': { 'pbs-dirty-bitmap': true, 'pbs-dirty-bitmap-migration': true, 'pbs-dirty-bitmap-savevm': true, 'pbs-library-version': '1.5.1 (UNKNOWN)', 'pbs-masterkey': true, 'query-bitmap-info': true, 'backup-fleecing': true, 'backup-max-workers': true },
  };
}
