// A capability's request as command-line flags, derived from its strict schema and its declared CLI words
// (names.cli): every field is a --kebab-case flag of the field's type (plus its short aliases), the mode
// field is the word after the verb, the rest field takes the words after the selector. Only words are mapped
// to fields here; the values are checked by the core, against the same schema every front end uses.
import { z } from 'zod';
import type { AnyCapability } from '../src/ops/capability.js';
import { nearestName } from '../src/text/nearest-name.js';

/** A bad command line (exit 2): names the flag or word and what would be valid. */
export class UsageError extends Error {}

export type FlagType = 'boolean' | 'number' | 'enum' | 'string' | 'list';

export interface FieldFlag {
  field: string;
  /** `--snapshot-name` */
  flag: string;
  /** Short names declared by the capability (`--name`). */
  aliases: string[];
  type: FlagType;
  /** An enum's values, as the schema spells them. */
  values?: readonly string[];
  integer?: boolean;
  min?: number;
  max?: number;
  required: boolean;
  description?: string;
  /** A list whose items are numbers (vmIds): each comma-separated word is read as one. */
  numberItems?: boolean;
}

/** The flags every capability verb has besides its request's fields. */
export const FRONT_END_FLAGS = {
  file: { type: 'string', arg: 'F', about: 'the request as a JSON object with the field names above ("-": stdin); words and flags are merged over it, and one that disagrees with it is refused' },
  yes: { type: 'boolean', about: 'do a destructive (or forced) request; without it, its plan is shown and nothing changes (exit 2)' },
  json: { type: 'boolean', about: 'print the Operation as JSON on stdout (progress lines still go to stderr)' },
  context: { type: 'string', arg: 'NAME', about: 'the cluster context (moxxie config list); default: the current one' },
  demo: { type: 'boolean', about: 'the built-in simulated cluster' },
  'read-only': { type: 'boolean', about: 'refuse every change (a --dry-run still works)' },
  help: { type: 'boolean', about: 'this help' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; arg?: string; about: string }>;

export type FrontEndFlag = keyof typeof FRONT_END_FLAGS;

/** How the verb reads its words and flags, from the capability's declaration. */
export interface VerbShape {
  capability: AnyCapability;
  words: readonly string[];
  mode?: FieldFlag;
  rest?: FieldFlag;
  /** A field that may be given as the first word (names.cli.positionalField): clone's SOURCE_VM_ID, drain's NODE; also a flag. */
  positional?: FieldFlag;
  /** The request fields given as flags (not the selection, the mode or the rest words). */
  flags: FieldFlag[];
  /** Whether the request has a selection (a SELECTOR word); create, download and drain plan from flags alone. */
  selects: boolean;
}

export const SELECTION_FIELD = 'vmSelectors';

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function unwrap(s: z.ZodType): z.ZodType {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

function fieldFlag(field: string, schema: z.ZodType, aliases: string[]): FieldFlag {
  const inner = unwrap(schema);
  const base = { field, flag: kebab(field), aliases, required: !schema.isOptional(), description: schema.description ?? inner.description };
  if (inner instanceof z.ZodBoolean) return { ...base, type: 'boolean' };
  if (inner instanceof z.ZodNumber) {
    const bound = (v: number | null) => (v === null || !Number.isFinite(v) ? undefined : v);
    return { ...base, type: 'number', integer: inner.isInt, min: bound(inner.minValue), max: bound(inner.maxValue) };
  }
  if (inner instanceof z.ZodEnum) return { ...base, type: 'enum', values: inner.options as string[] };
  if (inner instanceof z.ZodArray) return { ...base, type: 'list', ...(unwrap(inner.element as z.ZodType) instanceof z.ZodNumber ? { numberItems: true } : {}) };
  return { ...base, type: 'string' };
}

export function verbShape(capability: AnyCapability): VerbShape {
  const shape = (capability.schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
  const cli = capability.names.cli ?? {};
  const aliasesOf = (field: string) => Object.entries(cli.aliases ?? {}).filter(([, f]) => f === field).map(([a]) => a);
  for (const [alias, field] of Object.entries(cli.aliases ?? {})) {
    if (!shape[field]) throw new Error(`${capability.kind}: alias --${alias} names '${field}', which is not a field of its request`);
  }
  const flags: FieldFlag[] = [];
  let mode: FieldFlag | undefined;
  let rest: FieldFlag | undefined;
  for (const [field, schema] of Object.entries(shape)) {
    const f = fieldFlag(field, schema, aliasesOf(field));
    if (field === SELECTION_FIELD) continue;
    if (field === cli.modeField) mode = f;
    else if (field === cli.restField) rest = f;
    else flags.push(f);
  }
  if (cli.modeField && mode?.type !== 'enum') throw new Error(`${capability.kind}: modeField '${cli.modeField}' must be an enum field of its request`);
  if (cli.restField && rest?.type !== 'list') throw new Error(`${capability.kind}: restField '${cli.restField}' must be a list field of its request`);
  const positional = cli.positionalField ? flags.find((f) => f.field === cli.positionalField) : undefined;
  if (cli.positionalField && positional?.type !== 'string' && positional?.type !== 'number') {
    throw new Error(`${capability.kind}: positionalField '${cli.positionalField}' must be a text or number field of its request`);
  }
  // A request field must never shadow one of the verb's own flags.
  const taken = new Set<string>(Object.keys(FRONT_END_FLAGS));
  for (const f of flags) {
    for (const name of [f.flag, ...f.aliases]) {
      if (taken.has(name)) throw new Error(`${capability.kind}: flag --${name} (field ${f.field}) is already taken`);
      taken.add(name);
    }
  }
  return { capability, words: capability.names.verb, mode, rest, positional, flags, selects: SELECTION_FIELD in shape };
}

/** What the command line said, before the words are mapped to fields. */
export interface CommandLine {
  /** Request fields given as flags, by field name. */
  fields: Record<string, unknown>;
  /** The flag each field was given with, for messages. */
  givenAs: Record<string, string>;
  positionals: string[];
  file?: string;
  yes: boolean;
  json: boolean;
  context?: string;
  demo: boolean;
  readOnly: boolean;
  help: boolean;
}

const BOOL_WORDS: Record<string, boolean> = { true: true, false: false };

function boolValue(flag: string, text: string): boolean {
  const v = BOOL_WORDS[text.toLowerCase()];
  if (v === undefined) throw new UsageError(`--${flag} takes true or false, got '${text}'`);
  return v;
}

/** An enum word in any case, as the schema spells it. */
export function enumValue(f: FieldFlag, text: string, what: string): string {
  const found = f.values!.find((v) => v.toLowerCase() === text.toLowerCase());
  if (found !== undefined) return found;
  const near = nearestName(text, f.values!);
  throw new UsageError(`${what}: '${text}' is not valid${near ? `; did you mean '${near.toLowerCase()}'?` : ''} (use one of ${f.values!.map((v) => v.toLowerCase()).join(', ')})`);
}

function numberValue(flag: string, text: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`--${flag} takes a number, got '${text}'`);
  return Number(text);
}

export function validFlagNames(shape: VerbShape): string[] {
  return [...shape.flags.flatMap((f) => [f.flag, ...f.aliases]), ...Object.keys(FRONT_END_FLAGS)];
}

/** `unknown option '--dry_run'; did you mean '--dry-run'? (valid: …)` */
function unknownFlag(given: string, shape: VerbShape): UsageError {
  const near = nearestName(given, validFlagNames(shape));
  return new UsageError(`unknown option '--${given}'${near ? `; did you mean '--${near}'?` : ''} (valid: ${validFlagNames(shape).map((n) => `--${n}`).join(', ')}; moxxie ${shape.words.join(' ')} --help says what each does)`);
}

/** Reads flags and words; values are typed by their field (booleans, numbers, enums), not yet checked. */
export function readCommandLine(shape: VerbShape, argv: readonly string[]): CommandLine {
  const line: CommandLine = { fields: {}, givenAs: {}, positionals: [], yes: false, json: false, demo: false, readOnly: false, help: false };
  const byName = new Map<string, FieldFlag>();
  for (const f of shape.flags) for (const n of [f.flag, ...f.aliases]) byName.set(n, f);
  const frontEnd = FRONT_END_FLAGS as Record<string, { type: 'string' | 'boolean' }>;
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      line.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h') {
      line.help = true;
      continue;
    }
    if (!token.startsWith('-') || token === '-') {
      line.positionals.push(token);
      continue;
    }
    if (!token.startsWith('--')) throw new UsageError(`unknown option '${token}'; options are spelt out (valid: ${validFlagNames(shape).map((n) => `--${n}`).join(', ')}; moxxie ${shape.words.join(' ')} --help says what each does)`);
    const eq = token.indexOf('=');
    let name = eq < 0 ? token.slice(2) : token.slice(2, eq);
    let inline = eq < 0 ? undefined : token.slice(eq + 1);
    // --no-x is --x=false for a boolean flag.
    if (inline === undefined && name.startsWith('no-')) {
      const positive = name.slice(3);
      if (byName.get(positive)?.type === 'boolean' || frontEnd[positive]?.type === 'boolean') {
        name = positive;
        inline = 'false';
      }
    }
    const field = byName.get(name);
    const own = field ? undefined : frontEnd[name];
    if (!field && !own) throw unknownFlag(name, shape);
    const key = field ? field.field : name;
    if (seen.has(key) && field?.type !== 'list') throw new UsageError(`${field ? `${field.field} is` : `--${name} is`} given twice${field ? ` (--${line.givenAs[key]} and --${name})` : ''}`);
    seen.add(key);

    const type = field ? field.type : own!.type;
    let value: string | boolean;
    if (type === 'boolean') {
      if (inline !== undefined) value = boolValue(name, inline);
      else if (argv[i + 1] !== undefined && BOOL_WORDS[argv[i + 1].toLowerCase()] !== undefined) value = BOOL_WORDS[argv[++i].toLowerCase()];
      else value = true;
    } else {
      if (inline === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
        i++;
        inline = next;
      }
      value = inline;
    }

    if (!field) {
      const v = value as never;
      if (name === 'file') line.file = v;
      else if (name === 'context') line.context = v;
      else if (name === 'read-only') line.readOnly = v;
      else if (name === 'yes' || name === 'json' || name === 'demo' || name === 'help') line[name] = v;
      continue;
    }
    line.givenAs[field.field] = name;
    if (field.type === 'number') line.fields[field.field] = numberValue(name, value as string);
    else if (field.type === 'enum') line.fields[field.field] = enumValue(field, value as string, `--${name}`);
    else if (field.type === 'list') {
      const items = String(value).split(',').filter(Boolean);
      line.fields[field.field] = [...((line.fields[field.field] as unknown[] | undefined) ?? []), ...(field.numberItems ? items.map((item) => numberValue(name, item)) : items)];
    }
    else line.fields[field.field] = value;
  }
  return line;
}

const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Maps the words to fields: the mode word (unless --file gives the mode), the selector, the rest words.
 * Then merges the command line over the file's body; a field both give with different values is refused.
 */
export function buildRequest(shape: VerbShape, line: CommandLine, body: Record<string, unknown> | undefined): Record<string, unknown> {
  const words = [...line.positionals];
  const fromLine: Record<string, unknown> = { ...line.fields };
  const givenAs: Record<string, string> = Object.fromEntries(Object.entries(line.givenAs).map(([f, n]) => [f, `--${n}`]));
  const verb = `moxxie ${shape.words.join(' ')}`;
  if (shape.mode) {
    const mode = shape.mode;
    const modes = mode.values!.map((v) => v.toLowerCase()).join('|');
    const first = words[0];
    const isMode = first !== undefined && mode.values!.some((v) => v.toLowerCase() === first.toLowerCase());
    if (isMode) {
      fromLine[mode.field] = enumValue(mode, words.shift()!, mode.field);
      givenAs[mode.field] = `the word '${first}'`;
    } else if (body?.[mode.field] === undefined) {
      if (first === undefined) throw new UsageError(`say what to do first: ${verb} ${modes} SELECTOR …`);
      enumValue(mode, first, mode.field); // throws, naming the nearest
    }
  }
  if (shape.positional && words.length) {
    const p = shape.positional;
    const word = words.shift()!;
    const value = p.type === 'number' ? numberValue(p.field, word) : word;
    const flagged = line.fields[p.field];
    if (flagged !== undefined && flagged !== value) throw new UsageError(`${p.field} is given twice and they disagree: the word '${word}' and --${line.givenAs[p.field]} ${String(flagged)}`);
    fromLine[p.field] = value;
    givenAs[p.field] = `the word '${word}'`;
  }
  const selector = shape.selects ? words.shift() : undefined;
  if (selector !== undefined) {
    fromLine[SELECTION_FIELD] = selector;
    givenAs[SELECTION_FIELD] = `the selector '${selector}'`;
  }
  if (shape.rest) {
    if (words.length) {
      fromLine[shape.rest.field] = words.splice(0);
      givenAs[shape.rest.field] = 'the words after the selector';
    }
  } else if (words.length) {
    const hint = shape.selects ? 'give one SELECTOR (quote a selector of several terms, e.g. \'tag:web node:pve2\')' : `${verb} takes flags (or --file), no words`;
    throw new UsageError(`unexpected argument${words.length > 1 ? 's' : ''} ${words.map((w) => `'${w}'`).join(' ')}: ${hint}`);
  }
  const merged: Record<string, unknown> = { ...(body ?? {}) };
  for (const [field, value] of Object.entries(fromLine)) {
    if (body && field in body && !isEqual(body[field], value)) {
      throw new UsageError(`${field} is given twice and they disagree: ${JSON.stringify(body[field])} in --file, ${JSON.stringify(value)} from ${givenAs[field] ?? 'the command line'}`);
    }
    merged[field] = value;
  }
  if (shape.selects && merged[SELECTION_FIELD] === undefined) {
    throw new UsageError(`a SELECTOR is needed: which VMs, e.g. id:8200-8209, name:web-*, 'tag:(env-prod AND NOT always-on)' or all`);
  }
  return merged;
}

/** `--snapshot-name, --name TEXT` */
export function flagSyntax(f: FieldFlag): string {
  const names = [f.flag, ...f.aliases].map((n) => `--${n}`).join(', ');
  if (f.type === 'boolean') return `${names}, --no-${f.flag}`;
  if (f.type === 'enum') return `${names} ${f.values!.join('|')}`;
  if (f.type === 'number') return `${names} N`;
  if (f.type === 'list') return `${names} A,B`;
  return `${names} TEXT`;
}

/** What a field takes and means: `integer 1-20; guests worked on at once …`. */
export function flagAbout(f: FieldFlag): string {
  const kind =
    f.type === 'number'
      ? `${f.integer ? 'integer' : 'number'}${f.min !== undefined && f.max !== undefined ? ` ${f.min}-${f.max}` : f.min !== undefined ? ` from ${f.min}` : ''}`
      : f.type === 'boolean'
        ? 'on or off (also --FLAG=false, --FLAG false)'
        : f.type === 'enum'
          ? `one of ${f.values!.join(', ')}`
          : f.type === 'list'
            ? 'a list (repeat the flag or separate with commas)'
            : 'text';
  return `${f.required ? 'required; ' : ''}${kind}${f.description ? `: ${f.description}` : ''} [field ${f.field}]`;
}
