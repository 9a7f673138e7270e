// Strict request schemas: every capability's request (and every front end's input built on it) is a zod
// strict object, so an unknown or misspelt field is refused, naming it, the valid names and the nearest one.
// Field builders carry the core's own wording ("must be an integer from 1 to 20 (got 50)").
import { z } from 'zod';
import { RequestError } from './errors.js';
import { nearestName } from '../text/nearest-name.js';

const shown = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** An integer in [min, max]; the message names the range and what was given. */
export function intField(min: number, max: number, what = 'an integer') {
  const message = (iss: { input?: unknown }) => `must be ${what} from ${min} to ${max} (got ${shown(iss.input)})`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

export function boolField() {
  return z.boolean({ error: (iss) => `must be true or false (got ${shown(iss.input)})` });
}

export function enumField<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (iss) => `'${String(iss.input)}' is not valid; use one of ${values.join(', ')}` });
}

/** A non-empty string; `hint` says what would be valid. */
export function textField(hint: string) {
  return z.string({ error: () => hint }).min(1, { error: () => hint });
}

/** The field names a strict object accepts (for help, CLI flags and the "did you mean" hint). */
export function fieldNames(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

/** `unknown field 'dry_run'; did you mean 'dryRun'? valid fields: …` */
export function unknownFieldMessage(key: string, valid: readonly string[]): string {
  const near = nearestName(key, valid);
  return `unknown field '${key}'${near ? `; did you mean '${near}'?` : ''} (valid fields: ${valid.join(', ')})`;
}

function pathText(path: readonly PropertyKey[], prefix?: string): string {
  let out = prefix ?? '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(request)';
}

/** The object schema at `path` inside `schema`, to list its field names for an unknown-key issue. */
function objectAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | undefined {
  let s: z.ZodType | undefined = schema;
  for (const p of path) {
    s = unwrap(s);
    // A field name where an array's index belongs: the path leads nowhere this schema knows.
    if (s instanceof z.ZodArray && typeof p === 'string') return undefined;
    if (s instanceof z.ZodObject) s = s.shape[String(p)] as z.ZodType | undefined;
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodUnion) s = (s.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodArray || o instanceof z.ZodObject);
    else return undefined;
  }
  s = unwrap(s);
  if (s instanceof z.ZodArray) s = unwrap(s.element as z.ZodType);
  if (s instanceof z.ZodUnion) s = (s.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
  return s instanceof z.ZodObject ? s : undefined;
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** The first problem of a failed parse as one line naming the field. */
export function issueMessage(schema: z.ZodType, issue: z.core.$ZodIssue, prefix?: string): { field: string; message: string } {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const obj = objectAt(schema, issue.path);
    const valid = obj ? fieldNames(obj) : [];
    return { field: pathText([...issue.path, key], prefix), message: unknownFieldMessage(key, valid) };
  }
  if (issue.code === 'invalid_union') {
    // A union's own message (set on the schema) says what is valid; zod's generic one does not.
    const own = issue.message && issue.message !== 'Invalid input' ? issue.message : 'is not valid here';
    return { field: pathText(issue.path, prefix), message: own };
  }
  return { field: pathText(issue.path, prefix), message: issue.message };
}

/** Parses a request; the first problem becomes a RequestError naming its field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.infer<S> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new RequestError(prefix ?? 'request', `must be an object of fields (got ${shown(input)})`);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { field, message } = issueMessage(schema, result.error.issues[0], prefix);
  throw new RequestError(field, message);
}
