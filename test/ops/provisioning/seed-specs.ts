// The seed's cluster bodies for run tests: verbatim, except the seed's "ssh-ed25519 AAAAC3... user@example"
// placeholder (which PVE refuses, and so does the plan) replaced by a real public key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';
/** The small VM the run tests provision: one 10 GiB disk, one NIC, cloned from template 9001 with cloud-init (DHCP). */
export const SMALL_VM_TEMPLATE = {
  cores: 1,
  memoryMB: 1024,
  disks: [{ diskInterface: 'SCSI', slot: 0, storage: 'local-zfs', sizeGB: 10 }],
  networks: [{ model: 'virtio', bridge: 'vmbr0' }],
  imageSource: 'local-zfs:base-9001-disk-0',
  cloudInit: { user: 'debian', sshKeys: KEY, ipConfigPatterns: ['ip=dhcp'] },
};
export const specPath = (file: string): string => join(import.meta.dirname, file);
export const seedSpecText = (file: string): string => readFileSync(specPath(file), 'utf8').replace(/ssh-ed25519 AAAAC3\.\.\. [a-z@.]+/g, KEY);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const seedSpec = (file: string): Record<string, any> => JSON.parse(seedSpecText(file)) as Record<string, any>;
