// Inspection tools: VMs, one VM, selector previews, nodes, tags. Answers stay small on any cluster size:
// compact rows, pages with totals and counts by status.
import { zeroMatchHints } from '../selector-hints.js';
import { z } from 'zod';
import { countByStatus } from '../../src/inventory/summary.js';
import type { Vm } from '../../src/inventory/model.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import { selectionOf, selectionShape, snapshotFields, snapshotValues, statusCountsSchema, vmRowSchema, type SelectionArgs } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

const EXTRA_FIELDS = ['type', 'template', 'lock', 'pool', 'cpu', 'maxcpu', 'mem', 'maxmem', 'disk', 'maxdisk', 'uptime'] as const;
type ExtraField = (typeof EXTRA_FIELDS)[number];
const SORTS = ['vmid', 'name', 'node', 'status', 'cpu', 'mem', 'uptime'] as const;
type SortKey = (typeof SORTS)[number];

const MB = 2 ** 20;

export function vmRow(vm: Vm, fields: readonly ExtraField[] = []): z.infer<typeof vmRowSchema> {
  const row: z.infer<typeof vmRowSchema> = { vmid: vm.vmid, name: vm.name, node: vm.node, status: vm.status, tags: vm.tags };
  for (const f of fields) {
    if (f === 'cpu') row.cpuPercent = Math.round(vm.cpu * 1000) / 10;
    else if (f === 'mem' || f === 'maxmem' || f === 'disk' || f === 'maxdisk') row[`${f}Mb`] = Math.round(vm[f] / MB);
    else if (f === 'lock' || f === 'pool') row[f] = vm[f] ?? null;
    else row[f] = vm[f];
  }
  return row;
}

/** One line per VM, for clients that show the model only the text. */
export function vmLine(vm: Vm): string {
  return `${vm.vmid} ${vm.name} ${vm.node} ${vm.status}${vm.tags.length ? ` [${vm.tags.join(',')}]` : ''}`;
}

function sortVms(vms: Vm[], by: SortKey): Vm[] {
  // cpu, mem and uptime: highest first, as one looks for the busiest guests.
  const key = (v: Vm): string | number => (by === 'cpu' ? -v.cpu : by === 'mem' ? -v.mem : by === 'uptime' ? -v.uptime : v[by]);
  return [...vms].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return c || a.vmid - b.vmid;
  });
}

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
}

export function vmTools(ctx: ToolContext): AnyToolSpec[] {
  const listVms = defineTool({
    name: 'list_vms',
    title: 'List VMs',
    description: 'Find guests: paged rows (vmid, name, node, status, tags), total and counts by status; resolve_selector previews what an action would touch.',
    input: {
      ...selectionShape,
      fields: z.array(z.enum(EXTRA_FIELDS)).optional().describe('extra columns (cpu in %, mem/disk in MB, uptime in s)'),
      sort: z.enum(SORTS).optional().describe('cpu, mem, uptime: highest first'),
      page: z.number().int().min(1).optional().describe('1-based page (default 1)'),
      limit: z.number().int().min(1).max(500).optional().describe('rows per page (default 50, at most 500)'),
    },
    output: {
      total: z.number().describe('VMs the selection matches'),
      page: z.number(),
      pages: z.number(),
      limit: z.number(),
      countsByStatus: statusCountsSchema,
      vms: z.array(vmRowSchema),
      warnings: z.array(z.string()),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      const { vms, warnings } = await ctx.core.resolve(selectionOf(args as SelectionArgs, 'all'));
      const limit = args.limit ?? 50;
      const pages = Math.max(1, Math.ceil(vms.length / limit));
      const page = args.page ?? 1;
      if (page > pages) throw new ToolInputError(`page ${page} is past the end: ${vms.length} VM(s) make ${pages} page(s) of ${limit}`);
      const shown = sortVms(vms, args.sort ?? 'vmid').slice((page - 1) * limit, page * limit);
      const counts = countByStatus(vms);
      const first = (page - 1) * limit + 1;
      const text = [
        `${vms.length} VM(s): ${countsText(counts)}.${vms.length ? ` Rows ${first}-${first + shown.length - 1}, page ${page} of ${pages}.` : ''}${page < pages ? ` Next: page ${page + 1}.` : ''}`,
        ...warnings.map((w) => `Warning: ${w.message}`),
      ].join('\n');
      return ok(text, { total: vms.length, page, pages, limit, countsByStatus: counts, vms: shown.map((v) => vmRow(v, args.fields ?? [])), warnings: warnings.map((w) => w.message) });
    },
  });

  const getVm = defineTool({
    name: 'get_vm',
    title: 'Get a VM',
    description: 'One VM or container in detail: config (passwords masked), snapshots with TTLs, recent PVE tasks.',
    input: { vmid: z.number().int().min(100).describe('the VM or container id, e.g. 8200 or 300') },
    output: {
      vm: vmRowSchema,
      config: z.record(z.string(), z.unknown()),
      snapshots: z.array(z.object(snapshotFields)),
      recentTasks: z.array(z.object({ upid: z.string(), type: z.string(), status: z.string().optional(), startedAt: z.string() })),
    },
    annotations: READS_CLUSTER,
    run: async ({ vmid }) => {
      const inv = await ctx.core.inventory();
      const vm = inv.vms.find((v) => v.vmid === vmid);
      if (!vm) throw new ToolInputError(`VM ${vmid} does not exist in this cluster; list_vms or resolve_selector shows the ids`);
      // The VM as the inventory above has it: no further inventory reads.
      const [config, snapshots, tasks] = await Promise.all([
        ctx.core.getVmConfig(vm),
        ctx.core.listSnapshots(vm),
        ctx.core.listTasks({ limit: 500 }),
      ]);
      const recent = tasks.filter((t) => t.id === String(vmid)).slice(0, 10);
      const snaps = snapshots.map((s) => ({ ...snapshotValues(s), moxxieMade: s.moxxieMade }));
      const text = [
        `${vmLine(vm)}; ${vm.maxcpu} vCPU, ${Math.round(vm.maxmem / MB)} MB${vm.lock ? `; locked (${vm.lock})` : ''}.`,
        `${snaps.length} snapshot(s)${snaps.length ? `: ${snaps.map((s) => s.name).join(', ')}` : ''}.`,
        `${recent.length} recent task(s)${recent.length ? `: ${recent.slice(0, 5).map((t) => `${t.type} ${t.status ?? 'running'}`).join(', ')}` : ''}.`,
      ].join('\n');
      return ok(text, {
        vm: vmRow(vm, EXTRA_FIELDS),
        config,
        snapshots: snaps,
        recentTasks: recent.map((t) => ({ upid: t.upid, type: t.type, ...(t.status ? { status: t.status } : {}), startedAt: new Date(t.starttime * 1000).toISOString() })),
      });
    },
  });

  const resolveSelector = defineTool({
    name: 'resolve_selector',
    title: 'Preview a selector',
    description: 'Preview which VMs a selector matches before acting; says why when it matches nothing and what was probably meant.',
    input: { ...selectionShape, limit: z.number().int().min(1).max(500).optional().describe('rows (default 20); vmids lists up to 1000') },
    output: {
      total: z.number(),
      countsByStatus: statusCountsSchema,
      vmids: z.array(z.number()).describe('matching ids, at most 1000'),
      vmidsTruncated: z.boolean(),
      vms: z.array(vmRowSchema),
      warnings: z.array(z.string()),
      hints: z.array(z.string()).optional().describe('when nothing matches: why, and what was probably meant'),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      const selection = selectionOf(args as SelectionArgs);
      const { vms, warnings } = await ctx.core.resolve(selection);
      const limit = args.limit ?? 20;
      const counts = countByStatus(vms);
      const hints = vms.length ? [] : zeroMatchHints(selection, (await ctx.core.resolve('all')).vms);
      const text = [
        `${vms.length} VM(s) match: ${countsText(counts)}.`,
        ...hints,
        ...(vms.length ? [`Rows: the first ${Math.min(limit, vms.length)} in structuredContent.vms, every id (up to 1000) in vmids.`] : []),
        ...warnings.map((w) => `Warning: ${w.message}`),
      ].join('\n');
      return ok(text, {
        total: vms.length,
        countsByStatus: counts,
        vmids: vms.slice(0, 1000).map((v) => v.vmid),
        vmidsTruncated: vms.length > 1000,
        vms: vms.slice(0, limit).map((v) => vmRow(v)),
        warnings: warnings.map((w) => w.message),
        ...(hints.length ? { hints } : {}),
      });
    },
  });

  const listNodes = defineTool({
    name: 'list_nodes',
    title: 'List nodes',
    description: 'The cluster\'s nodes: online, CPU and memory use, guests running of total.',
    input: {},
    output: {
      nodes: z.array(
        z.object({ node: z.string(), status: z.string(), cpuPercent: z.number(), maxcpu: z.number(), memUsedMb: z.number(), memTotalMb: z.number(), guests: z.number(), running: z.number() }),
      ),
    },
    annotations: READS_CLUSTER,
    run: async () => {
      const inv = await ctx.core.inventory();
      const nodes = inv.nodes.map((n) => {
        const guests = inv.vms.filter((v) => v.node === n.node && !v.template);
        return {
          node: n.node,
          status: n.status,
          cpuPercent: Math.round(n.cpu * 1000) / 10,
          maxcpu: n.maxcpu,
          memUsedMb: Math.round(n.mem / MB),
          memTotalMb: Math.round(n.maxmem / MB),
          guests: guests.length,
          running: guests.filter((v) => v.status === 'running').length,
        };
      });
      const text = nodes.length
        ? nodes.map((n) => `${n.node}: ${n.status}${n.status === 'online' ? `, CPU ${n.cpuPercent}%, memory ${n.memUsedMb}/${n.memTotalMb} MB` : ''}, ${n.running}/${n.guests} guests running`).join('\n')
        : 'no nodes';
      return ok(text, { nodes });
    },
  });

  const listTags = defineTool({
    name: 'list_tags',
    title: 'List tags',
    description: 'Tags in use with VM counts; with tag, the VMs carrying it.',
    input: {
      tag: z.string().optional().describe('list the VMs carrying this tag'),
      limit: z.number().int().min(1).max(500).optional().describe('VM rows when tag is given (default 50)'),
    },
    output: {
      totalTags: z.number(),
      tags: z.array(z.object({ tag: z.string(), count: z.number() })).describe('at most 200, most used first'),
      vms: z.array(vmRowSchema).optional(),
      vmsTotal: z.number().optional(),
    },
    annotations: READS_CLUSTER,
    run: async ({ tag, limit }) => {
      const tags = await ctx.core.listTags();
      if (tag !== undefined) {
        const vms = await ctx.core.vmsWithTag(tag);
        const shown = vms.slice(0, limit ?? 50);
        const text = [`${vms.length} VM(s) tagged ${tag.toLowerCase()}${vms.length ? '' : `; tags in use: ${tags.slice(0, 20).map((t) => t.tag).join(', ')}`}.`, ...shown.map(vmLine)].join('\n');
        return ok(text, { totalTags: tags.length, tags: tags.filter((t) => t.tag === tag.toLowerCase()), vms: shown.map((v) => vmRow(v)), vmsTotal: vms.length });
      }
      const shown = tags.slice(0, 200);
      return ok(`${tags.length} tag(s): ${shown.map((t) => `${t.tag} (${t.count})`).join(', ')}`, { totalTags: tags.length, tags: shown });
    },
  });

  return [listVms, getVm, resolveSelector, listNodes, listTags];
}
