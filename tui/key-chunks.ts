// Keys that arrive together on stdin (three Backspaces in one write, Ctrl+U and the text typed after it)
// reach Ink as one chunk, and Ink and an @inkjs/ui TextInput read a chunk as one key: "\x7f\x7f\x7f"
// was typed into the field as invisible characters instead of deleting three, and "\x15e2e" was no
// Ctrl+U but text appended. The stdin given to Ink hands such a chunk out piece by piece — each control
// key on its own — so every input sees one key at a time.
// (The keymap already splits text into chords itself: tui/keys.ts.)

/** A control key that Ink names only when it arrives alone (Backspace, Enter, Tab, Ctrl+letter); ESC starts sequences Ink parses itself. */
const isControlKey = (ch: string) => ch === '\x7f' || (ch < ' ' && ch !== '\x1b');

/** A chunk as the keys in it: each control key alone, text between them as it came; ESC+key stays whole (Alt+Backspace). */
export function splitKeyChunk(chunk: string): string[] {
  const pieces: string[] = [];
  let run = '';
  for (let i = 0; i < chunk.length; i++) {
    const ch = chunk[i];
    if (isControlKey(ch) && chunk[i - 1] !== '\x1b') {
      if (run) pieces.push(run);
      pieces.push(ch);
      run = '';
    } else run += ch;
  }
  if (run) pieces.push(run);
  return pieces;
}

/** `stdin` whose read() returns one key of a chunk at a time (Ink reads until null); everything else is stdin's own. */
export function keyByKeyStdin(stdin: NodeJS.ReadStream): NodeJS.ReadStream {
  const queue: string[] = [];
  const read = (): string | Buffer | null => {
    while (!queue.length) {
      const chunk = stdin.read() as string | Buffer | null;
      // Ink sets the encoding to utf8 before reading; anything else passes through untouched.
      if (chunk === null || typeof chunk !== 'string') return chunk;
      queue.push(...splitKeyChunk(chunk));
    }
    return queue.shift() ?? null;
  };
  return new Proxy(stdin, {
    get(target, prop) {
      if (prop === 'read') return read;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
