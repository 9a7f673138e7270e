// Making containers: `POST /containers` onto ct.create. The body is the capability's own schema; the root
// password is never echoed (the operation records the request without it).
import { ctCreate } from '../../src/ops/capabilities/ct-create.js';
import type { CapabilityRoute } from '../route-table.js';

const createContainer: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/containers',
  summary: 'Create a container from an OS template (vztmpl): hostname, root disk, NICs (bridge, ip, gw, VLAN tag), cores, memory, swap, unprivileged, features, SSH keys, root password (never echoed)',
  group: 'VMs',
  kind: 'ct.create',
  long: true,
  single: true,
  body: ctCreate.schema,
  request: ({ body }) => body,
};

export const containerRoutes = [createContainer];
