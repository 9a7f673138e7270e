// Resolves selectors against an inventory: a union of selectors, each with an optional exclude,
// de-duplicated by vmid, in vmid order, with warnings for unknown ids and offline nodes.
import picomatch from 'picomatch';
import type { Inventory, Vm } from '../inventory/model.js';
import { compileTagExpression, TagExpressionError } from './tag-expression.js';
import type { ResolveWarning, SelectorType, VmSelector } from './types.js';
import { parseVmIds, SelectorError } from './vm-ids.js';

export const SELECTOR_TYPES: SelectorType[] = ['ALL', 'VM_IDS', 'NAME_PATTERN', 'TAG_EXPRESSION'];

export interface Resolved {
  vms: Vm[];
  warnings: ResolveWarning[];
}

/** A name glob (`*`, `?`, `[...]`), full match, case-insensitive; matched by picomatch, never a hand-built regex. */
export function nameMatcher(glob: string): (name: string) => boolean {
  return picomatch(glob, { nocase: true, dot: true });
}

function withField<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TagExpressionError || err instanceof SelectorError) {
      const e = new SelectorError(`vmSelectors[${index}]: ${err.message}`);
      throw Object.assign(e, { cause: err });
    }
    throw err;
  }
}

/** Checks a selector list's shape; throws SelectorError naming the field. */
export function validateSelectors(selectors: unknown): VmSelector[] {
  if (!Array.isArray(selectors) || selectors.length === 0) throw new SelectorError('vmSelectors: give at least one selector, e.g. [{"type":"VM_IDS","value":"8200,8201"}]');
  return selectors.map((s, i) => {
    if (!s || typeof s !== 'object') throw new SelectorError(`vmSelectors[${i}]: must be an object with type and value`);
    const sel = s as Record<string, unknown>;
    if (!SELECTOR_TYPES.includes(sel.type as SelectorType)) throw new SelectorError(`vmSelectors[${i}].type: '${String(sel.type)}' is not valid; use one of ${SELECTOR_TYPES.join(', ')}`);
    if (sel.type !== 'ALL' && (typeof sel.value !== 'string' || !sel.value.trim())) throw new SelectorError(`vmSelectors[${i}].value: required for ${String(sel.type)}`);
    if (sel.exclude !== undefined && typeof sel.exclude !== 'string') throw new SelectorError(`vmSelectors[${i}].exclude: must be a tag expression string`);
    return { type: sel.type as SelectorType, value: sel.value as string | undefined, exclude: sel.exclude as string | undefined, includeTemplates: sel.includeTemplates === true };
  });
}

export function resolveSelectors(inv: Inventory, selectors: VmSelector[]): Resolved {
  const checked = validateSelectors(selectors);
  const byId = new Map(inv.vms.map((v) => [v.vmid, v]));
  const chosen = new Map<number, Vm>();
  const warnings: ResolveWarning[] = [];

  checked.forEach((sel, index) => {
    const exclude = sel.exclude ? withField(index, () => compileTagExpression(sel.exclude as string)) : undefined;
    const keepTemplate = (vm: Vm) => sel.includeTemplates || !vm.template;
    let matched: Vm[];
    switch (sel.type) {
      case 'ALL':
        matched = inv.vms.filter(keepTemplate);
        break;
      case 'VM_IDS': {
        const ids = withField(index, () => parseVmIds(sel.value as string, `vmSelectors[${index}].value`));
        matched = [];
        for (const id of ids) {
          const vm = byId.get(id);
          if (vm) matched.push(vm);
          else warnings.push({ kind: 'unknown-vmid', vmid: id, message: `VM ${id} does not exist in this cluster` });
        }
        break;
      }
      case 'NAME_PATTERN': {
        const match = nameMatcher(sel.value as string);
        matched = inv.vms.filter((vm) => keepTemplate(vm) && match(vm.name));
        break;
      }
      case 'TAG_EXPRESSION': {
        const pred = withField(index, () => compileTagExpression(sel.value as string));
        matched = inv.vms.filter((vm) => keepTemplate(vm) && pred(vm.tags));
        break;
      }
    }
    for (const vm of matched) if (!exclude || !exclude(vm.tags)) chosen.set(vm.vmid, vm);
  });

  const vms = [...chosen.values()].sort((a, b) => a.vmid - b.vmid);
  return { vms, warnings: [...warnings, ...offlineWarnings(inv, vms)] };
}

/** One warning per offline node that holds selected VMs. */
export function offlineWarnings(inv: Inventory, vms: Vm[]): ResolveWarning[] {
  const offlineNodes = new Set(inv.nodes.filter((n) => n.status !== 'online').map((n) => n.node));
  const hit = new Map<string, number>();
  for (const vm of vms) if (offlineNodes.has(vm.node)) hit.set(vm.node, (hit.get(vm.node) ?? 0) + 1);
  return [...hit].map(([node, count]) => ({ kind: 'node-offline', node, message: `node ${node} is offline: ${count} selected VM(s) on it cannot be acted on` }));
}

/** A one-line human description of a selector list, for previews and history. */
export function describeSelectors(selectors: VmSelector[]): string {
  return selectors
    .map((s) => {
      const base = s.type === 'ALL' ? 'all VMs' : s.type === 'VM_IDS' ? `id:${s.value}` : s.type === 'NAME_PATTERN' ? `name:${s.value}` : `tag:(${s.value})`;
      return `${base}${s.exclude ? ` excluding tag:(${s.exclude})` : ''}${s.includeTemplates ? ' incl. templates' : ''}`;
    })
    .join(' + ');
}
