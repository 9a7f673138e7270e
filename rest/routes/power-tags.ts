// Bulk power and tags: `POST /vms/power/bulk`, `GET /tags`, `GET /tags/{tag}/vms`, `POST /tags/bulk`.
import { z } from 'zod';
import { power } from '../../src/ops/capabilities/power.js';
import { tags as tagCapability } from '../../src/ops/capabilities/tags.js';
import { RequestError } from '../../src/ops/errors.js';
import { tagCounts, vmsWithTag } from '../../src/inventory/summary.js';
import type { CapabilityRoute, HandlerRoute } from '../route-table.js';
import { vmRow, vmRowSchema } from '../schemas.js';

const bulkPower: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/vms/power/bulk',
  summary: 'START, STOP, SHUTDOWN, REBOOT, SUSPEND or RESUME the selected VMs',
  group: 'Power',
  kind: 'power',
  long: true,
  body: power.schema,
  request: ({ body }) => body,
};

const listTags: HandlerRoute = {
  method: 'GET',
  url: '/tags',
  summary: 'Every tag in use, sorted',
  group: 'Tags',
  response: z.array(z.string()),
  async handle({ reads }) {
    return { body: tagCounts(await reads.fresh()).map((t) => t.tag).sort() };
  },
};

const tagParams = z.strictObject({ tag: z.string().min(1).max(128) });

const taggedVms: HandlerRoute<{ tag: string }> = {
  method: 'GET',
  url: '/tags/:tag/vms',
  summary: 'The VMs carrying a tag',
  group: 'Tags',
  params: tagParams,
  response: z.array(vmRowSchema),
  async handle({ reads }, { params }) {
    return { body: vmsWithTag(await reads.fresh(), params.tag).filter((vm) => vm.type === 'qemu').map(vmRow) };
  },
};

// The selection is in the query (the seed's form); the body is the tags capability's request without it.
const tagsBody = (tagCapability.schema as unknown as z.ZodObject).omit({ vmSelectors: true });

const bulkTags: CapabilityRoute<undefined, { namePattern?: string; vmIds?: string }, object> = {
  method: 'POST',
  url: '/tags/bulk',
  summary: 'ADD, REMOVE or REPLACE tags on the VMs a namePattern or vmIds query selects',
  group: 'Tags',
  kind: 'tags',
  // A config write per VM: quick, so it answers when done unless ?wait=false.
  long: false,
  queryFields: {
    namePattern: z.string().optional().describe('a name glob, e.g. workshop-*'),
    vmIds: z.string().optional().describe('ids and ranges, e.g. 8200,8201,8202'),
  },
  body: tagsBody,
  request: ({ query, body }) => {
    if ((query.namePattern === undefined) === (query.vmIds === undefined)) {
      throw new RequestError('query.namePattern', 'give exactly one of namePattern (a name glob) or vmIds (ids and ranges) in the query, e.g. /tags/bulk?vmIds=8200,8201');
    }
    const vmSelectors = [query.vmIds !== undefined ? { type: 'VM_IDS', value: query.vmIds } : { type: 'NAME_PATTERN', value: query.namePattern }];
    return { vmSelectors, ...body };
  },
};

export const powerTagRoutes = [bulkPower, listTags, taggedVms, bulkTags];
