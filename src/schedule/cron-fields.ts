// Where a cron expression is wrong: which of its five (standard) or six/seven (Quartz) fields, with the
// field's name, its allowed range and its column in the text, so a form can put a caret under it.
// croner's errors name no position, so each field is checked here on its own: first by its syntax and
// numeric range, then by compiling the expression with every other field left open.
import { compileCron, cronFlavour, type CronFlavour } from './cron.js';

export interface CronFieldProblem {
  /** 1-based field number, as people count them. */
  field: number;
  name: string;
  /** Column of the field's first character in the expression, and its length. */
  column: number;
  length: number;
  /** "field 2 (hour): 25 is out of range 0–23" */
  message: string;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Quartz's extras that a plain number check does not know (L, W, #, ?). */
  special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const STANDARD: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, special: /^(\?|L|\d+W|LW)$/i },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS, special: /^(\?|\d+L|\d+#\d+|L)$/i },
];

const QUARTZ: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, special: /^(\?|L(-\d+)?|\d+W|LW)$/i },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 1, max: 7, names: DAYS, special: /^(\?|L|\d+L|[A-Z]{3}L|\d+#\d+|[A-Z]{3}#\d+)$/i },
  { name: 'year', min: 1970, max: 2099 },
];

/** The fields with their columns (runs of non-blanks). */
function tokens(expression: string): Array<{ text: string; column: number }> {
  return [...expression.matchAll(/\S+/g)].map((m) => ({ text: m[0], column: m.index ?? 0 }));
}

/** A value of a field: a number, or a month/day name. */
function valueOf(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const i = spec.names?.indexOf(text.toUpperCase() as never) ?? -1;
  if (i < 0) return undefined;
  // Month names are 1-based; day names count from the field's minimum (0 = SUN standard, 1 = SUN Quartz).
  return spec.names === MONTHS ? i + 1 : i + spec.min;
}

const range = (spec: FieldSpec) => `${spec.min}–${spec.max}${spec.names ? ` or ${spec.names[0]}–${spec.names[spec.names.length - 1]}` : ''}`;

/** The problem with one field's text by its syntax and range, or undefined when it looks right. */
function syntaxProblem(text: string, spec: FieldSpec): string | undefined {
  for (const part of text.split(',')) {
    if (!part) return `'${text}' has an empty list item`;
    if (spec.special?.test(part)) continue;
    const m = /^([^/-]+)(?:-([^/]+))?(?:\/(.+))?$/.exec(part);
    if (!m) return `'${part}' is not a value, a range (a-b) or a step (*/n)`;
    const [, from, to, step] = m;
    if (step !== undefined && !/^\d+$/.test(step)) return `'${step}' after / is not a whole number`;
    if (step !== undefined && Number(step) < 1) return `the step /${step} must be at least 1`;
    if (from === '*' || from === '?') {
      if (to !== undefined) return `'${part}' ranges from a wildcard`;
      continue;
    }
    for (const v of to === undefined ? [from] : [from, to]) {
      const n = valueOf(v, spec);
      if (n === undefined) return `'${v}' is not a number${spec.names ? ' or a name' : ''} (${range(spec)})`;
      if (n < spec.min || n > spec.max) return `${v} is out of range ${range(spec)}`;
    }
  }
  return undefined;
}

/** The expression with field `i` kept and every other field left open. */
function isolated(count: number, i: number, text: string, flavour: CronFlavour): string {
  // Quartz wants '?' in one of its two day fields: in day-of-week, unless that is the field kept.
  const open = (j: number) => (flavour !== 'quartz' ? '*' : j === 5 ? '?' : j === 3 && i === 5 ? '?' : '*');
  return Array.from({ length: count }, (_, j) => (j === i ? text : open(j))).join(' ');
}

/**
 * The first wrong field of `expression`, or undefined when no single field is to blame (the expression is
 * fine, has the wrong number of fields, or its fields only clash together — e.g. Quartz's two day fields).
 */
export function cronFieldProblem(expression: string): CronFieldProblem | undefined {
  let flavour: CronFlavour;
  try {
    flavour = cronFlavour(expression);
  } catch {
    return undefined;
  }
  const specs = flavour === 'quartz' ? QUARTZ : STANDARD;
  const parts = tokens(expression);
  const at = (i: number, text: string): CronFieldProblem => ({ field: i + 1, name: specs[i].name, column: parts[i].column, length: parts[i].text.length, message: `field ${i + 1} (${specs[i].name}): ${text}` });
  for (let i = 0; i < parts.length; i++) {
    const problem = syntaxProblem(parts[i].text, specs[i]);
    if (problem) return at(i, problem);
  }
  // The syntax looks right: ask croner about each field alone.
  for (let i = 0; i < parts.length; i++) {
    try {
      compileCron(isolated(parts.length, i, parts[i].text, flavour));
    } catch (err) {
      return at(i, (err as Error).message.replace(/^cronExpression: '[^']*' is invalid: /, ''));
    }
  }
  return undefined;
}
