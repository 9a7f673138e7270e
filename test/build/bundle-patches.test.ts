// The two dependency patches scripts/bundle.mjs applies (scripts/bundle-patches.mjs) must change no output:
// Ink's frames are the same text with or without the faster styledCharsToString, on styled lines of every
// kind; and Yoga's patch only removes its fetch() tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import { fastControlCharacterTest, fastSanitizeAnsi, lazyEmojiRegExp, fastStringWidth, fastStyledChars, fastTokenize, lazySegmenter, sharedBlankCells, SIMPLE_NARROW, yogaWithoutFetch } from '../../scripts/bundle-patches.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'node_modules/ink/package.json'));
const tokenizeDir = join(dirname(require.resolve('@alcalzone/ansi-tokenize/package.json')), 'build');
type Tokenize = typeof import('@alcalzone/ansi-tokenize');

type Patch = (text: string, path: string) => string;

/** A patched module, loaded from a data: URL whose imports point back at the package's files. */
async function patched<T>(name: string, patch: Patch): Promise<T> {
  const file = join(tokenizeDir, name);
  const text = patch(readFileSync(file, 'utf8'), file)
    .replace(/from "\.\/([^"]+)"/g, (_m, f: string) => `from "${pathToFileURL(join(tokenizeDir, f)).href}"`)
    .replace(/from "([a-z][^"./]*)"/g, (_m, pkg: string) => `from "${pathToFileURL(require.resolve(pkg)).href}"`);
  return import(`data:text/javascript,${encodeURIComponent(text)}`) as Promise<T>;
}

const esc = (c: string) => `\x1b[${c}m`;
const LINES = [
  '',
  'plain text with no style at all',
  'a\r\nb and a lone \r here',
  `${esc('1')}bold${esc('22')} then plain`,
  `${esc('1')}${esc('2')}bold and dim${esc('22')}`,
  `${esc('31')}red${esc('39')}${esc('32')}green${esc('39')} ${esc('7')}inverse${esc('27')}`,
  `${esc('38;2;10;20;30')}truecolor${esc('39')}${esc('48;5;200')}bg${esc('49')}`,
  `${esc('4')}under${esc('31')}red under${esc('24')}red${esc('0')}reset`,
  `wide 漢字 and emoji 👍🏽 ${esc('36')}cyan 漢${esc('39')}`,
  `e\u0301 combining, ${esc('1;31')}compound${esc('0')} x`,
  `\x1b]8;;https://example.com\x07link\x1b]8;;\x07 after`,
  `${esc('31')}unterminated \x1b[12 and \x1b]8;;x`,
];

it('tokenizes every line exactly as the original, ASCII or not, and stops at the same width', async () => {
  const original = (await import(pathToFileURL(join(tokenizeDir, 'index.js')).href)) as Tokenize;
  const fast = await patched<Pick<Tokenize, 'tokenize'>>('tokenize.js', fastTokenize as Patch);
  for (const line of LINES) {
    expect(fast.tokenize(line)).toEqual(original.tokenize(line));
    for (const end of [0, 1, 5, 12]) expect(fast.tokenize(line, end)).toEqual(original.tokenize(line, end));
  }
});

/** Every character the fast paths take, from SIMPLE_NARROW's ranges. */
function simpleNarrowCharacters(): string[] {
  const out: string[] = [];
  for (const m of (SIMPLE_NARROW as string).matchAll(/\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?/g)) {
    const from = parseInt(m[1], 16);
    const to = m[2] ? parseInt(m[2], 16) : from;
    for (let c = from; c <= to; c++) out.push(String.fromCharCode(c));
  }
  return out;
}

/** A deterministic shuffle, so a failure names the same string every run. */
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

it('takes the fast paths only where they give what the originals give, for every such character', async () => {
  const original = (await import(pathToFileURL(join(tokenizeDir, 'index.js')).href)) as Tokenize;
  const fast = await patched<Pick<Tokenize, 'tokenize'>>('tokenize.js', fastTokenize as Patch);
  const widthFile = join(root, 'node_modules/string-width/index.js');
  const originalWidth = ((await import(pathToFileURL(widthFile).href)) as { default: (s: string) => number }).default;
  const widthText = (fastStringWidth as Patch)(readFileSync(widthFile, 'utf8'), widthFile).replace(/from '([a-z][^'./]*)'/g, (_m, pkg: string) => `from '${pathToFileURL(createRequire(widthFile).resolve(pkg)).href}'`);
  const fastWidth = ((await import(`data:text/javascript,${encodeURIComponent(widthText)}`)) as { default: (s: string) => number }).default;
  const chars = simpleNarrowCharacters();
  expect(chars.length).toBeGreaterThan(1000);
  for (const c of chars) {
    expect(fast.tokenize(c), `U+${c.charCodeAt(0).toString(16)}`).toEqual(original.tokenize(c));
    expect(fastWidth(c), `U+${c.charCodeAt(0).toString(16)}`).toBe(originalWidth(c));
  }
  // Side by side, in many orders: every neighbour pair stays two clusters, widths add up the same.
  for (let seed = 1; seed <= 40; seed++) {
    const line = shuffled(chars, seed).join('');
    expect(fast.tokenize(line)).toEqual(original.tokenize(line));
    expect(fastWidth(line)).toBe(originalWidth(line));
  }
  // And outside them the originals' own paths: an emoji-presentation square, a soft hyphen, a combining mark.
  for (const line of ['a\u25fdb', 'soft\u00adhyphen', 'e\u0301 │ x', '│ 漢字 │']) {
    expect(fast.tokenize(line)).toEqual(original.tokenize(line));
    expect(fastWidth(line)).toBe(originalWidth(line));
  }
});

it('turns styled cells into the same text as the original styledCharsToString', async () => {
  const original = (await import(pathToFileURL(join(tokenizeDir, 'index.js')).href)) as Tokenize;
  const fast = await patched<Pick<Tokenize, 'styledCharsToString'>>('styledChars.js', fastStyledChars as Patch);
  // And every cut of them, as Ink's clipping makes.
  const samples = LINES.flatMap((l) => {
    const chars = original.styledCharsFromTokens(original.tokenize(l));
    return [chars, chars.slice(1), chars.slice(0, -1), chars.slice(2, 5)];
  });
  for (const chars of samples) expect(fast.styledCharsToString(chars)).toBe(original.styledCharsToString(chars));
});

it('makes the same styled cells as the original styledCharsFromTokens, sharing one styles array between codes', async () => {
  const original = (await import(pathToFileURL(join(tokenizeDir, 'index.js')).href)) as Tokenize;
  const fast = await patched<Pick<Tokenize, 'styledCharsFromTokens' | 'styledCharsToString'>>('styledChars.js', fastStyledChars as Patch);
  const lines = [...LINES, shuffled(simpleNarrowCharacters(), 7).join(''), `${esc('31')}a${esc('1')}b${esc('39')}c${esc('22')}d`];
  for (const line of lines) {
    const tokens = original.tokenize(line);
    const cells = fast.styledCharsFromTokens(tokens);
    expect(cells, JSON.stringify(line)).toEqual(original.styledCharsFromTokens(tokens));
    expect(fast.styledCharsToString(cells)).toBe(original.styledCharsToString(original.styledCharsFromTokens(tokens)));
    // The tokens are left as they were (the original copied them too).
    expect(tokens).toEqual(original.tokenize(line));
  }
  // Cells under the same codes share their styles; a code in between gives the next cells a new array.
  const cells = fast.styledCharsFromTokens(original.tokenize(`${esc('31')}ab${esc('1')}c`));
  expect(cells[0].styles).toBe(cells[1].styles);
  expect(cells[2].styles).not.toBe(cells[1].styles);
  expect(cells[1].styles.map((c) => c.code)).toEqual([esc('31')]);
});

it("sanitises every text as Ink's sanitizeAnsi does, returning a string with only SGR escapes as it is", async () => {
  const file = join(root, 'node_modules/ink/build/sanitize-ansi.js');
  const fast = (await patchedFile<{ default: (s: string) => string }>(file, fastSanitizeAnsi as Patch)).default;
  const original = ((await import(pathToFileURL(file).href)) as { default: (s: string) => string }).default;
  const texts = [
    ...LINES,
    `${esc('31')}red${esc('39')} \x1b[2J cleared \x1b[3;4H moved`,
    `\x1b[?25l hidden cursor ${esc('1')}bold`,
    `${esc('31')}\x1b[31 m space before m`,
    `\x1b[3\x1b[1m1m nested`,
    `\u009b31m C1 CSI and \u009d8;;x\u009c C1 OSC`,
    `${esc('38:2::10:20:30')}colon truecolor${esc('39')}`,
    `\x1b[>4;1m private marker`,
    `lone escape at the end \x1b`,
    `${esc('')}empty params${esc(';')}`,
  ];
  for (const text of texts) expect(fast(text), JSON.stringify(text)).toBe(original(text));
  const styled = `${esc('1')}${esc('36')}D${esc('39')}${esc('22')} del snap`;
  expect(fast(styled)).toBe(styled);
  expect(() => (fastSanitizeAnsi as Patch)('nothing here', 's.js')).toThrow(/s\.js.*ink changed/);
});

it('removes only the fetch() tests from Yoga, and refuses a file it does not recognise', () => {
  const file = join(root, 'node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js');
  const text = readFileSync(file, 'utf8');
  const patched = (yogaWithoutFetch as (t: string, p: string) => string)(text, file);
  expect(patched).not.toContain('typeof fetch');
  expect(patched.length).toBe(text.length - (text.split('"function"!=typeof fetch').length - 1) * ('"function"!=typeof fetch'.length - 'true'.length));
  expect(() => (yogaWithoutFetch as (t: string, p: string) => string)('nothing here', 'x.js')).toThrow(/x\.js.*yoga-layout changed/);
  expect(() => (fastStyledChars as Patch)('nothing here', 'y.js')).toThrow(/y\.js.*ansi-tokenize changed/);
  expect(() => (fastTokenize as Patch)('nothing here', 'z.js')).toThrow(/z\.js.*ansi-tokenize changed/);
  expect(() => (fastStringWidth as Patch)('nothing here', 'w.js')).toThrow(/w\.js.*string-width changed/);
});

/** A module of a package through `patch`, loaded from a data: URL whose imports point back at the package. */
async function patchedFile<T>(file: string, patch: Patch): Promise<T> {
  const fromFile = createRequire(file);
  const text = patch(readFileSync(file, 'utf8'), file)
    .replace(/from (['"])\.\/([^'"]+)\1/g, (_m, q: string, f: string) => `from ${q}${pathToFileURL(join(dirname(file), f)).href}${q}`)
    .replace(/from (['"])([a-z@][^'":]*)\1/g, (_m, q: string, pkg: string) => `from ${q}${pathToFileURL(fromFile.resolve(pkg)).href}${q}`);
  return import(`data:text/javascript,${encodeURIComponent(text)}`) as Promise<T>;
}

/** Counts the segmenters made from here on (a subclass, so each one still works). */
const RealSegmenter = Intl.Segmenter;
let segmentersMade = 0;
function countSegmenters(): void {
  segmentersMade = 0;
  (Intl as { Segmenter: typeof Intl.Segmenter }).Segmenter = class extends RealSegmenter {
    constructor(...args: ConstructorParameters<typeof RealSegmenter>) {
      super(...args);
      segmentersMade++;
    }
  };
}
afterEach(() => {
  (Intl as { Segmenter: typeof Intl.Segmenter }).Segmenter = RealSegmenter;
});

it('makes each Intl.Segmenter on first use, and segments as the original does', async () => {
  countSegmenters();
  const lines = [...LINES, 'e\u0301 │ x', '👩‍👩‍👧 family', '漢字', ''];
  const cases: Array<{ file: string; patch: Patch; run: (m: Record<string, (...a: never[]) => unknown>, line: string) => unknown }> = [
    { file: join(root, 'node_modules/string-width/index.js'), patch: (t, p) => (lazySegmenter as Patch)((fastStringWidth as Patch)(t, p), p), run: (m, l) => m.default(l as never) },
    { file: join(root, 'node_modules/wrap-ansi/node_modules/string-width/index.js'), patch: lazySegmenter as Patch, run: (m, l) => m.default(l as never) },
    { file: join(tokenizeDir, 'tokenize.js'), patch: (t, p) => (lazySegmenter as Patch)((fastTokenize as Patch)(t, p), p), run: (m, l) => m.tokenize(l as never) },
    { file: join(root, 'node_modules/slice-ansi/tokenize-ansi.js'), patch: lazySegmenter as Patch, run: (m, l) => m.default(l as never) },
  ];
  for (const { file, patch, run } of cases) {
    const patchedModule = await patchedFile<Record<string, (...a: never[]) => unknown>>(file, patch);
    const original = (await import(`${pathToFileURL(file).href}?original`)) as Record<string, (...a: never[]) => unknown>;
    for (const line of lines) expect(run(patchedModule, line), `${file}: ${JSON.stringify(line)}`).toEqual(run(original, line));
  }
  // Loading a patched module makes none; the first segment() call makes exactly one.
  segmentersMade = 0;
  const tokenizeAnsi = join(root, 'node_modules/slice-ansi/tokenize-ansi.js');
  // (A module of its own: the one loaded above has made its segmenter already.)
  const lazy = await patchedFile<Record<string, (s: string) => unknown>>(tokenizeAnsi, (t, p) => `${(lazySegmenter as Patch)(t, p)}\n// fresh`);
  expect(segmentersMade).toBe(0);
  const exported = Object.values(lazy).find((f) => typeof f === 'function')!;
  exported('e\u0301 x');
  exported('漢字');
  expect(segmentersMade).toBe(1);
  expect(() => (lazySegmenter as Patch)('const a = 1;', 'v.js')).toThrow(/v\.js.*one Intl\.Segmenter/);
  expect(() => (lazySegmenter as Patch)('const s = new Intl.Segmenter();\nexport default s;', 'u.js')).toThrow(/u\.js.*more than segment/);
});

it("draws the same frames as Ink's Output with one shared blank cell", async () => {
  type Output = { write(x: number, y: number, text: string, o: { transformers: Array<(s: string, i: number) => string> }): void; clip(c: object): void; unclip(): void; get(): { output: string; height: number } };
  type OutputClass = new (o: { width: number; height: number }) => Output;
  const file = join(root, 'node_modules/ink/build/output.js');
  // (ansi-tokenize is ESM only, with no main for require.resolve: its entry is named here.)
  const Fast = (await patchedFile<{ default: OutputClass }>(file, (t, p) => (sharedBlankCells as Patch)(t, p).replace("from '@alcalzone/ansi-tokenize'", `from '${pathToFileURL(join(tokenizeDir, 'index.js')).href}'`))).default;
  const Original = ((await import(pathToFileURL(file).href)) as { default: OutputClass }).default;
  const frames: Array<(o: Output) => void> = [
    () => undefined,
    (o) => LINES.forEach((l, i) => o.write(i % 3, i, l, { transformers: [] })),
    (o) => {
      // Overlapping writes, a wide character over blanks, a transformer, and a clipped region.
      o.write(0, 0, `${esc('31')}red row${esc('39')} and more`, { transformers: [] });
      o.write(4, 0, '漢字👍🏽', { transformers: [(s) => s.toUpperCase()] });
      o.clip({ x1: 2, x2: 9, y1: 1, y2: 3 });
      o.write(0, 1, `${esc('1')}bold clipped line${esc('22')}\nsecond line`, { transformers: [] });
      o.unclip();
      o.write(10, 5, '│ box │', { transformers: [] });
    },
  ];
  for (const draw of frames) {
    const fast = new Fast({ width: 24, height: 14 });
    const original = new Original({ width: 24, height: 14 });
    draw(fast);
    draw(original);
    expect(fast.get()).toEqual(original.get());
  }
  expect(() => (sharedBlankCells as Patch)('nothing here', 'o.js')).toThrow(/o\.js.*ink changed/);
});

it("finds escapes and C1 control characters where Ink's hasAnsiControlCharacters does", async () => {
  type Tokenizer = { hasAnsiControlCharacters: (s: string) => boolean };
  const file = join(root, 'node_modules/ink/build/ansi-tokenizer.js');
  const fast = (await patchedFile<Tokenizer>(file, fastControlCharacterTest as Patch)).hasAnsiControlCharacters;
  const original = ((await import(pathToFileURL(file).href)) as Tokenizer).hasAnsiControlCharacters;
  const texts = [...LINES, 'plain', '\u007f DEL is not C1', '\u0080 first C1', 'last C1 \u009f', '\u00a0 just after', 'pair 😀 and \ud83d lone high', 'lone low \ude00 x', '\u0085 next line'];
  for (let c = 0x70; c <= 0xb0; c++) texts.push(`a${String.fromCharCode(c)}b`);
  for (const text of texts) expect(fast(text), JSON.stringify(text)).toBe(original(text));
  expect(texts.filter((t) => fast(t)).length).toBeGreaterThan(32);
  expect(() => (fastControlCharacterTest as Patch)('nothing here', 't.js')).toThrow(/t\.js.*ink changed/);
});

it("measures emoji as string-width does, its emoji expression built only when a cluster needs it", async () => {
  const widthFile = join(root, 'node_modules/string-width/index.js');
  const original = ((await import(pathToFileURL(widthFile).href)) as { default: (s: string) => number }).default;
  const text = (lazyEmojiRegExp as Patch)(readFileSync(widthFile, 'utf8'), widthFile);
  // Not built at load: the only \p{RGI_Emoji} left is inside the function that makes it on first use.
  expect(text).not.toMatch(/^const rgiEmojiRegex = \//m);
  const lazy = ((await import(`data:text/javascript,${encodeURIComponent(text.replace(/from '([a-z][^'./]*)'/g, (_m, pkg: string) => `from '${pathToFileURL(createRequire(widthFile).resolve(pkg)).href}'`))}`)) as { default: (s: string) => number }).default;
  const samples = ['plain', '👍', '👍🏽', '🇺🇸', '1️⃣', '#⃣', '👨‍👩‍👧', '©️', '©', '☺', '☺️', '漢字', 'e\u0301', `${'\u001b[31m'}red 👍${'\u001b[39m'}`, '\u25fd', '🏳️‍🌈 flag'];
  for (const sample of samples) expect(lazy(sample), JSON.stringify(sample)).toBe(original(sample));
  expect(lazy('👍🏽')).toBe(2);
  expect(() => (lazyEmojiRegExp as Patch)('const x = 1;', 'w.js')).toThrow(/w\.js.*string-width changed/);
});
