// A selector list as one human line, for previews, confirmations and history:
//   [{TAG_EXPRESSION "env-prod and client-acme", exclude "always-on"}, {VM_IDS "8200,8201,8202"}]
//   → "tags (env-prod AND client-acme) except tags always-on, or VMs 8200-8202"
import { parseTagExpression, formatTagExpression } from './tag-expression.js';
import type { VmSelector } from './types.js';
import { formatVmIds, parseVmIds } from './vm-ids.js';

export function describeSelectors(selectors: readonly VmSelector[]): string {
  if (!selectors.length) return 'no VMs';
  return selectors.map(describeSelector).join(', or ');
}

export function describeSelector(s: VmSelector): string {
  let text: string;
  if (s.type === 'ALL') text = 'all VMs';
  else if (s.type === 'VM_IDS') text = describeIds(s.value ?? '');
  else if (s.type === 'NAME_PATTERN') text = `names matching ${s.value ?? ''}`;
  else text = `tags ${describeTags(s.value ?? '')}`;
  if (s.exclude) text += ` except tags ${describeTags(s.exclude)}`;
  if (s.includeTemplates && s.type !== 'VM_IDS') text += ' (templates included)';
  return text;
}

// Descriptions never throw: a selector that does not parse is shown as written (resolving reports the error).
function describeIds(value: string): string {
  try {
    const ids = parseVmIds(value);
    return `${ids.length === 1 ? 'VM' : 'VMs'} ${formatVmIds(ids)}`;
  } catch {
    return `VMs ${value}`;
  }
}

function describeTags(expression: string): string {
  try {
    const tree = parseTagExpression(expression);
    const text = formatTagExpression(tree);
    return tree.op === 'tag' ? text : `(${text})`;
  } catch {
    return `(${expression})`;
  }
}
