// The one-line selector syntax for people and assistants; every term ANDs with the others:
//   tag:(env-prod AND NOT always-on) node:pve2 status:running name:web-* id:8200-8209 type:qemu template:yes all
// A bare word is a name glob.
import type { Inventory, Vm, VmStatus } from '../inventory/model.js';
import { nameMatcher, offlineWarnings } from './resolve.js';
import { compileTagExpression, TagExpressionError } from './tag-expression.js';
import type { ResolveWarning } from './types.js';
import { parseVmIds, SelectorError } from './vm-ids.js';

const STATUSES: VmStatus[] = ['running', 'stopped', 'paused', 'suspended', 'unknown'];
const KEYS = ['tag', 'name', 'id', 'node', 'status', 'type', 'template', 'pool'];

export interface SelectorLine {
  text: string;
  ids?: number[];
  predicates: Array<(vm: Vm) => boolean>;
  /** Templates are left out unless a term asks for them (template:yes or an explicit id). */
  includeTemplates: boolean;
}

interface Term {
  key: string;
  value: string;
  pos: number;
}

function splitTerms(line: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    const start = i;
    let depth = 0;
    let quoted = false;
    while (i < line.length && (quoted || depth > 0 || !/\s/.test(line[i]))) {
      if (line[i] === '"') quoted = !quoted;
      else if (!quoted && line[i] === '(') depth++;
      else if (!quoted && line[i] === ')') depth--;
      i++;
    }
    if (depth > 0) throw new SelectorError(`selector: unclosed "(" in the term at position ${start}`);
    if (quoted) throw new SelectorError(`selector: unclosed '"' in the term at position ${start}`);
    const raw = line.slice(start, i);
    const colon = raw.indexOf(':');
    if (colon > 0 && KEYS.includes(raw.slice(0, colon).toLowerCase())) terms.push({ key: raw.slice(0, colon).toLowerCase(), value: raw.slice(colon + 1), pos: start });
    else if (colon > 0 && /^[a-z]+$/i.test(raw.slice(0, colon))) throw new SelectorError(`selector: unknown term '${raw.slice(0, colon)}:' at position ${start}; valid: ${KEYS.map((k) => `${k}:`).join(' ')} all, or a bare name glob`);
    else terms.push({ key: raw.toLowerCase() === 'all' ? 'all' : 'name', value: raw, pos: start });
  }
  return terms;
}

export function parseSelectorLine(text: string): SelectorLine {
  const terms = splitTerms(text);
  if (!terms.length) throw new SelectorError('selector: empty; try `all`, `name:web-*`, `id:8200-8209` or `tag:(env-prod AND NOT always-on)`');
  const line: SelectorLine = { text, predicates: [], includeTemplates: false };
  for (const t of terms) {
    if (!t.value && t.key !== 'all') throw new SelectorError(`selector: '${t.key}:' at position ${t.pos} needs a value`);
    switch (t.key) {
      case 'all':
        break;
      case 'tag': {
        const expr = t.value.startsWith('(') && t.value.endsWith(')') ? t.value.slice(1, -1) : t.value;
        const offset = t.pos + 4 + (expr === t.value ? 0 : 1);
        try {
          const pred = compileTagExpression(expr);
          line.predicates.push((vm) => pred(vm.tags));
        } catch (err) {
          if (err instanceof TagExpressionError) throw new SelectorError(`selector: tag expression: expected ${err.expected} at position ${offset + err.position}, found ${err.found}`);
          throw err;
        }
        break;
      }
      case 'name': {
        const m = nameMatcher(t.value);
        line.predicates.push((vm) => m(vm.name));
        break;
      }
      case 'node': {
        const m = nameMatcher(t.value);
        line.predicates.push((vm) => m(vm.node));
        break;
      }
      case 'pool': {
        const m = nameMatcher(t.value);
        line.predicates.push((vm) => !!vm.pool && m(vm.pool));
        break;
      }
      case 'id': {
        const ids = parseVmIds(t.value, `selector id: (position ${t.pos})`);
        line.ids = line.ids ? line.ids.filter((id) => ids.includes(id)) : ids;
        line.includeTemplates = true;
        break;
      }
      case 'status': {
        const s = t.value.toLowerCase() as VmStatus;
        if (!STATUSES.includes(s)) throw new SelectorError(`selector: status '${t.value}' at position ${t.pos} is not valid; use ${STATUSES.join(', ')}`);
        line.predicates.push((vm) => vm.status === s);
        break;
      }
      case 'type': {
        const ty = t.value.toLowerCase();
        if (ty !== 'qemu' && ty !== 'lxc') throw new SelectorError(`selector: type '${t.value}' at position ${t.pos} is not valid; use qemu or lxc`);
        line.predicates.push((vm) => vm.type === ty);
        break;
      }
      case 'template': {
        const v = t.value.toLowerCase();
        if (!['yes', 'no', 'true', 'false', '1', '0'].includes(v)) throw new SelectorError(`selector: template '${t.value}' at position ${t.pos}: use yes or no`);
        const want = ['yes', 'true', '1'].includes(v);
        line.includeTemplates = true;
        line.predicates.push((vm) => vm.template === want);
        break;
      }
    }
  }
  return line;
}

export function resolveSelectorLine(inv: Inventory, text: string | SelectorLine): { vms: Vm[]; warnings: ResolveWarning[] } {
  const line = typeof text === 'string' ? parseSelectorLine(text) : text;
  const warnings: ResolveWarning[] = [];
  let pool = inv.vms;
  if (line.ids) {
    const byId = new Map(inv.vms.map((v) => [v.vmid, v]));
    pool = [];
    for (const id of line.ids) {
      const vm = byId.get(id);
      if (vm) pool.push(vm);
      else warnings.push({ kind: 'unknown-vmid', vmid: id, message: `VM ${id} does not exist in this cluster` });
    }
  }
  const vms = pool.filter((vm) => (line.includeTemplates || !vm.template) && line.predicates.every((p) => p(vm))).sort((a, b) => a.vmid - b.vmid);
  return { vms, warnings: [...warnings, ...offlineWarnings(inv, vms)] };
}
