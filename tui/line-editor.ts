// Typing: the `/` filter, the `:` command line (live selector feedback, Tab completion, dispatch through
// the command table) and the one-line prompt of a typed confirmation (a job's name to delete it). The
// fields of an action's request are a form (tui/request-form-flow.ts).
import { parseSelectorLine, resolveSelectorLine } from '../src/select/selector-line.js';
import { completeLine, parseCommand, type Completion } from './command-line.js';
import { commandFor, type Command, type CommandHost, type CompletionSources } from './command-table.js';
import { rowCount } from './rows.js';
import { say, type TuiStore } from './store.js';

export class LineEditor {
  constructor(
    private readonly store: TuiStore,
    private readonly sources: () => CompletionSources,
    private readonly setFilter: (text: string) => void,
    private readonly commands: CommandHost,
  ) {}

  beginLine(kind: 'filter' | 'command'): void {
    const s = this.store.getState();
    this.store.setState({ mode: kind, line: { kind, text: kind === 'filter' ? (s.filters[s.view] ?? '') : '' }, status: null });
  }

  private setText(text: string, choices: string[] = []): void {
    const s = this.store.getState();
    if (s.mode === 'prompt' && s.prompt) {
      this.store.setState({ prompt: { ...s.prompt, value: text, error: undefined } });
      return;
    }
    if (!s.line) return;
    const hint = choices.length ? { text: `Tab: ${choices.join('  ')}`, error: false } : s.line.kind === 'command' ? this.commandHint(text) : undefined;
    this.store.setState({ line: { ...s.line, text, hint } });
    if (s.line.kind === 'filter') this.setFilter(text);
  }

  private currentText(): string {
    const s = this.store.getState();
    if (s.mode === 'prompt' && s.prompt) return s.prompt.value;
    return s.line?.text ?? '';
  }

  typeText(text: string): void {
    this.setText(this.currentText() + text);
  }

  eraseChar(): void {
    const s = this.store.getState();
    if (s.mode === 'confirm' && s.confirm) {
      this.store.setState({ confirm: { ...s.confirm, typed: s.confirm.typed.slice(0, -1) } });
      return;
    }
    this.setText(Array.from(this.currentText()).slice(0, -1).join(''));
  }

  clearLine(): void {
    this.setText('');
  }

  /** Tab: completes the word being typed, and lists the choices when several still fit. */
  complete(): void {
    const s = this.store.getState();
    let done: Completion | undefined;
    if (s.mode === 'command' && s.line) done = completeLine(s.line.text, this.sources());
    if (!done) return;
    this.setText(done.text, done.choices);
  }

  /** Live feedback under the command line: a selector's error, or how many VMs it matches. */
  private commandHint(text: string): { text: string; error: boolean } | undefined {
    const m = /^\s*(vms?|mark)\s+(.+)$/i.exec(text);
    if (!m) return undefined;
    const inv = this.store.getState().inventory;
    try {
      const line = parseSelectorLine(m[2]);
      if (!inv) return { text: 'selector ok', error: false };
      const n = resolveSelectorLine(inv, line).vms.length;
      return { text: `${n} VM${n === 1 ? '' : 's'} match`, error: false };
    } catch (err) {
      return { text: (err as Error).message, error: true };
    }
  }

  /** Enter on a filter or command line (a prompt's Enter goes to the action flow). */
  submitLine(): void {
    const s = this.store.getState();
    if (!s.line) return;
    if (s.line.kind === 'filter') {
      this.store.setState({ mode: 'normal', line: null });
      const n = rowCount(this.store.getState());
      say(this.store, s.line.text ? `filter /${s.line.text}: ${n} row${n === 1 ? '' : 's'} (Esc clears)` : 'filter cleared');
      return;
    }
    const parsed = parseCommand(s.line.text);
    if ('error' in parsed) {
      this.store.setState({ line: { ...s.line, hint: { text: parsed.error, error: true } } });
      return say(this.store, parsed.error, 'error');
    }
    void this.runCommand(parsed);
  }

  /** Runs a parsed command through its table entry. */
  async runCommand(cmd: Command): Promise<void> {
    await commandFor(cmd).run(this.commands, cmd);
  }
}
