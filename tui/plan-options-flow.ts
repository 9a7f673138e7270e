// The options of a plan (o in the plan dialog): a request form over every optional field of the
// capability's request (tui/request-options.ts reads them from its schema). The plan is made again as
// they change — debounced, newest answer only (tui/latest-plan.ts) — and its counts and skip reasons
// show live in the form; Enter on the last field or Esc goes back to the plan as last made.
import type { Operation } from '../src/ops/types.js';
import type { ActionFlow, Planned } from './actions.js';
import { skipReasonCounts } from './components/PlanBreakdown.js';
import { LatestPlan } from './latest-plan.js';
import { optionFieldsOf, optionValue, schemaFieldOf, shownValue, type OptionField } from './request-options.js';
import type { RequestFormFlow } from './request-form-flow.js';
import { isSecretField } from '../src/ops/request-record.js';
import { issueMessage } from '../src/ops/request-schema.js';
import { say, type FormField, type PlanOptions, type TuiStore } from './store.js';

export const REPLAN_DELAY_MS = 250;

const rangeOf = (f: OptionField) => (f.type === 'number' && f.min !== undefined && f.max !== undefined ? ` (${f.min}-${f.max})` : '');

/** An optional field of a request (or a job's parameter) as a form field. */
export function formFieldOf(f: OptionField): FormField {
  const hint = `${f.description ?? ''}${rangeOf(f)}`;
  if (isSecretField(f.field)) return { key: f.field, label: f.field, hint: `${hint}${hint ? '; ' : ''}typing replaces it; empty: the default`, secret: true };
  // '' is "(default)": the field left out, the capability's default applies.
  if (f.type === 'boolean') return { key: f.field, label: f.field, hint, choices: ['', 'yes', 'no'] };
  if (f.type === 'enum') return { key: f.field, label: f.field, hint, choices: ['', ...(f.values ?? [])] };
  return { key: f.field, label: f.field, hint: `${hint}${hint ? '; ' : ''}empty: the default` };
}

export class PlanOptionsFlow {
  private latest: LatestPlan<Record<string, unknown>, { p: Planned; op: Operation }> | null = null;

  constructor(
    private readonly store: TuiStore,
    private readonly forms: RequestFormFlow,
    private readonly actions: ActionFlow,
    private readonly delayMs = REPLAN_DELAY_MS,
  ) {}

  open(): void {
    const c = this.store.getState().confirm;
    const options = c?.options;
    const fields = options ? optionFieldsOf(options.kind) : [];
    if (!c || !options || !fields.length) return say(this.store, 'this plan has no options to change');
    // The request without its options: what the options are applied to.
    const base = { ...options.request };
    for (const f of fields) delete base[f.field];
    this.latest?.cancel();
    const latest = new LatestPlan<Record<string, unknown>, { p: Planned; op: Operation }>(
      this.delayMs,
      async (request) => {
        const p = options.planned(request) as Planned;
        return { p, op: await p.run(true) };
      },
      ({ p, op }) => this.applied(p, op),
      (err) => this.forms.setLive({ text: `✗ ${err.message} (the plan shown is the one before)`, tone: 'error' }),
    );
    this.latest = latest;
    const values = fields.map((f) => (options.request[f.field] === undefined ? '' : shownValue(options.request[f.field])));
    this.forms.open(
      `Options of ${c.title}`,
      fields.map(formFieldOf),
      values,
      {
        changed: (v) => this.changed(options, base, fields, v),
        // Back to the plan once the newest one is made.
        submit: async () => {
          await latest.flush();
          return undefined;
        },
        cancelSubmits: true,
      },
      'goes back to the plan',
    );
    this.forms.setLive({ text: this.summary(c.count, c.rows.length - c.count, c.rows), tone: 'info' });
  }

  private changed(options: PlanOptions, base: Record<string, unknown>, fields: OptionField[], values: string[]): void {
    const request: Record<string, unknown> = { ...base };
    for (const [i, f] of fields.entries()) {
      const value = optionValue(f, values[i] ?? '');
      if (value === undefined) continue;
      // Checked by the field's own schema before anything is planned: the error names the field.
      const sf = schemaFieldOf(options.kind, f.field);
      const checked = sf?.schema.safeParse(value);
      if (sf && checked && !checked.success) {
        this.latest?.cancel();
        return this.forms.setLive({ text: `✗ ${f.field}: ${issueMessage(sf.schema, checked.error.issues[0]).message} (not planned)`, tone: 'error' });
      }
      request[f.field] = value;
    }
    this.forms.setLive({ text: 'planning…', tone: 'info' });
    this.latest?.schedule(request);
  }

  private applied(p: Planned, op: Operation): void {
    // The plan was run or closed meanwhile: nothing to show it in.
    const s = this.store.getState();
    if (!s.confirm || (s.mode !== 'request' && s.mode !== 'confirm')) return;
    const confirm = this.actions.confirmOf(p, op);
    this.store.setState({ confirm });
    this.forms.setLive({ text: this.summary(confirm.count, confirm.rows.length - confirm.count, confirm.rows), tone: 'ok' });
  }

  private summary(count: number, skipped: number, rows: Parameters<typeof skipReasonCounts>[0]): string {
    const reasons = skipReasonCounts(rows)
      .map(([why, n]) => `${n} × ${why}`)
      .join('; ');
    return `plan: ${count} will change · ${skipped} skipped${reasons ? ` — ${reasons}` : ''}`;
  }
}
