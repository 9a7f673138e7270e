// VM reads and single-VM power: `GET /vms` with the seed's filters, `GET /vms/{id}`, and
// `POST /vms/{id}/start|stop|shutdown|reboot|suspend|resume` onto the power capability.
import { z } from 'zod';
import type { Vm } from '../../src/inventory/model.js';
import { POWER_ACTIONS, type PowerAction } from '../../src/ops/capabilities/power.js';
import { boolField, intField } from '../../src/ops/request-schema.js';
import { nameMatcher } from '../../src/select/name-glob.js';
import { parseVmIds } from '../../src/select/vm-ids.js';
import type { Answer, CapabilityRoute, HandlerRoute, RouteInput } from '../route-table.js';
import type { QemuStatus } from '../../src/pve/endpoints/qemu.js';
import { queryInt, vmIdParam, vmRow, vmRowSchema, type VmRow } from '../schemas.js';
import { requireVm, withoutSecrets } from '../vm-lookup.js';
import { SharedAnswer } from '../shared-answer.js';
import { parseTags } from '../../src/inventory/inventory.js';
import { PveError } from '../../src/pve/errors.js';
import { RequestError } from '../../src/ops/errors.js';

const STATUSES = ['running', 'stopped', 'paused', 'suspended', 'unknown'] as const;

const listQuery = z.strictObject({
  tags: z.string().optional().describe('comma-separated; a VM must carry every one (AND), e.g. client-nixz,env-prod'),
  client: z.string().optional().describe('shorthand for the tag client-<name>'),
  node: z.string().optional(),
  status: z.enum(STATUSES, { error: (iss) => `'${String(iss.input)}' is not valid; use one of ${STATUSES.join(', ')}` }).optional(),
  vmIds: z.string().optional().describe('ids and ranges, e.g. 8200,8201 or 8200-8209'),
  namePattern: z.string().optional().describe('a name glob, e.g. workshop-*'),
  limit: queryInt(1, 100_000).optional().describe('at most this many rows (the X-Total-Count header has the total)'),
  offset: queryInt(0, 1_000_000_000).optional(),
});
type ListQuery = z.output<typeof listQuery>;

function tagList(q: ListQuery): string[] {
  const tags = (q.tags ?? '').split(',').map((t) => t.trim().toLowerCase());
  if (q.tags !== undefined && tags.some((t) => !t)) throw new RequestError('query.tags', `'${q.tags}' has an empty tag; give tags separated by commas, e.g. client-nixz,env-prod`);
  const wanted = q.tags === undefined ? [] : tags;
  if (q.client !== undefined) {
    if (!q.client.trim()) throw new RequestError('query.client', 'give a client name, e.g. client=nixz for the tag client-nixz');
    wanted.push(`client-${q.client.trim().toLowerCase()}`);
  }
  return wanted;
}

/** The seed's filters over one inventory read; every filter narrows (AND). */
export function filterVms(vms: readonly Vm[], q: ListQuery): Vm[] {
  const tags = tagList(q);
  const ids = q.vmIds !== undefined ? new Set(parseVmIds(q.vmIds, 'query.vmIds')) : undefined;
  const name = q.namePattern !== undefined ? nameMatcher(q.namePattern, 'query.namePattern') : undefined;
  return vms.filter(
    (vm) =>
      vm.type === 'qemu' &&
      (!ids || ids.has(vm.vmid)) &&
      (!name || name(vm.name)) &&
      (q.node === undefined || vm.node === q.node) &&
      (q.status === undefined || vm.status === q.status) &&
      tags.every((t) => vm.tags.includes(t)),
  );
}

const listVms: HandlerRoute<undefined, ListQuery> = {
  method: 'GET',
  url: '/vms',
  summary: 'List VMs (templates included, marked template: true); filters combine with AND',
  group: 'VMs',
  query: listQuery,
  response: z.array(vmRowSchema),
  async handle({ reads }, { query }) {
    const inventory = await reads.fresh();
    // Requests that shared one inventory read and ask the same share one answer (200 clients polling the list).
    let answers = reads.answers.get(inventory);
    if (!answers) reads.answers.set(inventory, (answers = new Map()));
    const key = JSON.stringify(query);
    let answer = answers.get(key);
    if (!answer) {
      const vms = filterVms(inventory.vms, query);
      const offset = query.offset ?? 0;
      const page = vms.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
      answer = new SharedAnswer(Buffer.from(JSON.stringify(page.map(vmRow))), { 'x-total-count': String(vms.length) });
      answers.set(key, answer);
    }
    return { shared: answer };
  },
};

/** A VM's row from its own status/current (the live figures) where the last read saw it. */
function rowFromStatus(known: Vm, s: QemuStatus): VmRow {
  return vmRow({
    ...known,
    name: s.name ?? known.name,
    status: s.qmpstatus === 'paused' ? 'paused' : s.status,
    template: Number(s.template) === 1,
    tags: parseTags(s.tags),
    lock: s.lock || undefined,
    cpu: s.cpu ?? 0,
    maxcpu: s.cpus ?? known.maxcpu,
    mem: s.mem ?? 0,
    maxmem: s.maxmem ?? known.maxmem,
    maxdisk: s.maxdisk ?? known.maxdisk,
    uptime: s.uptime ?? 0,
  });
}

/** The answer: the row, with name, tags and lock from the config just read and the pool read now (what PVE has now). */
function vmAnswer(row: VmRow, config: Record<string, unknown>, pool: string | undefined): Answer {
  const out = { ...row, name: typeof config.name === 'string' ? config.name : row.name, tags: parseTags(config.tags === undefined ? undefined : String(config.tags)) };
  if (config.lock !== undefined) out.lock = String(config.lock);
  else delete out.lock;
  // The listed row's pool may be stale (a pool change does not touch the VM's config): read fresh.
  if (pool !== undefined) out.pool = pool;
  else delete out.pool;
  return { body: { ...out, config: withoutSecrets(config) } };
}

const getVm: HandlerRoute<{ id: number }> = {
  method: 'GET',
  url: '/vms/:id',
  summary: 'One VM: its inventory row and its PVE config (secrets left out)',
  group: 'VMs',
  params: vmIdParam,
  response: vmRowSchema.extend({ config: z.record(z.string(), z.unknown()) }),
  async handle({ core, reads }, { params }) {
    // Never the whole inventory when avoidable: a row from a read of the last 2 s (no change by this server
    // since) plus its config; else the VM's own status and config where it was last seen. PVE refuses those
    // if it has moved or gone: then one fresh read says where it is now, or that it does not exist.
    const recent = reads.recent(params.id);
    const known = recent ?? reads.lastKnown(params.id);
    if (known && known.type === 'qemu') {
      const ref = { vmid: known.vmid, node: known.node, type: known.type };
      try {
        if (recent) {
          const [config, pool] = await Promise.all([core.getVmConfig(ref), core.guestPool(ref.vmid)]);
          return vmAnswer(vmRow(recent), config, pool);
        }
        const [config, status, pool] = await Promise.all([core.getVmConfig(ref), core.getVmStatus(ref), core.guestPool(ref.vmid)]);
        return vmAnswer(rowFromStatus(known, status), config, pool);
      } catch (err) {
        if (!(err instanceof PveError)) throw err;
      }
    }
    const vm = await requireVm(reads, params.id, { notCached: known !== undefined });
    // The read just made has the pool as PVE has it now.
    return vmAnswer(vmRow(vm), await core.getVmConfig({ vmid: vm.vmid, node: vm.node, type: vm.type }), vm.pool);
  },
};

const powerBody = z.strictObject({
  force: boolField().optional().describe('override safe mode, PVE protection and always-on; SHUTDOWN: hard stop after the timeout; REBOOT: reset'),
  timeoutSeconds: intField(30, 3600).optional().describe('graceful timeout, 30-3600 (default 300)'),
  skipIfAlreadyInState: boolField().optional().describe('default true'),
  dryRun: boolField().optional(),
});
type PowerBody = z.output<typeof powerBody> | undefined;

function powerRoute(operation: PowerAction): CapabilityRoute<{ id: number }, unknown, PowerBody> {
  return {
    method: 'POST',
    url: `/vms/:id/${operation.toLowerCase()}`,
    summary: `${operation} one VM (the power capability)`,
    group: 'Power',
    kind: 'power',
    long: true,
    params: vmIdParam,
    body: powerBody.optional(),
    vm: ({ params }) => params.id,
    request: ({ params, body }: RouteInput<{ id: number }, unknown, PowerBody>) => ({
      vmSelectors: [{ type: 'VM_IDS', value: String(params.id) }],
      operation,
      ...body,
    }),
  };
}

export const vmRoutes = [listVms, getVm, ...POWER_ACTIONS.map(powerRoute)];
