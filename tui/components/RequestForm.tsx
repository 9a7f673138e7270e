// A request form: every field on screen at once (label, value), the focused one editable — text in an
// @inkjs/ui TextInput, a choice picked with ←/→ — its hint below, and a problem named by its field.
// Fields scroll when the screen is short, so the form is never cut off. Keys other than typing are the
// keymap's ('form' scope: Tab/↑/↓ move, Enter next or submit, Ctrl+S submit, Esc cancel).
import { PasswordInput, TextInput } from '@inkjs/ui';
import { Box, Text } from 'ink';
import { screenLayout } from '../layout.js';
import { liveHintOf } from '../request-form-flow.js';
import { useTui, type FieldHint, type FormField, type RequestFormState, type TuiStore } from '../store.js';

const TONE: Record<string, string> = { info: 'gray', ok: 'green', error: 'red' };

const shown = (v: string) => (v === '' ? '(default)' : v);

/** Rows of a focused field's live hint: its caret line, then its text across the form. */
const hintRows = (hint: FieldHint | undefined, inner: number) => (hint ? (hint.caret ? 1 : 0) + Math.ceil((hint.text.length + 2) / Math.max(1, inner - 2)) : 0);

/** Rows a field takes: a focused text value wraps in its column (its cursor one place past the end), and its live hint follows. */
function fieldRows(form: RequestFormState, i: number, width: number, hint: number): number {
  if (i !== form.focus) return 1;
  if (form.fields[i].choices) return 1 + hint;
  return Math.max(1, Math.ceil((Array.from(form.values[i] ?? '').length + 1) / width)) + hint;
}

/**
 * The fields shown: as many as fit, the focused one always among them (`hint`: the rows of its live hint).
 * When not all fit, a row of `room` goes to the line that says so.
 */
export function fieldWindow(form: RequestFormState, room: number, width: number, hint = 0): { start: number; end: number } {
  const rows = form.fields.map((_, i) => fieldRows(form, i, width, hint));
  if (rows.reduce((a, b) => a + b, 0) > room) room -= 1;
  let start = form.focus;
  let used = rows[form.focus] ?? 1;
  while (start > 0 && used + rows[start - 1] <= room) used += rows[--start];
  let end = form.focus + 1;
  while (end < form.fields.length && used + rows[end] <= room) used += rows[end++];
  // Room left after the last field: show earlier ones too.
  while (start > 0 && used + rows[start - 1] <= room) used += rows[--start];
  return { start, end };
}

function Choices({ field, value, width }: { field: FormField; value: string; width: number }) {
  const choices = field.choices ?? [];
  const all = choices.map(shown).join('  ');
  // All of them when they fit, else the one picked and where it is among them.
  if (all.length + 4 <= width) {
    return (
      <Text wrap="truncate">
        {choices.map((c, i) => (
          <Text key={c || '(default)'}>
            {i ? '  ' : ''}
            <Text inverse={c === value} color={c === value ? 'cyan' : 'gray'}>
              {shown(c)}
            </Text>
          </Text>
        ))}
        <Text color="gray"> ←→</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate">
      <Text color="gray">‹ </Text>
      <Text inverse color="cyan">
        {shown(value)}
      </Text>
      <Text color="gray">
        {' '}
        › {choices.indexOf(value) + 1}/{choices.length} ←→
      </Text>
    </Text>
  );
}

/** A field's live hint under it: a caret under the part of the value it is about, then its text. */
function LiveHint({ hint, indent, width }: { hint: FieldHint; indent: number; width: number }) {
  return (
    <>
      {hint.caret ? (
        <Text color="red" wrap="truncate">
          {' '.repeat(indent + hint.caret.column)}
          {'^'.repeat(Math.max(1, hint.caret.length))}
        </Text>
      ) : null}
      <Box width={width} paddingLeft={2}>
        <Text color={TONE[hint.tone]} wrap="wrap">
          {hint.tone === 'error' ? '✗ ' : ''}
          {hint.text}
        </Text>
      </Box>
    </>
  );
}

export function RequestForm({ store, onChange }: { store: TuiStore; onChange: (index: number, generation: number, value: string) => void }) {
  const form = useTui(store, (s) => s.requestForm);
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const columns = useTui(store, (s) => s.size.columns);
  if (!form) return null;
  const inner = columns - 2;
  const labelWidth = Math.min(26, Math.max(...form.fields.map((f) => f.label.length)) + 2);
  const valueWidth = Math.max(10, inner - labelWidth - 2);
  const field = form.fields[form.focus];
  const hint = form.choices ? `Tab: ${form.choices.join('  ')}` : (field?.hint ?? '');
  const error = form.error?.text;
  // An error gets up to three rows (it is the thing to read); the title, the live plan and the hint one each.
  const errorRows = error ? Math.min(3, Math.ceil((error.length + 2) / inner)) : 0;
  const room = Math.max(1, bodyRows - 2 - (form.live ? 1 : 0) - errorRows);
  const live = liveHintOf(form, form.focus);
  const win = fieldWindow(form, room, valueWidth, hintRows(live, inner));
  const scrolled = win.start > 0 || win.end < form.fields.length;
  return (
    <Box flexDirection="column" paddingX={1} flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>{form.title}</Text>
        <Text color="gray"> — Enter on the last field {form.submitLabel}</Text>
      </Text>
      {form.live ? (
        <Text wrap="truncate" color={TONE[form.live.tone]}>
          {form.live.text}
        </Text>
      ) : null}
      {form.fields.slice(win.start, win.end).map((f, j) => {
        const i = win.start + j;
        const focused = i === form.focus;
        const bad = form.error?.index === i;
        return (
          <Box key={`${form.id}-${f.key}`} flexDirection="column">
            <Box flexDirection="row">
              <Box width={labelWidth + 2} flexShrink={0}>
                <Text wrap="truncate" color={bad ? 'red' : focused ? 'cyan' : undefined} bold={focused}>
                  {focused ? '› ' : '  '}
                  {f.label}
                </Text>
              </Box>
              <Box width={valueWidth} flexShrink={0}>
                {focused && f.choices ? (
                  <Choices field={f} value={form.values[i]} width={valueWidth} />
                ) : focused && f.secret ? (
                  // Masked as typed; it starts empty (typing replaces a value already set, which is never shown).
                  <PasswordInput key={`${form.id}-${i}-${form.generation}`} placeholder={form.values[i] ? '(set)' : ''} onChange={(v) => onChange(i, form.generation, v)} />
                ) : focused ? (
                  <TextInput key={`${form.id}-${i}-${form.generation}`} defaultValue={form.values[i]} onChange={(v) => onChange(i, form.generation, v)} />
                ) : (
                  <Text wrap="truncate" color={f.choices && form.values[i] === '' ? 'gray' : undefined}>
                    {f.choices ? shown(form.values[i]) : f.secret ? (form.values[i] ? '(set)' : '') : form.values[i]}
                  </Text>
                )}
              </Box>
            </Box>
            {focused && live ? <LiveHint hint={live} indent={labelWidth + 2} width={inner} /> : null}
          </Box>
        );
      })}
      {scrolled ? (
        <Text color="gray">
          fields {win.start + 1}–{win.end} of {form.fields.length} (Tab/↑↓ scroll)
        </Text>
      ) : null}
      <Text color="gray" wrap="truncate">
        {hint}
      </Text>
      {error ? (
        <Box height={errorRows}>
          <Text color="red" wrap="wrap">
            ✗ {error}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}
