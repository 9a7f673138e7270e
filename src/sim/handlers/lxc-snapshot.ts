// pct snapshots (pve-container API2/LXC/Snapshot.pm over PVE::AbstractConfig): create (vzsnapshot), delete
// (vzdelsnapshot), rollback (vzrollback, which stops a running CT first and starts it again only with start=1;
// a CT snapshot holds no RAM); 'vzdump' is a reserved name too.
import { LXC_GUEST } from './guest.js';
import { guestSnapshotHandlers } from './guest-snapshot.js';

export const lxcSnapshotHandlers = guestSnapshotHandlers({
  guest: LXC_GUEST,
  tasks: { create: 'vzsnapshot', delete: 'vzdelsnapshot', rollback: 'vzrollback' },
  reservedNames: ['current', 'pending', 'vzdump'],
  snapshottedLog: (vm) => `create snapshot of rootfs (${String(vm.config.rootfs ?? '').split(',')[0]})`,
  rollbackDropsPending: false,
  stoppingLog: (vm) => `stopping CT ${vm.vmid} before the rollback`,
  startingLog: (vm) => `starting CT ${vm.vmid}`,
});
