// Resolves selectors against an inventory: the union of all selectors (each minus its exclude),
// de-duplicated by vmid, in vmid order, with warnings for unknown ids, templates left out and
// selected VMs on offline nodes. Pure: no I/O; what a "preview" shows.
import type { Inventory, Vm } from '../inventory/model.js';
import { compileSelector, type CompiledSelector } from './compile-selector.js';
import { SelectorError } from './selector-error.js';
import type { ResolveWarning, VmSelector } from './types.js';
import { idRuns } from './vm-ids.js';

export { SELECTOR_TYPES } from './compile-selector.js';

export interface Resolved {
  vms: Vm[];
  warnings: ResolveWarning[];
}

export interface ResolveOptions {
  /** How the selector list is named in errors and warnings (default `vmSelectors`). */
  field?: string;
}

/** Checks (and compiles) a selector list; throws SelectorError naming the field. Returns them normalised. */
export function validateSelectors(selectors: unknown, opts: ResolveOptions = {}): VmSelector[] {
  return compileSelectors(selectors, opts.field ?? 'vmSelectors').map((c) => c.selector);
}

export function compileSelectors(selectors: unknown, field = 'vmSelectors'): CompiledSelector[] {
  if (!Array.isArray(selectors) || selectors.length === 0) {
    throw new SelectorError(`${field}: give at least one selector, e.g. [{"type":"VM_IDS","value":"8200,8201"}] or [{"type":"TAG_EXPRESSION","value":"env-prod"}]`, { field });
  }
  return selectors.map((s, i) => compileSelector(s, `${field}[${i}]`));
}

export function resolveSelectors(inv: Inventory, selectors: VmSelector[], opts: ResolveOptions = {}): Resolved {
  // Everything is compiled before anything is matched: a bad selector fails the whole request.
  const compiled = compileSelectors(selectors, opts.field ?? 'vmSelectors');
  let index: Map<number, Vm> | undefined;
  const byId = () => (index ??= new Map(inv.vms.map((v) => [v.vmid, v])));

  const chosen = new Map<number, Vm>();
  const unknown = new Set<number>();
  const leftOut: Array<{ c: CompiledSelector; templates: Vm[] }> = [];
  for (const c of compiled) {
    const m = c.match(inv, byId);
    for (const id of m.unknownIds) unknown.add(id);
    const { kept, templates } = splitTemplates(m.vms, c.keepsTemplates);
    for (const vm of kept) chosen.set(vm.vmid, vm);
    // Leaving templates out of ALL is what everyone expects; for a name or tag match it may surprise.
    if (c.selector.type !== 'ALL' && templates.length) leftOut.push({ c, templates });
  }
  const templateWarnings: ResolveWarning[] = [];
  for (const { c, templates } of leftOut) {
    const missing = templates.filter((t) => !chosen.has(t.vmid)); // another selector may have taken it
    if (missing.length) templateWarnings.push(templateWarning(missing, `${c.field} (${describeOne(c.selector)})`, 'set includeTemplates: true to include them'));
  }
  const vms = [...chosen.values()].sort((a, b) => a.vmid - b.vmid);
  return { vms, warnings: [...unknownIdWarnings([...unknown].sort((a, b) => a - b)), ...templateWarnings, ...offlineWarnings(inv, vms)] };
}

export function splitTemplates(vms: Vm[], keepTemplates: boolean): { kept: Vm[]; templates: Vm[] } {
  if (keepTemplates) return { kept: vms, templates: [] };
  const kept: Vm[] = [];
  const templates: Vm[] = [];
  for (const vm of vms) (vm.template ? templates : kept).push(vm);
  return { kept, templates };
}

/** One warning per run of consecutive unknown ids, so `id:100-999` cannot flood a preview. */
export function unknownIdWarnings(sortedIds: readonly number[]): ResolveWarning[] {
  return idRuns(sortedIds).map(([first, last]) =>
    first === last
      ? { kind: 'unknown-vmid', vmid: first, count: 1, message: `VM ${first} does not exist in this cluster` }
      : { kind: 'unknown-vmid', vmid: first, lastVmid: last, count: last - first + 1, message: `VMs ${first}-${last} do not exist in this cluster` },
  );
}

export function templateWarning(templates: Vm[], source: string, fix: string): ResolveWarning {
  const ids = templates.map((t) => t.vmid);
  const shown = ids.length > 10 ? `${ids.slice(0, 10).join(', ')}, …` : ids.join(', ');
  return {
    kind: 'template-excluded',
    count: ids.length,
    vmids: ids,
    message: `${source} also matched ${ids.length} template(s) (${shown}), left out; ${fix}`,
  };
}

/** One warning per offline node that holds selected VMs: they cannot be acted on. */
export function offlineWarnings(inv: Inventory, vms: Vm[]): ResolveWarning[] {
  const offlineNodes = new Set(inv.nodes.filter((n) => n.status !== 'online').map((n) => n.node));
  if (!offlineNodes.size) return [];
  const hit = new Map<string, number>();
  for (const vm of vms) if (offlineNodes.has(vm.node)) hit.set(vm.node, (hit.get(vm.node) ?? 0) + 1);
  return [...hit].map(([node, count]) => ({ kind: 'node-offline', node, count, message: `node ${node} is offline: ${count} selected VM(s) on it cannot be acted on` }));
}

function describeOne(s: VmSelector): string {
  return s.type === 'NAME_PATTERN' ? `name ${s.value}` : s.type === 'TAG_EXPRESSION' ? `tags ${s.value}` : String(s.type);
}
