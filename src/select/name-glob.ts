// Name globs for NAME_PATTERN, `name:` and `node:`: `*`, `?`, `[...]` (`[!...]` or `[^...]` negate) and `{a,b}`,
// full match, case-insensitive. picomatch compiles them; we never build a regex from user input.
import picomatch from 'picomatch';
import { SelectorError } from './selector-error.js';

export type NameMatcher = (name: string) => boolean;

// Names hold no '/', so path rules must not leak in: dots are ordinary characters (dot), a leading '!'
// is not negation, and extglobs are literal text. Braces are alternatives (`{web-*,db-*}`: either), the one
// way to say "or" in a name term; PVE names never hold braces or commas, so none is meant literally.
// Unbalanced brackets are an error, not a guess.
const OPTIONS: picomatch.PicomatchOptions = {
  nocase: true,
  dot: true,
  windows: false,
  nonegate: true,
  noextglob: true,
  nobrace: false,
  strictBrackets: true,
};

export function nameMatcher(glob: string, field = 'NAME_PATTERN'): NameMatcher {
  const pattern = glob.trim();
  if (!pattern) throw new SelectorError(`${field}: give a name glob, e.g. "web-*" or "workshop-wk-0?"`, { field });
  let match: NameMatcher;
  try {
    match = picomatch(bangClassesAsCaret(pattern), OPTIONS);
  } catch (err) {
    throw new SelectorError(`${field}: '${pattern}' is not a valid glob: ${(err as Error).message}`, { field, cause: err });
  }
  return (name) => match(name);
}

/** picomatch reads `[!a]` as "'!' or 'a'"; shells (and users) mean "not a", which picomatch spells `[^a]`. */
function bangClassesAsCaret(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      out += glob.slice(i, i + 2);
      i++;
    } else if (c === '[' && glob[i + 1] === '!') {
      out += '[^';
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
