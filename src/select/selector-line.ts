// The one-line selector syntax for people and assistants; every term ANDs with the others:
//   tag:(env-prod AND NOT always-on) node:pve2 status:running name:web-* id:8200-8209 type:qemu template:yes all
// A bare word is a name glob (`web-*` is `name:web-*`). A line parses into the same VmSelector the
// structured API uses (ids, else tags, else a name, else ALL) plus filters for the remaining terms.
import type { GuestType, Inventory, Vm, VmStatus } from '../inventory/model.js';
import { andedNamesWarning } from './anded-names.js';
import { compileSelector } from './compile-selector.js';
import { nameMatcher, type NameMatcher } from './name-glob.js';
import { offlineWarnings, splitTemplates, templateWarning, unknownIdWarnings, type Resolved } from './resolve.js';
import { SelectorError } from './selector-error.js';
import { compileTagExpression, TagExpressionError, type TagPredicate } from './tag-expression.js';
import type { VmSelector } from './types.js';
import { formatVmIds, parseVmIds } from './vm-ids.js';

export const LINE_KEYS = ['tag', 'name', 'id', 'node', 'pool', 'status', 'type', 'template'] as const;
export type LineKey = (typeof LINE_KEYS)[number];
export const LINE_STATUSES: readonly VmStatus[] = ['running', 'stopped', 'paused', 'suspended', 'unknown'];
export const LINE_TYPES: readonly GuestType[] = ['qemu', 'lxc'];
const YES = ['yes', 'true', '1'];
const NO = ['no', 'false', '0'];
const OPERATOR_WORDS = ['and', 'or', 'not', '&&', '||', '!'];
const EXAMPLES = '`all`, `name:web-*`, `id:8200-8209`, `tag:(env-prod AND NOT always-on)`';

export interface SelectorLineTerm {
  key: LineKey | 'all';
  value: string;
  /** 0-based index of the term's first character in the line. */
  position: number;
  /** The term as written. */
  text: string;
}

/** Terms beyond the one that became the selector; all must hold. */
export interface SelectorLineFilters {
  names: string[];
  tags: string[];
  nodes: string[];
  pools: string[];
  statuses: VmStatus[];
  types: GuestType[];
  /** template:yes → only templates; template:no → no templates. */
  template?: boolean;
}

export interface ParsedSelectorLine {
  text: string;
  terms: SelectorLineTerm[];
  /** One selector: the id terms (intersected), else the tag terms (ANDed), else the first name, else ALL. */
  selectors: VmSelector[];
  filters: SelectorLineFilters;
}

function lineError(message: string, term: { position: number; text: string }, cause?: unknown): SelectorError {
  return new SelectorError(`selector: ${message}`, { position: term.position, field: term.text, cause });
}

function splitTerms(line: string): SelectorLineTerm[] {
  const terms: SelectorLineTerm[] = [];
  let i = 0;
  while (i < line.length) {
    if (/\s/.test(line[i])) {
      i++;
      continue;
    }
    const start = i;
    let depth = 0;
    let quoted = false;
    // Spaces inside parentheses or quotes belong to the term: tag:(env-prod AND NOT always-on).
    while (i < line.length && (quoted || depth > 0 || !/\s/.test(line[i]))) {
      if (line[i] === '"') quoted = !quoted;
      else if (!quoted && line[i] === '(') depth++;
      else if (!quoted && line[i] === ')') depth = Math.max(0, depth - 1);
      i++;
    }
    const text = line.slice(start, i);
    const colon = text.indexOf(':');
    const key = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
    const at = { position: start, text };
    if (colon > 0 && (LINE_KEYS as readonly string[]).includes(key)) {
      terms.push({ key: key as LineKey, value: text.slice(colon + 1), position: start, text });
    } else if (colon > 0 && /^[a-z]+$/i.test(key)) {
      throw lineError(`unknown term '${text.slice(0, colon + 1)}' at position ${start}; use ${LINE_KEYS.map((k) => `${k}:`).join(' ')} or all, or a bare word as a name glob`, at);
    } else if (text.toLowerCase() === 'all') {
      terms.push({ key: 'all', value: '', position: start, text });
    } else if (OPERATOR_WORDS.includes(text.toLowerCase())) {
      throw lineError(`'${text}' at position ${start} is an operator outside a tag expression; put the expression in parentheses, e.g. tag:(env-prod ${text.toUpperCase().replace('&&', 'AND').replace('||', 'OR')} client-acme)`, at);
    } else if (text.startsWith('(') || text.startsWith('!')) {
      throw lineError(`'${text}' at position ${start} looks like a tag expression; write it as tag:${text}`, at);
    } else {
      terms.push({ key: 'name', value: text, position: start, text });
    }
  }
  return terms;
}

/** Parses a selector line; throws SelectorError naming the term and its position. */
export function parseSelectorLine(text: string): ParsedSelectorLine {
  if (typeof text !== 'string') throw new SelectorError('selector: must be a string', {});
  const terms = splitTerms(text);
  if (!terms.length) throw new SelectorError(`selector: empty; try ${EXAMPLES}`, { position: 0 });
  const filters: SelectorLineFilters = { names: [], tags: [], nodes: [], pools: [], statuses: [], types: [] };
  let ids: number[] | undefined;
  let idTerm: SelectorLineTerm | undefined;

  for (const t of terms) {
    if (t.key !== 'all' && !t.value) throw lineError(`'${t.text}' at position ${t.position} needs a value, e.g. ${valueExample(t.key)}`, t);
    switch (t.key) {
      case 'all':
        break;
      case 'tag':
        checkTagTerm(t);
        filters.tags.push(t.value);
        break;
      case 'name':
      case 'node':
      case 'pool':
        checkGlob(t);
        (t.key === 'name' ? filters.names : t.key === 'node' ? filters.nodes : filters.pools).push(t.value);
        break;
      case 'id': {
        let these: number[];
        try {
          these = parseVmIds(t.value, `'${t.text}' at position ${t.position}`);
        } catch (err) {
          throw lineError((err as Error).message, t, err);
        }
        if (ids) {
          const keep = new Set(these);
          ids = ids.filter((id) => keep.has(id));
          if (!ids.length) throw lineError(`'${t.text}' at position ${t.position} shares no id with '${idTerm?.text}'; all terms AND together`, t);
        } else {
          ids = these;
          idTerm = t;
        }
        break;
      }
      case 'status': {
        const s = t.value.toLowerCase() as VmStatus;
        if (!LINE_STATUSES.includes(s)) throw lineError(`status '${t.value}' at position ${t.position} is not valid; use ${LINE_STATUSES.join(', ')}`, t);
        filters.statuses.push(s);
        break;
      }
      case 'type': {
        const ty = t.value.toLowerCase() as GuestType;
        if (!LINE_TYPES.includes(ty)) throw lineError(`type '${t.value}' at position ${t.position} is not valid; use ${LINE_TYPES.join(' or ')}`, t);
        filters.types.push(ty);
        break;
      }
      case 'template': {
        const v = t.value.toLowerCase();
        if (!YES.includes(v) && !NO.includes(v)) throw lineError(`template '${t.value}' at position ${t.position} is not valid; use yes or no`, t);
        const want = YES.includes(v);
        if (filters.template !== undefined && filters.template !== want) throw lineError(`'${t.text}' at position ${t.position} contradicts an earlier template: term`, t);
        filters.template = want;
        break;
      }
    }
  }

  // The strongest term becomes the selector; the rest stay filters.
  let selector: VmSelector;
  if (ids) {
    selector = { type: 'VM_IDS', value: formatVmIds(ids) };
  } else if (filters.tags.length) {
    selector = { type: 'TAG_EXPRESSION', value: filters.tags.length === 1 ? filters.tags[0] : filters.tags.map((e) => `(${e})`).join(' AND ') };
    filters.tags = [];
  } else if (filters.names.length) {
    selector = { type: 'NAME_PATTERN', value: filters.names[0] };
    filters.names = filters.names.slice(1);
  } else {
    selector = { type: 'ALL', value: '*' };
  }
  if (filters.template === true) selector.includeTemplates = true;
  return { text, terms, selectors: [selector], filters };
}

function checkTagTerm(t: SelectorLineTerm): void {
  try {
    compileTagExpression(t.value);
  } catch (err) {
    if (!(err instanceof TagExpressionError)) throw err;
    // Positions count from the start of the line, so the TUI and MCP can point at the character.
    const position = t.position + t.text.indexOf(':') + 1 + err.position;
    const hint = err.hint ? ` (${err.hint})` : '';
    throw new SelectorError(`selector: in '${t.text}' at position ${t.position}: tag expression: expected ${err.expected} at position ${position}, found ${err.found}${hint}`, {
      position,
      field: t.text,
      cause: err,
    });
  }
}

function checkGlob(t: SelectorLineTerm): void {
  try {
    nameMatcher(t.value, `'${t.text}' at position ${t.position}`);
  } catch (err) {
    throw lineError((err as Error).message, t, err);
  }
}

function valueExample(key: LineKey): string {
  const examples: Record<LineKey, string> = {
    tag: 'tag:env-prod or tag:(env-prod AND NOT always-on)',
    name: 'name:web-*',
    id: 'id:8200-8209',
    node: 'node:pve2',
    pool: 'pool:workshop',
    status: `status:running (${LINE_STATUSES.join(', ')})`,
    type: 'type:qemu or type:lxc',
    template: 'template:yes',
  };
  return examples[key];
}

/** Resolves a line (or an already parsed one): the selector's VMs that pass every filter, with warnings. */
export function resolveSelectorLine(inv: Inventory, line: string | ParsedSelectorLine): Resolved {
  const parsed = typeof line === 'string' ? parseSelectorLine(line) : line;
  const [selector] = parsed.selectors;
  // Templates are decided after the filters, so a warning only names templates that passed them.
  const compiled = compileSelector({ ...selector, includeTemplates: true }, 'selector');
  const passes = filterPredicate(parsed.filters);
  const m = compiled.match(inv, () => new Map(inv.vms.map((v) => [v.vmid, v])));
  const candidates = m.vms.filter(passes);
  const keepTemplates = selector.type === 'VM_IDS' || parsed.filters.template !== undefined;
  const { kept, templates } = splitTemplates(candidates, keepTemplates);
  const vms = kept.sort((a, b) => a.vmid - b.vmid);
  const warnings = unknownIdWarnings(m.unknownIds);
  if (templates.length && selector.type !== 'ALL') warnings.push(templateWarning(templates, `'${parsed.text.trim()}'`, 'add template:yes to include them'));
  const anded = vms.length ? undefined : andedNamesWarning(inv, parsed.terms);
  if (anded) warnings.push(anded);
  return { vms, warnings: [...warnings, ...offlineWarnings(inv, vms)] };
}

function filterPredicate(f: SelectorLineFilters): (vm: Vm) => boolean {
  const checks: Array<(vm: Vm) => boolean> = [];
  const globs = (values: string[], pick: (vm: Vm) => string | undefined) => {
    for (const v of values) {
      const m: NameMatcher = nameMatcher(v);
      checks.push((vm) => {
        const s = pick(vm);
        return s !== undefined && m(s);
      });
    }
  };
  globs(f.names, (vm) => vm.name);
  globs(f.nodes, (vm) => vm.node);
  globs(f.pools, (vm) => vm.pool);
  for (const e of f.tags) {
    const p: TagPredicate = compileTagExpression(e);
    checks.push((vm) => p(vm.tags));
  }
  for (const s of f.statuses) checks.push((vm) => vm.status === s);
  for (const t of f.types) checks.push((vm) => vm.type === t);
  if (f.template !== undefined) {
    const want = f.template;
    checks.push((vm) => vm.template === want);
  }
  return (vm) => checks.every((c) => c(vm));
}
