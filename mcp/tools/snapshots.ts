// list_snapshots: a VM's (or a selection's) snapshots. Creating, deleting and rolling back are the
// capability tools (mcp/capability-tools.ts).
import { z } from 'zod';
import type { SnapshotInfo } from '../../src/core.js';
import type { Vm } from '../../src/inventory/model.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import { selectionOf, selectionShape, snapshotFields, type SelectionArgs } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

/** Listing snapshots costs one PVE call per VM (and one inventory read per call): a selection is capped. */
const MAX_LIST_VMS = 50;

const snapshotRow = z.object({ vmid: z.number(), vmName: z.string(), ...snapshotFields, expired: z.boolean() });

function snapshotRowOf(vm: Vm, s: SnapshotInfo, nowSec: number): z.infer<typeof snapshotRow> {
  return {
    vmid: vm.vmid,
    vmName: vm.name,
    name: s.name,
    description: s.description,
    ...(s.snaptime !== undefined ? { snaptime: new Date(s.snaptime * 1000).toISOString() } : {}),
    vmstate: s.vmstate,
    ...(s.ttlHours !== undefined ? { ttlHours: s.ttlHours } : {}),
    ...(s.expiresAt !== undefined ? { expiresAt: new Date(s.expiresAt * 1000).toISOString() } : {}),
    expired: s.expiresAt !== undefined && s.expiresAt <= nowSec,
    moxxieMade: s.moxxieMade,
  };
}

export function snapshotTools(ctx: ToolContext): AnyToolSpec[] {
  const listSnapshots = defineTool({
    name: 'list_snapshots',
    title: 'List snapshots',
    description: `Snapshots of one VM (vmid) or of a selection of up to ${MAX_LIST_VMS} VMs, with TTL, expiry and whether moxxie made them (PVE's "current" entry left out).`,
    input: {
      vmid: z.number().int().min(100).optional().describe('one VM'),
      ...selectionShape,
      limit: z.number().int().min(1).max(500).optional().describe('rows to return (default 100)'),
    },
    output: {
      vmsScanned: z.number(),
      total: z.number(),
      snapshots: z.array(snapshotRow),
      omitted: z.number(),
      unreadable: z.array(z.object({ vmid: z.number(), error: z.string() })).describe('VMs whose snapshots could not be read (their node offline, …); the others are listed'),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      const given = [args.vmid !== undefined, args.selector !== undefined, args.vmSelectors !== undefined].filter(Boolean).length;
      if (given !== 1) throw new ToolInputError('give exactly one of vmid, selector or vmSelectors');
      let vms: Vm[];
      if (args.vmid !== undefined) {
        const vm = (await ctx.core.inventory()).vms.find((v) => v.vmid === args.vmid);
        if (!vm) throw new ToolInputError(`vmid: VM ${args.vmid} does not exist in this cluster; list_vms shows the ids`);
        vms = [vm];
      } else {
        // VMs and containers alike (a container's snapshots are read through pct's path).
        vms = (await ctx.core.resolve(selectionOf(args as SelectionArgs))).vms;
        if (vms.length > MAX_LIST_VMS) throw new ToolInputError(`the selection matches ${vms.length} VMs; list_snapshots reads at most ${MAX_LIST_VMS} (one PVE call each): narrow the selector`);
      }
      const nowSec = Date.now() / 1000;
      // The VMs as the inventory above has them: no second inventory read, and none per VM.
      const lists = await ctx.core.listSnapshotsOf(vms);
      const byId = new Map(vms.map((vm) => [vm.vmid, vm]));
      const rows = lists.flatMap((l) => l.snapshots.map((s) => snapshotRowOf(byId.get(l.vmid)!, s, nowSec)));
      const unreadable = lists.filter((l) => l.error !== undefined).map((l) => ({ vmid: l.vmid, error: l.error as string }));
      const shown = rows.slice(0, args.limit ?? 100);
      const text = [
        `${rows.length} snapshot(s) on ${vms.length - unreadable.length} VM(s).`,
        ...(rows.length ? [`Rows: ${shown.length} in structuredContent.snapshots${rows.length > shown.length ? ` (${rows.length - shown.length} more: raise limit)` : ''}.`] : []),
        ...unreadable.map((u) => `VM ${u.vmid}: its snapshots could not be read: ${u.error}`),
      ].join('\n');
      return ok(text, { vmsScanned: vms.length, total: rows.length, snapshots: shown, omitted: rows.length - shown.length, unreadable });
    },
  });

  return [listSnapshots];
}
