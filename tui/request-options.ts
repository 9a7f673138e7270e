// The options a plan dialog offers (o): every optional field of the capability's request that takes one
// value — force, timeoutSeconds, maxParallel, a snapshot's description and includeMemory, moxxieOnly … —
// read from the capability's strict schema, so a field a capability adds is offered without a list here.
// What the action's form already asked (required fields), the selection and dryRun are not options.
import { z } from 'zod';
import { capabilityOf } from '../src/ops/capabilities/index.js';
import { isSecretField } from '../src/ops/request-record.js';
import type { OperationKind } from '../src/ops/types.js';

export interface OptionField {
  field: string;
  type: 'boolean' | 'number' | 'enum' | 'text';
  values?: readonly string[];
  min?: number;
  max?: number;
  description?: string;
}

const NOT_OPTIONS = new Set(['vmSelectors', 'dryRun']);

function unwrap(s: z.ZodType): z.ZodType {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** What the schema says about one field of a capability's request (required ones too), for a form's field. */
export function schemaFieldOf(kind: OperationKind, field: string): (OptionField & { required: boolean; schema: z.ZodType }) | undefined {
  const schema = capabilityOf(kind).schema as unknown;
  if (!(schema instanceof z.ZodObject)) return undefined;
  const s = (schema.shape as Record<string, z.ZodType>)[field];
  if (!s) return undefined;
  const inner = unwrap(s);
  const description = s.description ?? inner.description;
  const base = { field, description, required: !s.isOptional(), schema: s };
  if (inner instanceof z.ZodBoolean) return { ...base, type: 'boolean' };
  if (inner instanceof z.ZodNumber) {
    const bound = (v: number | null) => (v === null || !Number.isFinite(v) ? undefined : v);
    return { ...base, type: 'number', min: bound(inner.minValue), max: bound(inner.maxValue) };
  }
  if (inner instanceof z.ZodEnum) return { ...base, type: 'enum', values: inner.options as string[] };
  return { ...base, type: 'text' };
}

const cache = new Map<OperationKind, OptionField[]>();

export function optionFieldsOf(kind: OperationKind): OptionField[] {
  const hit = cache.get(kind);
  if (hit) return hit;
  const schema = capabilityOf(kind).schema as unknown;
  const out: OptionField[] = [];
  if (schema instanceof z.ZodObject) {
    for (const [field, s] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      if (NOT_OPTIONS.has(field) || !s.isOptional()) continue;
      const inner = unwrap(s);
      const description = s.description ?? inner.description;
      if (inner instanceof z.ZodBoolean) out.push({ field, type: 'boolean', description });
      else if (inner instanceof z.ZodNumber) {
        const bound = (v: number | null) => (v === null || !Number.isFinite(v) ? undefined : v);
        out.push({ field, type: 'number', min: bound(inner.minValue), max: bound(inner.maxValue), description });
      } else if (inner instanceof z.ZodEnum) out.push({ field, type: 'enum', values: inner.options as string[], description });
      else if (inner instanceof z.ZodString) out.push({ field, type: 'text', description });
    }
  }
  cache.set(kind, out);
  return out;
}

/** A typed answer as the field's value; empty means "the default" (the field left out). */
export function optionValue(f: OptionField, text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  if (f.type === 'boolean') return /^(y|yes|true)$/i.test(t) ? true : /^(n|no|false)$/i.test(t) ? false : t;
  // A number that is not one is passed on as typed: the core's schema names the field and the range.
  if (f.type === 'number') return Number.isFinite(Number(t)) ? Number(t) : t;
  return t;
}

export function shownValue(v: unknown): string {
  if (v === undefined) return '(default)';
  if (v === true) return 'yes';
  if (v === false) return 'no';
  return String(v);
}

/** The options set, for the plan dialog's line: "force yes · maxParallel 3". */
export function optionsSummary(kind: OperationKind, request: Record<string, unknown>): string {
  return optionFieldsOf(kind)
    .filter((f) => request[f.field] !== undefined)
    .map((f) => `${f.field} ${isSecretField(f.field) ? '(set)' : shownValue(request[f.field])}`)
    .join(' · ');
}
