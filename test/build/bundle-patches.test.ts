// The two dependency patches scripts/bundle.mjs applies (scripts/bundle-patches.mjs) must change no output:
// Ink's frames are the same text with or without the faster styledCharsToString, on styled lines of every
// kind; and Yoga's patch only removes its fetch() tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import { fastStyledChars, fastTokenize, yogaWithoutFetch } from '../../scripts/bundle-patches.mjs';

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

it('removes only the fetch() tests from Yoga, and refuses a file it does not recognise', () => {
  const file = join(root, 'node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js');
  const text = readFileSync(file, 'utf8');
  const patched = (yogaWithoutFetch as (t: string, p: string) => string)(text, file);
  expect(patched).not.toContain('typeof fetch');
  expect(patched.length).toBe(text.length - (text.split('"function"!=typeof fetch').length - 1) * ('"function"!=typeof fetch'.length - 'true'.length));
  expect(() => (yogaWithoutFetch as (t: string, p: string) => string)('nothing here', 'x.js')).toThrow(/x\.js.*yoga-layout changed/);
  expect(() => (fastStyledChars as Patch)('nothing here', 'y.js')).toThrow(/y\.js.*ansi-tokenize changed/);
  expect(() => (fastTokenize as Patch)('nothing here', 'z.js')).toThrow(/z\.js.*ansi-tokenize changed/);
});
