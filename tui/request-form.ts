// What a request form is made of: the fields an action asks for (declared once per action in
// tui/action-forms.ts), each tied to a field of the capability's request so that its type (yes/no, a
// choice, a number, text), its hint and its check come from the capability's strict schema. The typed
// answers become the request; a wrong answer is named by the field's label.
import type { BackupEntry } from '../src/ops/backup-list.js';
import { isSecretField } from '../src/ops/request-record.js';
import { issueMessage } from '../src/ops/request-schema.js';
import type { OperationKind } from '../src/ops/types.js';
import { schemaFieldOf } from './request-options.js';
import type { FormField, TuiState } from './store.js';

/** What a form's defaults and choices are read from. */
export interface FormEnv {
  state: TuiState;
  /** The VMs acted on (marked, or under the cursor). */
  ids: number[];
  /** "VM 100" or "3 VMs". */
  who: string;
  /** The backup under the cursor (restore). */
  backup?: BackupEntry;
}

export interface FieldSpec {
  /** The request's field (its schema gives type, hint and check), or a form-only key when `schema` is false. */
  key: string;
  label: string;
  /** Said under the form while the field is focused; default: the schema's description. */
  hint?: string;
  /** The starting value; default '' (or the first choice). */
  value?: (env: FormEnv) => string;
  /** The values to pick from; default: yes/no for a boolean, the values of an enum, else free text. */
  choices?: (env: FormEnv) => string[];
  /** Comma- or space-separated words, sent as a list. */
  list?: boolean;
  complete?: 'tags';
  /** false: not a field of the request (the action's `request` maps it); the core checks it when planning. */
  schema?: false;
}

/** Typed answers by field key: numbers, booleans, lists and text; an empty answer is absent. */
export type Answers = Record<string, unknown>;

export interface ActionForm {
  kind: OperationKind;
  /** The form's heading: "back up 2 VMs". */
  heading: (env: FormEnv) => string;
  fields: FieldSpec[];
  /** The request acts on the VMs (the marked ones, or the one under the cursor). */
  onVms: boolean;
  /** The request from the answers; default: the answers as its fields (with the VMs when `onVms`). */
  request?: (answers: Answers, env: FormEnv) => Record<string, unknown>;
  /** The plan's title: "back up 2 VMs to local". */
  title: (request: Record<string, unknown>, env: FormEnv) => string;
}

const YES_NO = ['no', 'yes'];

export function formFields(form: ActionForm, env: FormEnv): { fields: FormField[]; values: string[] } {
  const fields: FormField[] = [];
  const values: string[] = [];
  for (const f of form.fields) {
    const sf = f.schema === false ? undefined : schemaFieldOf(form.kind, f.key);
    const choices = f.choices?.(env) ?? (sf?.type === 'boolean' ? YES_NO : sf?.type === 'enum' ? [...(sf.values ?? [])] : undefined);
    const range = sf?.type === 'number' && sf.min !== undefined && sf.max !== undefined ? ` (${sf.min}-${sf.max})` : '';
    const hint = f.hint ?? `${sf?.description ?? ''}${range}`;
    fields.push({ key: f.key, label: f.label, hint: f.complete === 'tags' ? `${hint}; Tab completes the cluster's tags` : hint, ...(choices ? { choices } : {}), ...(f.complete ? { complete: f.complete } : {}), ...(isSecretField(f.key) ? { secret: true } : {}) });
    values.push(f.value?.(env) ?? choices?.[0] ?? '');
  }
  return { fields, values };
}

export function splitWords(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

/**
 * One answer typed by its schema: yes/no → true/false, a number → a number (anything else as typed: the
 * schema names the field and the range), a list → words; empty → absent. A choice left at its starting
 * value is absent too, so the capability's own default applies (every form starts at that default).
 */
function answerOf(form: ActionForm, spec: FieldSpec, text: string, start: string, chosen: boolean): unknown {
  const t = text.trim();
  if (!t || (chosen && t === start && spec.schema !== false && schemaFieldOf(form.kind, spec.key)?.required !== true)) return undefined;
  if (spec.list) return splitWords(t);
  const sf = spec.schema === false ? undefined : schemaFieldOf(form.kind, spec.key);
  if (sf?.type === 'boolean') return t === 'yes' ? true : t === 'no' ? false : t;
  if (sf?.type === 'number') return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
  return t;
}

/**
 * The answers typed and checked field by field against the capability's schema; the first problem
 * names the field by its label (and says which, so the form can focus it).
 */
export function readAnswers(form: ActionForm, env: FormEnv, values: string[]): { answers: Answers } | { index: number; text: string } {
  const starts = formFields(form, env).values;
  const answers: Answers = {};
  for (const [i, spec] of form.fields.entries()) {
    const chosen = !!(spec.choices || (spec.schema !== false && ['boolean', 'enum'].includes(schemaFieldOf(form.kind, spec.key)?.type ?? '')));
    const value = answerOf(form, spec, values[i] ?? '', starts[i], chosen);
    const sf = spec.schema === false ? undefined : schemaFieldOf(form.kind, spec.key);
    if (sf && (value !== undefined || sf.required)) {
      const checked = sf.schema.safeParse(value);
      if (!checked.success) return { index: i, text: `${spec.label}: ${issueMessage(sf.schema, checked.error.issues[0]).message}` };
    }
    if (value !== undefined) answers[spec.key] = value;
  }
  return { answers };
}

export function vmSelectorsOf(ids: number[]): Array<{ type: 'VM_IDS'; value: string }> {
  return [{ type: 'VM_IDS', value: ids.join(',') }];
}

export function requestOf(form: ActionForm, env: FormEnv, answers: Answers): Record<string, unknown> {
  if (form.request) return form.request(answers, env);
  return { ...(form.onVms ? { vmSelectors: vmSelectorsOf(env.ids) } : {}), ...answers };
}

/** The form field a core error names ("ttlHours: must be …"), to focus it. */
export function fieldIndexOf(form: ActionForm, requestField: string): number | undefined {
  const top = requestField.split(/[.[]/)[0];
  const i = form.fields.findIndex((f) => f.key === top);
  return i >= 0 ? i : undefined;
}
