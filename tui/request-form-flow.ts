// The keys of an open request form (mode 'request'): move between fields, pick a choice, clear a field,
// complete tags, submit, cancel. The values live in the store; the focused text field's @inkjs/ui
// TextInput reports what is typed through `changed`. What a submit does belongs to whoever opened the
// form (an action's plan, a plan's options).
import { completeWord } from './command-line.js';
import type { CompletionSources } from './command-table.js';
import { say, type FieldHint, type FormField, type FormScope, type RequestFormState, type TuiStore } from './store.js';

/** A field's live hint for the form's values (its renderer gets the others' by key). */
export function liveHintOf(form: Pick<RequestFormState, 'fields' | 'values'>, index: number): FieldHint | undefined {
  const field = form.fields[index];
  if (!field?.liveHint) return undefined;
  const valueOf = (key: string) => form.values[form.fields.findIndex((f) => f.key === key)] ?? '';
  return field.liveHint(form.values[index] ?? '', valueOf);
}

/** The first field whose live hint is an error, as a problem naming it. */
function liveProblem(form: Pick<RequestFormState, 'fields' | 'values'>, only?: number): { index: number; text: string } | undefined {
  for (const [index, field] of form.fields.entries()) {
    if (only !== undefined && index !== only) continue;
    const hint = liveHintOf(form, index);
    if (hint?.tone === 'error') return { index, text: `${field.label}: ${hint.text}` };
  }
  return undefined;
}

export interface FormHandlers {
  /** Enter on the last field (or Ctrl+S): a problem comes back, with the field it is about; none closes the form. */
  submit: (values: string[]) => Promise<{ index?: number; text: string } | undefined>;
  /** Every change of a value (the options of a plan re-plan on it). */
  changed?: (values: string[]) => void;
  cancel?: () => void;
  /** Esc does what the submit does (a plan's options: back to the plan, once the newest one is made). */
  cancelSubmits?: boolean;
  /** The form's own keymap scope (the job form's: Enter and Ctrl+S save the job). */
  keyScope?: FormScope;
}

let nextId = 1;

export class RequestFormFlow {
  private handlers: FormHandlers | null = null;
  private submitting = false;

  constructor(
    private readonly store: TuiStore,
    private readonly sources: () => CompletionSources,
  ) {}

  open(title: string, fields: FormField[], values: string[], handlers: FormHandlers, submitLabel = 'plans'): void {
    this.handlers = handlers;
    this.submitting = false;
    const form: RequestFormState = { id: nextId++, title, fields, values, focus: 0, generation: 0, submitLabel, ...(handlers.keyScope ? { keyScope: handlers.keyScope } : {}) };
    this.store.setState({ mode: 'request', requestForm: form, status: null });
  }

  private get form(): RequestFormState | null {
    return this.store.getState().requestForm;
  }

  private update(patch: Partial<RequestFormState>): void {
    const f = this.form;
    if (f) this.store.setState({ requestForm: { ...f, ...patch } });
  }

  private setValue(index: number, value: string, restart: boolean, choices?: string[]): void {
    const f = this.form;
    if (!f) return;
    const values = f.values.map((v, i) => (i === index ? value : v));
    this.update({ values, error: undefined, choices: choices?.length ? choices : undefined, ...(restart ? { generation: f.generation + 1 } : {}) });
    this.handlers?.changed?.(values);
  }

  /** What the focused TextInput typed; a report from an input since restarted (cleared, completed) is stale. */
  changed(index: number, generation: number, value: string): void {
    const f = this.form;
    if (!f || f.generation !== generation || f.values[index] === value) return;
    this.setValue(index, value, false);
  }

  move(delta: number): void {
    const f = this.form;
    if (!f || !f.fields.length) return;
    this.update({ focus: (f.focus + delta + f.fields.length) % f.fields.length, choices: undefined });
  }

  /** ←/→ on a field with choices. */
  cycle(delta: number): void {
    const f = this.form;
    const choices = f?.fields[f.focus]?.choices;
    if (!f || !choices?.length) return;
    const at = choices.indexOf(f.values[f.focus]);
    this.setValue(f.focus, choices[(at + delta + choices.length) % choices.length], true);
  }

  /** A letter typed on a field with choices picks the next choice that starts with it (y, n, s …). */
  typed(text: string): void {
    const f = this.form;
    const choices = f?.fields[f.focus]?.choices;
    if (!f || !choices?.length || text.length !== 1) return;
    const at = choices.indexOf(f.values[f.focus]);
    const order = [...choices.slice(at + 1), ...choices.slice(0, at + 1)];
    const hit = order.find((c) => c.toLowerCase().startsWith(text.toLowerCase()));
    if (hit !== undefined) this.setValue(f.focus, hit, true);
  }

  clear(): void {
    const f = this.form;
    if (f && !f.fields[f.focus]?.choices) this.setValue(f.focus, '', true);
  }

  /** Tab: completes a tag being typed (listing the choices when several fit), else the next field. */
  tab(): void {
    const f = this.form;
    if (!f) return;
    const field = f.fields[f.focus];
    const value = f.values[f.focus] ?? '';
    if (field?.complete === 'tags' && /[^\s,;]$/.test(value)) {
      const done = completeWord(value, this.sources().tags, /([^\s,;]*)$/);
      if (done.text !== value || done.choices.length) return this.setValue(f.focus, done.text, done.text !== value, done.choices);
    }
    this.move(1);
  }

  /** Enter: the next field (not past one whose live hint is an error), or on the last one the submit. */
  enter(): void {
    const f = this.form;
    if (!f) return;
    const wrong = liveProblem(f, f.focus);
    if (wrong) return this.refused(wrong);
    if (f.focus < f.fields.length - 1) return this.move(1);
    void this.submit();
  }

  async submit(): Promise<void> {
    const f = this.form;
    if (!f || !this.handlers || this.submitting) return;
    this.submitting = true;
    const handlers = this.handlers;
    try {
      // The focused input reports what was typed from an effect after it renders: let a pending one land first.
      await new Promise((resolve) => setImmediate(resolve));
      const now = this.form ?? f;
      const problem = liveProblem(now) ?? (await handlers.submit(now.values));
      // The form may have been closed (or another opened) meanwhile.
      if (this.handlers !== handlers) return;
      if (problem) this.refused(problem);
      else this.close();
    } finally {
      this.submitting = false;
    }
  }

  /** A problem shown in the form, its field focused. */
  private refused(problem: { index?: number; text: string }): void {
    const now = this.form;
    if (now) this.store.setState({ requestForm: { ...now, error: problem, focus: problem.index ?? now.focus, choices: undefined } });
    say(this.store, problem.text, 'error');
  }

  /**
   * New fields for an open form (a job's parameters when its task type changes): the focus stays on the
   * field of the same key, and the inputs restart from the new values.
   */
  reshape(fields: FormField[], values: string[]): void {
    const f = this.form;
    if (!f) return;
    const key = f.fields[f.focus]?.key;
    const focus = Math.max(0, fields.findIndex((x) => x.key === key));
    this.update({ fields, values, focus, error: undefined, generation: f.generation + 1 });
  }

  cancel(): void {
    if (this.handlers?.cancelSubmits) return void this.submit();
    const handlers = this.handlers;
    this.close();
    handlers?.cancel?.();
  }

  close(): void {
    this.handlers = null;
    const s = this.store.getState();
    this.store.setState({ requestForm: null, ...(s.mode === 'request' ? { mode: s.confirm ? 'confirm' : 'normal' } : {}) });
  }

  /** The options of a plan show the live plan here. */
  setLive(live: RequestFormState['live']): void {
    this.update({ live });
  }
}
