// Inspection tools: VMs, one VM, selector previews, nodes, tags. Outputs stay small: pages with totals.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { countByStatus } from '../../src/inventory/summary.js';
import type { Vm } from '../../src/inventory/model.js';
import type { VmSelector } from '../../src/select/types.js';
import { selectionShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { guarded, ok } from '../tool-result.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const EXTRA_FIELDS = ['type', 'cpu', 'mem', 'maxmem', 'uptime', 'lock', 'template', 'pool'] as const;
const SORTS = ['vmid', 'name', 'node', 'status', 'cpu', 'mem'] as const;

const statusCounts = z.object({ running: z.number(), stopped: z.number(), paused: z.number(), suspended: z.number(), unknown: z.number() });
const vmRow = z.object({ vmid: z.number(), name: z.string(), node: z.string(), status: z.string(), tags: z.array(z.string()) }).catchall(z.unknown());

function row(vm: Vm, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { vmid: vm.vmid, name: vm.name, node: vm.node, status: vm.status, tags: vm.tags };
  for (const f of fields) {
    if (f === 'cpu') out.cpu = Math.round(vm.cpu * 1000) / 10;
    else if (f === 'lock') out.lock = vm.lock ?? null;
    else if (f === 'pool') out.pool = vm.pool ?? null;
    else out[f] = vm[f as keyof Vm];
  }
  return out;
}

function sortVms(vms: Vm[], by: (typeof SORTS)[number]): Vm[] {
  const key = (v: Vm): string | number => (by === 'cpu' ? -v.cpu : by === 'mem' ? -v.mem : v[by]);
  return [...vms].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return typeof x === 'number' && typeof y === 'number' ? x - y || a.vmid - b.vmid : String(x).localeCompare(String(y), undefined, { numeric: true }) || a.vmid - b.vmid;
  });
}

export function registerVmTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list_vms',
    {
      title: 'List VMs',
      description: 'List guests of the cluster, optionally filtered by a selector. Compact rows (vmid, name, node, status, tags) by default; paged, with totals and counts by status.',
      inputSchema: {
        ...selectionShape,
        fields: z.array(z.enum(EXTRA_FIELDS)).optional().describe('extra columns to include'),
        sort: z.enum(SORTS).optional().describe('sort order (cpu and mem: highest first)'),
        page: z.number().int().min(1).optional().describe('1-based page (default 1)'),
        limit: z.number().int().min(1).max(500).optional().describe('rows per page (default 50)'),
      },
      outputSchema: { total: z.number(), page: z.number(), limit: z.number(), pages: z.number(), countsByStatus: statusCounts, vms: z.array(vmRow), warnings: z.array(z.string()) },
      annotations: READ,
    },
    (args) =>
      guarded(async () => {
        const selection: VmSelector[] | string = args.selector ?? (args.vmSelectors?.length ? (args.vmSelectors as VmSelector[]) : 'all');
        const { vms, warnings } = await ctx.core.resolve(selection);
        const limit = args.limit ?? 50;
        const page = args.page ?? 1;
        const sorted = sortVms(vms, args.sort ?? 'vmid');
        const rows = sorted.slice((page - 1) * limit, page * limit).map((v) => row(v, args.fields ?? []));
        const pages = Math.max(1, Math.ceil(vms.length / limit));
        const counts = countByStatus(vms);
        const text = `${vms.length} VM(s) (${Object.entries(counts).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}); page ${page}/${pages}.${warnings.length ? ` Warnings: ${warnings.map((w) => w.message).join('; ')}` : ''}`;
        return ok(text, { total: vms.length, page, limit, pages, countsByStatus: counts, vms: rows, warnings: warnings.map((w) => w.message) });
      }),
  );

  server.registerTool(
    'get_vm',
    {
      title: 'Get a VM',
      description: 'One VM in detail: inventory row, PVE config (secrets masked by PVE), snapshots, and its recent tasks.',
      inputSchema: { vmid: z.number().int().min(100).describe('the VM id') },
      outputSchema: {
        vm: vmRow,
        config: z.record(z.string(), z.unknown()),
        snapshots: z.array(z.object({ name: z.string(), description: z.string(), snaptime: z.number().optional(), vmstate: z.boolean(), ttlHours: z.number().optional(), expiresAt: z.number().optional(), moxxieMade: z.boolean() })),
        recentTasks: z.array(z.object({ upid: z.string(), type: z.string(), status: z.string().optional(), starttime: z.number() })),
      },
      annotations: READ,
    },
    ({ vmid }) =>
      guarded(async () => {
        const inv = await ctx.core.inventory();
        const vm = inv.vms.find((v) => v.vmid === vmid);
        if (!vm) throw new Error(`VM ${vmid} does not exist in this cluster; list_vms shows the ids`);
        const [config, snapshots, tasks] = await Promise.all([ctx.core.getVmConfig(vmid), vm.type === 'qemu' ? ctx.core.listSnapshots(vmid) : Promise.resolve([]), ctx.core.listTasks({ limit: 500 })]);
        const recent = tasks.filter((t) => t.id === String(vmid)).slice(0, 10).map((t) => ({ upid: t.upid, type: t.type, status: t.status, starttime: t.starttime }));
        const snaps = snapshots.map((s) => ({ name: s.name, description: s.description, snaptime: s.snaptime, vmstate: s.vmstate, ttlHours: s.ttlHours, expiresAt: s.expiresAt, moxxieMade: s.moxxieMade }));
        return ok(`${vm.vmid} ${vm.name} on ${vm.node}: ${vm.status}; ${snaps.length} snapshot(s); tags ${vm.tags.join(', ') || '(none)'}`, {
          vm: row(vm, EXTRA_FIELDS),
          config,
          snapshots: snaps,
          recentTasks: recent,
        });
      }),
  );

  server.registerTool(
    'resolve_selector',
    {
      title: 'Preview a selector',
      description: 'Show which VMs a selector matches, with warnings (unknown ids, offline nodes). Use it before a bulk action.',
      inputSchema: { ...selectionShape, limit: z.number().int().min(1).max(500).optional() },
      outputSchema: { total: z.number(), vmids: z.array(z.number()), vms: z.array(vmRow), warnings: z.array(z.string()) },
      annotations: READ,
    },
    (args) =>
      guarded(async () => {
        const selection: VmSelector[] | string = args.selector ?? (args.vmSelectors as VmSelector[] | undefined) ?? 'all';
        const { vms, warnings } = await ctx.core.resolve(selection);
        const limit = args.limit ?? 50;
        return ok(`${vms.length} VM(s) match${vms.length ? `: ${vms.slice(0, 20).map((v) => `${v.vmid} ${v.name}`).join(', ')}${vms.length > 20 ? ', …' : ''}` : ''}.${warnings.length ? ` Warnings: ${warnings.map((w) => w.message).join('; ')}` : ''}`, {
          total: vms.length,
          vmids: vms.map((v) => v.vmid).slice(0, 1000),
          vms: vms.slice(0, limit).map((v) => row(v, [])),
          warnings: warnings.map((w) => w.message),
        });
      }),
  );

  server.registerTool(
    'list_nodes',
    {
      title: 'List nodes',
      description: 'Cluster nodes with status, load and guest counts.',
      inputSchema: {},
      outputSchema: { nodes: z.array(z.object({ node: z.string(), status: z.string(), cpuPercent: z.number(), memUsedMb: z.number(), memTotalMb: z.number(), guests: z.number() })) },
      annotations: READ,
    },
    () =>
      guarded(async () => {
        const inv = await ctx.core.inventory();
        const nodes = inv.nodes.map((n) => ({
          node: n.node,
          status: n.status,
          cpuPercent: Math.round(n.cpu * 1000) / 10,
          memUsedMb: Math.round(n.mem / 2 ** 20),
          memTotalMb: Math.round(n.maxmem / 2 ** 20),
          guests: inv.vms.filter((v) => v.node === n.node).length,
        }));
        return ok(nodes.map((n) => `${n.node}: ${n.status}, ${n.guests} guests`).join('\n'), { nodes });
      }),
  );

  server.registerTool(
    'list_tags',
    {
      title: 'List tags',
      description: 'Every tag in use with the number of VMs carrying it; with `tag`, the VMs that carry it.',
      inputSchema: { tag: z.string().optional().describe('list the VMs with this tag') },
      outputSchema: { tags: z.array(z.object({ tag: z.string(), count: z.number() })), vms: z.array(vmRow).optional() },
      annotations: READ,
    },
    ({ tag }) =>
      guarded(async () => {
        const tags = await ctx.core.listTags();
        if (tag) {
          const vms = await ctx.core.vmsWithTag(tag);
          return ok(`${vms.length} VM(s) tagged ${tag}`, { tags: tags.filter((t) => t.tag === tag.toLowerCase()), vms: vms.slice(0, 200).map((v) => row(v, [])) });
        }
        return ok(tags.slice(0, 50).map((t) => `${t.tag} (${t.count})`).join(', '), { tags });
      }),
  );
}
