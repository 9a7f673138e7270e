// list_snapshots: a VM's (or a selection's) snapshots. Creating, deleting and rolling back are the
// capability tools (mcp/capability-tools.ts).
import { z } from 'zod';
import type { SnapshotInfo } from '../../src/core.js';
import type { Vm } from '../../src/inventory/model.js';
import { resolveSelection } from '../../src/ops/execute-operation.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import { selectionOf, selectionShape, snapshotFields, snapshotValues, type SelectionArgs } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

/** Listing snapshots costs one PVE call per VM (and one inventory read per call): a selection is capped. */
const MAX_LIST_VMS = 50;
/** withoutSnapshots answers one row per guest with none, not every snapshot: a whole cluster fits in one call. */
const MAX_WITHOUT_VMS = 10_000;

const snapshotRow = z.object({ vmid: z.number(), vmName: z.string(), ...snapshotFields, expired: z.boolean() });

function snapshotRowOf(vm: Vm, s: SnapshotInfo, nowSec: number): z.infer<typeof snapshotRow> {
  return {
    vmid: vm.vmid,
    vmName: vm.name,
    ...snapshotValues(s),
    expired: s.expiresAt !== undefined && s.expiresAt <= nowSec,
    moxxieMade: s.moxxieMade,
  };
}

export function snapshotTools(ctx: ToolContext): AnyToolSpec[] {
  const listSnapshots = defineTool({
    name: 'list_snapshots',
    title: 'List snapshots',
    description: `Snapshots of one guest (vmid) or up to ${MAX_LIST_VMS} selected, with TTL and expiry; names the guests left out. withoutSnapshots: which of up to ${MAX_WITHOUT_VMS} have none.`,
    input: {
      vmid: z.number().int().min(100).optional().describe('one VM'),
      ...selectionShape,
      limit: z.number().int().min(1).max(500).optional().describe('rows to return (default 100)'),
      withoutSnapshots: z.boolean().optional().describe('list the guests with no snapshot instead'),
    },
    output: {
      vmsScanned: z.number(),
      total: z.number(),
      snapshots: z.array(snapshotRow),
      omitted: z.number(),
      unreadable: z.array(z.object({ vmid: z.number(), error: z.string() })).describe('VMs whose snapshots could not be read (their node offline, …); the others are listed'),
      templatesLeftOut: z.number().describe('templates the selection left out (includeTemplates adds them)'),
      withoutSnapshots: z.array(z.object({ vmid: z.number(), name: z.string(), node: z.string(), type: z.string() })).optional(),
      withoutTotal: z.number().optional(),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      const given = [args.vmid !== undefined, args.selector !== undefined, args.vmSelectors !== undefined].filter(Boolean).length;
      if (given !== 1) throw new ToolInputError('give exactly one of vmid, selector or vmSelectors');
      let vms: Vm[];
      // One inventory read per call, whatever the selection (issue 11): the selection and the templates it left out come from it.
      const inventory = await ctx.core.inventory();
      if (args.vmid !== undefined) {
        const vm = inventory.vms.find((v) => v.vmid === args.vmid);
        if (!vm) throw new ToolInputError(`vmid: VM ${args.vmid} does not exist in this cluster; list_vms shows the ids`);
        vms = [vm];
      } else {
        // VMs and containers alike (a container's snapshots are read through pct's path).
        vms = resolveSelection(inventory, selectionOf(args as SelectionArgs)).vms;
        const cap = args.withoutSnapshots ? MAX_WITHOUT_VMS : MAX_LIST_VMS;
        if (vms.length > cap) throw new ToolInputError(`the selection matches ${vms.length} VMs; list_snapshots reads at most ${cap}${args.withoutSnapshots ? '' : ' (withoutSnapshots reads up to ' + MAX_WITHOUT_VMS + ')'}: narrow the selector`);
      }
      const selected = new Set(vms.map((v) => v.vmid));
      const templatesLeftOut = args.vmid !== undefined ? 0 : inventory.vms.filter((v) => v.template && !selected.has(v.vmid)).length;
      const leftOutText = templatesLeftOut ? [`Left out: ${templatesLeftOut} template(s) (includeTemplates adds them).`] : [];
      const nowSec = Date.now() / 1000;
      // The VMs as the inventory above has them: no second inventory read, and none per VM.
      const lists = await ctx.core.listSnapshotsOf(vms);
      const byId = new Map(vms.map((vm) => [vm.vmid, vm]));
      const rows = lists.flatMap((l) => l.snapshots.map((s) => snapshotRowOf(byId.get(l.vmid)!, s, nowSec)));
      const unreadable = lists.filter((l) => l.error !== undefined).map((l) => ({ vmid: l.vmid, error: l.error as string }));
      const unreadableText = unreadable.map((u) => `VM ${u.vmid}: its snapshots could not be read: ${u.error}`);
      if (args.withoutSnapshots) {
        // An unreadable guest is not counted as having none: it is named in unreadable instead.
        const none = lists.filter((l) => l.error === undefined && l.snapshots.length === 0).map((l) => byId.get(l.vmid)!);
        const rowsWithout = none.slice(0, args.limit ?? 100).map((v) => ({ vmid: v.vmid, name: v.name, node: v.node, type: v.type }));
        const text = [
          `${none.length} of ${vms.length - unreadable.length} guest(s) have no snapshot${none.length > rowsWithout.length ? ` (${rowsWithout.length} in structuredContent.withoutSnapshots; raise limit for more)` : ''}.`,
          ...leftOutText,
          ...unreadableText,
        ].join('\n');
        return ok(text, { vmsScanned: vms.length, total: rows.length, snapshots: [], omitted: rows.length, unreadable, templatesLeftOut, withoutSnapshots: rowsWithout, withoutTotal: none.length });
      }
      const shown = rows.slice(0, args.limit ?? 100);
      const text = [
        `${rows.length} snapshot(s) on ${vms.length - unreadable.length} VM(s).`,
        ...(rows.length ? [`Rows: ${shown.length} in structuredContent.snapshots${rows.length > shown.length ? ` (${rows.length - shown.length} more: raise limit)` : ''}.`] : []),
        ...leftOutText,
        ...unreadableText,
      ].join('\n');
      return ok(text, { vmsScanned: vms.length, total: rows.length, snapshots: shown, omitted: rows.length - shown.length, unreadable, templatesLeftOut });
    },
  });

  return [listSnapshots];
}
