// qemu snapshots (qemu-server over PVE::AbstractConfig): a snapshot may save a running VM's RAM (vmstate) and
// a rollback to it resumes the VM; a template cannot be rolled back; the rollback drops pending changes.
import { SimApiError } from '../api-error.js';
import { QEMU_GUEST } from './guest.js';
import { guestSnapshotHandlers } from './guest-snapshot.js';

export const qemuSnapshotHandlers = guestSnapshotHandlers({
  guest: QEMU_GUEST,
  tasks: { create: 'qmsnapshot', delete: 'qmdelsnapshot', rollback: 'qmrollback' },
  reservedNames: ['current', 'pending'],
  vmstate: { savingLog: (vm) => `saving VM state and RAM using storage '${String(vm.config.vmstatestorage ?? 'local-zfs')}'` },
  snapshottedLog: (vm) => `snapshotting 'drive-scsi0' (${String(vm.config.scsi0 ?? '').split(',')[0]})`,
  refuseRollback: (vm) => {
    if (vm.config.template) throw new SimApiError(500, "you can't rollback if vm is a template");
  },
  rollbackDropsPending: true,
  stoppingLog: (vm) => `VM ${vm.vmid} is running - stopping it before the rollback`,
  startingLog: (vm) => `starting VM ${vm.vmid}`,
});
