// Keys as plain names ("chords"): Ink's (input, key) pair becomes a list of chords such as `j`, `G`,
// `space`, `enter`, `ctrl+f`, `pagedown`. The keymap binds chords, so one table both dispatches and
// labels every key. Text that arrives in one chunk (fast typing, a paste) becomes one chord per
// character, so "jj" moves twice and a pasted name is typed letter by letter.
import type { Key } from 'ink';

export type Chord = string;

const NAMED: Array<[keyof Key, Chord]> = [
  ['upArrow', 'up'],
  ['downArrow', 'down'],
  ['leftArrow', 'left'],
  ['rightArrow', 'right'],
  ['pageUp', 'pageup'],
  ['pageDown', 'pagedown'],
  ['home', 'home'],
  ['end', 'end'],
  ['return', 'enter'],
  ['escape', 'esc'],
];

function charChord(ch: string): Chord {
  if (ch === ' ') return 'space';
  if (ch === '\r' || ch === '\n') return 'enter';
  if (ch === '\t') return 'tab';
  if (ch === '\x7f' || ch === '\b') return 'backspace';
  return ch;
}

export function chordsOf(input: string, key: Key): Chord[] {
  for (const [flag, name] of NAMED) if (key[flag] === true) return [name];
  if (key.tab) return [key.shift ? 'shift+tab' : 'tab'];
  // Ink reports the Backspace key (DEL, 0x7f) as `delete`; both edit backwards here.
  if (key.backspace || key.delete) return ['backspace'];
  if (key.ctrl && input.length === 1) return [`ctrl+${input.toLowerCase()}`];
  if (key.meta && input.length === 1) return [`alt+${input}`];
  return Array.from(input, charChord);
}

/** The characters a chord types into a text field, or undefined for keys that do not type. */
export function typedText(chord: Chord): string | undefined {
  if (chord === 'space') return ' ';
  return [...chord].length === 1 ? chord : undefined;
}

const LABELS: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  esc: 'Esc',
  space: 'Space',
  tab: 'Tab',
  'shift+tab': 'Shift+Tab',
  backspace: 'Backspace',
};

export function chordLabel(chord: Chord): string {
  if (LABELS[chord]) return LABELS[chord];
  const ctrl = /^ctrl\+(.)$/.exec(chord);
  if (ctrl) return `Ctrl+${ctrl[1].toUpperCase()}`;
  return chord;
}
