// Source patches scripts/bundle.mjs applies to two dependencies on their way into the bundle. Each one
// keeps the dependency's behaviour and fails the build, naming the file, if the dependency changed so
// that the patch no longer applies. test/build/bundle-patches.test.ts checks they change no output.

/** Yoga (Ink's layout engine) is built for browsers: it fetch()es its own base64 data: URL, and the first
 *  fetch() in Node loads Node's internal undici, ~150 ms before the first frame. Without fetch it takes
 *  its synchronous base64 path to the same bytes. */
export function yogaWithoutFetch(text, path) {
  const patched = text.replaceAll('"function"!=typeof fetch', 'true');
  if (patched === text) throw new Error(`${path}: no fetch test to remove; yoga-layout changed, revisit scripts/bundle-patches.mjs`);
  return patched;
}

// diffAnsiCodes(a, b) is empty when a and b hold the same codes in the same order, and so is
// ansiCodesToString([]): skipping those calls changes no output.
const STYLED_CHARS_TO_STRING = `
function sameStyles(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
  return true;
}
export function styledCharsToString(chars) {
  let ret = "";
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (i === 0) {
      if (char.styles.length > 0) ret += ansiCodesToString(char.styles);
    } else if (!sameStyles(chars[i - 1].styles, char.styles)) {
      ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));
    }
    ret += char.value;
    if (i === chars.length - 1 && char.styles.length > 0) ret += ansiCodesToString(diffAnsiCodes(char.styles, []));
  }
  return ret;
}
`;

// styledCharsFromTokens gave every cell its own copy of the styles in force (an object spread and an array
// copy per cell). reduceAnsiCodesIncremental returns a new array for every change and never alters one, and
// nothing downstream alters a cell's styles, so the cells between two codes can share one array: the same
// cells by value, and equal neighbours are then the same array, which sameStyles answers at once.
const STYLED_CHARS_FROM_TOKENS = `
export function styledCharsFromTokens(tokens) {
  let codes = [];
  const ret = [];
  for (const token of tokens) {
    if (token.type === "ansi") {
      codes = reduceAnsiCodesIncremental(codes, [token]);
    } else if (token.type === "char") {
      ret.push({ type: token.type, value: token.value, fullWidth: token.fullWidth, styles: codes });
    }
  }
  return ret;
}
`;

/** Ink turns every cell of every frame into a styled cell and back into text through @alcalzone/ansi-tokenize
 *  (styledCharsFromTokens, styledCharsToString), which copies the styles per cell and builds three Sets per
 *  cell to diff the styles of neighbouring cells even when they are equal or empty: most of the first frame's
 *  cost while V8 still interprets it. */
export function fastStyledChars(text, path) {
  const replace = (source, name, body) => {
    const start = source.indexOf(`export function ${name}(`);
    const end = source.indexOf('\n}\n', start);
    if (start < 0 || end < 0) throw new Error(`${path}: ${name} not found; @alcalzone/ansi-tokenize changed, revisit scripts/bundle-patches.mjs`);
    return source.slice(0, start) + body + source.slice(end + 3);
  };
  return replace(replace(text, 'styledCharsToString', STYLED_CHARS_TO_STRING), 'styledCharsFromTokens', STYLED_CHARS_FROM_TOKENS);
}

/** Ink sanitises every text node's string (squash-text-nodes) by tokenising it whole as soon as it holds an
 *  escape, to drop all but SGR (style) and OSC sequences. A string whose only escapes are plain SGR
 *  sequences (ESC [ digits ; : m, all the styles Ink itself writes) comes out unchanged, so it is returned
 *  as it is; anything else still takes the tokeniser. */
export function fastSanitizeAnsi(text, path) {
  const head = 'const sanitizeAnsi = (text) => {\n    if (!hasAnsiControlCharacters(text)) {\n        return text;\n    }';
  if (!text.includes(head)) throw new Error(`${path}: sanitizeAnsi's first test not found; ink changed, revisit scripts/bundle-patches.mjs`);
  return text.replace(head, `${head}\n    if (!hasAnsiControlCharacters(text.replace(/\\u001B\\[[\\d:;]*m/g, ''))) {\n        return text;\n    }`);
}

/**
 * Characters that are each a grapheme cluster of their own next to any other of them, and one column
 * wide: printable ASCII, Latin-1 and Latin Extended (no soft hyphen), general punctuation (no zero-width or
 * bidi controls), arrows, mathematical operators, box drawing, blocks and geometric shapes (no emoji-
 * presentation squares), ✓ and ✗ — what moxxie's and Ink's frames are drawn with. None is a combining
 * mark, joiner, prepend, Hangul jamo, regional indicator or emoji-presentation character, so no
 * segmentation rule joins two of them. test/build/bundle-patches.test.ts checks every one of them against
 * the original functions.
 */
export const SIMPLE_NARROW = '\\u0020-\\u007e\\u00a0-\\u00ac\\u00ae-\\u02ff\\u2010-\\u2027\\u2030-\\u205e\\u2190-\\u22ff\\u2500-\\u25fc\\u25ff\\u2713\\u2717';

// Every cell of a frame goes through tokenize, which walks the line with Intl.Segmenter to find grapheme
// clusters and looks up each cluster's East Asian Width: slow, and needless where each code unit is its own
// cluster (ASCII but CR LF, and the characters above) and none is wide. There the loop walks the string by
// index, with no segment object per character; anything else still takes the segmenter.
const SIMPLE_LOOP = `const simple = /^[\\x00-\\x7f${SIMPLE_NARROW}]*$/.test(str) && !str.includes("\\r\\n");
  const clusters = simple ? undefined : segmenter.segment(str)[Symbol.iterator]();
  for (let at = 0; ; at++) {
    let segment, index;
    if (simple) {
      if (at >= str.length) break;
      segment = str[at];
      index = at;
    } else {
      const next = clusters.next();
      if (next.done) break;
      ({ segment, index } = next.value);
    }`;

/** tokenize with a fast path for strings of one-column characters that yields exactly what the original does. */
export function fastTokenize(text, path) {
  const loop = 'for (const { segment, index } of segmenter.segment(str)) {';
  const width = 'const fullWidth = isFullwidthGrapheme(segment, codePoint);';
  if (text.split(loop).length !== 2 || text.split(width).length !== 2) throw new Error(`${path}: tokenize's segmenter loop not found; @alcalzone/ansi-tokenize changed, revisit scripts/bundle-patches.mjs`);
  return text.replace(loop, SIMPLE_LOOP).replace(width, 'const fullWidth = !simple && isFullwidthGrapheme(segment, codePoint);');
}

// string-width measures every text node Ink lays out; beyond printable ASCII it walks Intl.Segmenter and
// tests Unicode-property regexes per cluster. For the characters above, the width is each one's East
// Asian Width, as its slow path finds.
const SIMPLE_WIDTH = `
	if (/^[${SIMPLE_NARROW}]*$/.test(string)) {
		let simpleWidth = 0;
		for (let i = 0; i < string.length; i++) simpleWidth += eastAsianWidth(string.charCodeAt(i), eastAsianWidthOptions);
		return simpleWidth;
	}
`;

/** string-width 8 with a fast path for strings of SIMPLE_NARROW characters. */
export function fastStringWidth(text, path) {
  const loop = '\tfor (const {segment} of segmenter.segment(string)) {';
  if (text.split(loop).length !== 2 || !text.includes('const eastAsianWidthOptions = {ambiguousAsWide: !ambiguousIsNarrow};')) {
    throw new Error(`${path}: string-width's segmenter loop not found; string-width changed, revisit scripts/bundle-patches.mjs`);
  }
  return text.replace(loop, SIMPLE_WIDTH + loop);
}

/**
 * `declaration` (`const NAME = EXPR;`) replaced by an object whose `method` makes EXPR on its first call,
 * provided the text uses NAME for nothing but `NAME.method(` (comments aside); null when it does.
 */
function madeOnFirstUse(text, declaration, name, method, expr) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const uses = code.split(new RegExp(`\\b${name}\\b`)).length - 1;
  const calls = code.split(`${name}.${method}(`).length - 1;
  if (uses !== calls + 1) return null;
  return text.replace(declaration, `let ${name}Made;\nconst ${name} = { ${method}: (s) => (${name}Made ??= ${expr}).${method}(s) };`);
}

// string-width (both copies), slice-ansi and ansi-tokenize each make an Intl.Segmenter when they load; the
// first one in a process loads ICU's break-iterator data, 13-20 ms before the TUI's first frame, which with
// the fast paths above needs none. Made on first use instead, the same segmenter does the same work.
/** `const NAME = new Intl.Segmenter(ARGS);` made on the first NAME.segment() call (its only use). */
export function lazySegmenter(text, path) {
  const declarations = [...text.matchAll(/const (\w+) = new Intl\.Segmenter\(([^;]*)\);/g)];
  if (declarations.length !== 1) throw new Error(`${path}: expected one Intl.Segmenter at the top level, found ${declarations.length}; revisit scripts/bundle-patches.mjs`);
  const [declaration, name, args] = declarations[0];
  const patched = madeOnFirstUse(text, declaration, name, 'segment', `new Intl.Segmenter(${args})`);
  if (patched === null) throw new Error(`${path}: ${name} is used for more than segment(); revisit scripts/bundle-patches.mjs`);
  return patched;
}

/** Ink's Output.get starts every frame from a grid of blank cells, a new object with a new styles array per
 *  cell (4,800 of each at 120×40, garbage at once). Nothing alters a cell in place (a cell is only ever
 *  replaced), so every blank is one shared, frozen cell; a write to it would throw, not pass unnoticed. */
export function sharedBlankCells(text, path) {
  const grid = `            const row = [];
            for (let x = 0; x < this.width; x++) {
                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });
            }
            output.push(row);`;
  const anchor = 'export default class Output {';
  if (!text.includes(grid) || !text.includes(anchor)) throw new Error(`${path}: Output's blank grid not found; ink changed, revisit scripts/bundle-patches.mjs`);
  return text
    .replace(anchor, `const BLANK_CELL = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });\n${anchor}`)
    .replace(grid, `            const row = [];
            for (let x = 0; x < this.width; x++) {
                row.push(BLANK_CELL);
            }
            output.push(row);`);
}

/** Ink asks of every text node's string whether it holds an escape or a C1 control character (U+0080–U+009F)
 *  by walking it code point by code point when it holds no ESC, slow while V8 still interprets it. One
 *  regular expression asks the same: a C1 code unit is never half of a surrogate pair. */
export function fastControlCharacterTest(text, path) {
  const loop = `    for (const character of text) {
        if (isC1ControlCharacter(character)) {
            return true;
        }
    }
    return false;`;
  const head = 'export const hasAnsiControlCharacters = (text) => {';
  const at = text.indexOf(head);
  if (at < 0 || text.indexOf(loop, at) < 0) throw new Error(`${path}: hasAnsiControlCharacters' loop not found; ink changed, revisit scripts/bundle-patches.mjs`);
  return text.slice(0, at) + text.slice(at).replace(loop, '    return /[\\u0080-\\u009f]/.test(text);');
}

/** string-width builds its RGI emoji regular expression when it loads: V8 expands \p{RGI_Emoji} (a property
 *  of strings) into ICU's emoji set then, 12-17 ms before the TUI's first frame, which the fast path above
 *  never uses. Made on first use instead, the same expression tests the same clusters. */
export function lazyEmojiRegExp(text, path) {
  const declaration = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';
  const patched = text.includes(declaration) ? madeOnFirstUse(text, declaration, 'rgiEmojiRegex', 'test', '/^\\p{RGI_Emoji}$/v') : null;
  if (patched === null) throw new Error(`${path}: rgiEmojiRegex not found, or used for more than test(); string-width changed, revisit scripts/bundle-patches.mjs`);
  return patched;
}
