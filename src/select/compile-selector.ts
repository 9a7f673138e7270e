// Checks one selector object and compiles it once: ids parsed, the glob and tag expressions compiled.
// Errors name the field (`vmSelectors[1].exclude`) and what would be valid.
import type { Inventory, Vm } from '../inventory/model.js';
import { nameMatcher } from './name-glob.js';
import { SelectorError } from './selector-error.js';
import { compileTagExpression, TagExpressionError, type TagPredicate } from './tag-expression.js';
import type { SelectorType, VmSelector } from './types.js';
import { parseVmIds } from './vm-ids.js';

export const SELECTOR_TYPES: readonly SelectorType[] = ['ALL', 'VM_IDS', 'NAME_PATTERN', 'TAG_EXPRESSION'];
const SELECTOR_FIELDS = ['type', 'value', 'exclude', 'includeTemplates'];

export interface SelectorMatch {
  /** Everything the selector names, templates included, minus its exclude. */
  vms: Vm[];
  /** VM_IDS only: ids that are not in the inventory. */
  unknownIds: number[];
}

export interface CompiledSelector {
  /** The selector, normalised (value a trimmed string, includeTemplates only when true). */
  selector: VmSelector;
  /** Where it came from, for messages: `vmSelectors[0]`. */
  field: string;
  /** Explicit ids name their VMs, templates too; the other types leave templates out unless asked. */
  keepsTemplates: boolean;
  match(inv: Inventory, byId: () => ReadonlyMap<number, Vm>): SelectorMatch;
}

const EXAMPLE = '[{"type":"VM_IDS","value":"8200,8201"}]';

/** Validates and compiles one selector; `field` names it in errors. */
export function compileSelector(raw: unknown, field: string): CompiledSelector {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SelectorError(`${field}: must be an object with type and value, e.g. ${EXAMPLE}`, { field });
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!SELECTOR_FIELDS.includes(key) && obj[key] !== undefined) {
      throw new SelectorError(`${field}.${key}: unknown field; a selector has ${SELECTOR_FIELDS.join(', ')}`, { field: `${field}.${key}` });
    }
  }
  const type = obj.type;
  if (typeof type !== 'string' || !SELECTOR_TYPES.includes(type as SelectorType)) {
    throw new SelectorError(`${field}.type: ${type === undefined ? 'missing' : `'${String(type)}' is not valid`}; use one of ${SELECTOR_TYPES.join(', ')}`, { field: `${field}.type` });
  }
  const value = typeof obj.value === 'number' && type === 'VM_IDS' ? String(obj.value) : obj.value;
  if (value !== undefined && typeof value !== 'string') throw new SelectorError(`${field}.value: must be a string`, { field: `${field}.value` });
  if (type !== 'ALL' && !value?.trim()) throw new SelectorError(`${field}.value: required for ${type}, e.g. ${valueExample(type as SelectorType)}`, { field: `${field}.value` });
  if (obj.exclude !== undefined && (typeof obj.exclude !== 'string' || !obj.exclude.trim())) {
    throw new SelectorError(`${field}.exclude: must be a tag expression, e.g. "always-on OR env-prod"`, { field: `${field}.exclude` });
  }
  if (obj.includeTemplates !== undefined && typeof obj.includeTemplates !== 'boolean') {
    throw new SelectorError(`${field}.includeTemplates: must be true or false`, { field: `${field}.includeTemplates` });
  }

  const selector: VmSelector = { type: type as SelectorType };
  if (value !== undefined) selector.value = type === 'ALL' ? value : value.trim();
  if (obj.exclude !== undefined) selector.exclude = obj.exclude as string;
  if (obj.includeTemplates === true) selector.includeTemplates = true;

  const excludes = selector.exclude === undefined ? undefined : tagPredicate(selector.exclude, `${field}.exclude`);
  const notExcluded = (vm: Vm) => !excludes || !excludes(vm.tags);
  const valueField = `${field}.value`;
  const base = { selector, field, keepsTemplates: selector.type === 'VM_IDS' || selector.includeTemplates === true };

  switch (selector.type) {
    case 'ALL':
      return { ...base, match: (inv) => ({ vms: inv.vms.filter(notExcluded), unknownIds: [] }) };
    case 'VM_IDS': {
      const ids = parseVmIds(selector.value as string, valueField);
      return {
        ...base,
        match: (_inv, byId) => {
          const index = byId();
          const vms: Vm[] = [];
          const unknownIds: number[] = [];
          for (const id of ids) {
            const vm = index.get(id);
            if (!vm) unknownIds.push(id);
            else if (notExcluded(vm)) vms.push(vm);
          }
          return { vms, unknownIds };
        },
      };
    }
    case 'NAME_PATTERN': {
      const matches = nameMatcher(selector.value as string, valueField);
      return { ...base, match: (inv) => ({ vms: inv.vms.filter((vm) => matches(vm.name) && notExcluded(vm)), unknownIds: [] }) };
    }
    case 'TAG_EXPRESSION': {
      const matches = tagPredicate(selector.value as string, valueField);
      return { ...base, match: (inv) => ({ vms: inv.vms.filter((vm) => matches(vm.tags) && notExcluded(vm)), unknownIds: [] }) };
    }
  }
}

/** Compiles a tag expression, prefixing its error with the field while keeping position and expected. */
export function tagPredicate(expression: string, field: string): TagPredicate {
  try {
    return compileTagExpression(expression);
  } catch (err) {
    if (err instanceof TagExpressionError) throw new SelectorError(`${field}: ${err.message}`, { field, position: err.position, cause: err });
    throw err;
  }
}

function valueExample(type: SelectorType): string {
  if (type === 'VM_IDS') return '"8200,8201" or "8200-8209"';
  if (type === 'NAME_PATTERN') return '"workshop-wk-*"';
  return '"env-prod AND NOT always-on"';
}
