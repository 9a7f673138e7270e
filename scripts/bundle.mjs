// Bundles the whole CLI (dist/src/cli.js and everything it imports, node_modules included) into
// dist/bundle/: cli.js plus one chunk per lazily loaded front end. This is what `moxxie` (package.json
// `bin`) and `npm start` run.
// Why: Node 20 resolves, reads and compiles each ES module on its own, and moxxie's TUI path touches about
// a thousand of them (the core's ~400, ink's, react's, zod's); that was most of the time before the first
// frame. A few large files load in a fraction of it, and Node 20 has no module compile cache to help.
// Every module exists once in the graph, so nothing of the core is loaded twice.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fastControlCharacterTest, fastSanitizeAnsi, lazyEmojiRegExp, fastStringWidth, fastStyledChars, fastTokenize, lazySegmenter, sharedBlankCells, yogaWithoutFetch } from './bundle-patches.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });

/** What stands in for a module left out of the bundle (the 'moxxie-absent' namespace, by path): each says
 *  why, should it ever be called. */
const ABSENT = {
  'react-devtools-core': "export default { initialize() {}, connectToDevTools() { throw new Error('react-devtools-core is not part of the moxxie bundle'); } };",
  'client-h2': "module.exports = function connectH2() { throw new Error('HTTP/2 is not part of the moxxie bundle: the PVE client never sets allowH2'); };",
  'fetch-body': "module.exports = { extractBody() { throw new Error('FormData bodies are not part of the moxxie bundle: the PVE client sends form-encoded text'); } };",
};

/** An onLoad answer: the file's text through `patch` (which names the file if it no longer applies). */
const patchedWith = (patch) => async (args) => ({ contents: patch(await readFile(args.path, 'utf8'), args.path), loader: 'js' });

const result = await build({
  // The demo simulator's worker sits among the chunks, where the chunk that starts it looks for it
  // (src/config/demo-sim-thread.ts: beside itself).
  // bench-tui-app: what the TUI bench's measuring child loads, so it measures the TUI as shipped.
  entryPoints: {
    cli: join(root, 'dist/src/cli.js'),
    'chunks/demo-sim-worker': join(root, 'dist/src/config/demo-sim-worker.js'),
    'bench-tui-app': join(root, 'dist/bench/tui-app.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Whitespace and syntax minified (names kept): about a third less text for V8 to scan at each start,
  // the Ink chunk's import 10% faster. Source maps beside the chunks for `node --enable-source-maps`.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  // What each chunk holds and loads, written beside the bundle (dist/bundle-meta.json): the bundle's tests
  // read it rather than the minified text.
  metafile: true,
  // React's production build, decided here so its development build is not even parsed at start.
  define: { 'process.env.NODE_ENV': '"production"' },
  // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as moxxieCreateRequire } from 'node:module';\nconst require = moxxieCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'moxxie-start-up',
      setup(b) {
        // Ink loads react-devtools-core only when DEV=true; it is not installed, and moxxie never sets DEV.
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'moxxie-absent' }));
        b.onLoad({ filter: /.*/, namespace: 'moxxie-absent' }, (args) => ({ contents: ABSENT[args.path] }));
        // The PVE client takes two things from undici (Pool, buildConnector); its index also loads fetch,
        // WebSocket, the cache and the mocks, a megabyte more to load before the first frame.
        b.onResolve({ filter: /^undici$/ }, (args) => (args.importer.includes('/dist/src/pve/') ? { path: 'undici-client-parts', namespace: 'moxxie-undici' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'moxxie-undici' }, () => ({
          // As undici's index does: the request API is mixed into every dispatcher.
          contents: [
            "Object.assign(require('undici/lib/dispatcher/dispatcher').prototype, require('undici/lib/api'));",
            "module.exports = { Pool: require('undici/lib/dispatcher/pool'), buildConnector: require('undici/lib/core/connect') };",
          ].join('\n'),
          resolveDir: root,
          loader: 'js',
        }));
        // undici loads its HTTP/2 client (and node:http2) with every Client, though a connection is only ever
        // HTTP/2 when allowH2 is set, which the PVE client never does (PVE's API is HTTP/1.1).
        b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) => (/undici\/lib\/dispatcher\/client\.js$/.test(args.importer) ? { path: 'client-h2', namespace: 'moxxie-absent' } : undefined));
        // Its HTTP/1.1 client loads fetch's body code (and with it most of fetch: 100 KB) for a FormData body,
        // which the PVE client never sends.
        b.onResolve({ filter: /^\.\.\/web\/fetch\/body\.js$/ }, (args) => (/undici\/lib\/dispatcher\/client-h1\.js$/.test(args.importer) ? { path: 'fetch-body', namespace: 'moxxie-absent' } : undefined));
        // The dependency patches; what each does and why is in scripts/bundle-patches.mjs. Only Ink's own
        // string-width (8.x) gets the fast path and its emoji expression made on first use; every Intl.Segmenter
        // is made on first use.
        b.onLoad({ filter: /yoga-layout\/dist\/binaries\/yoga-wasm-base64-esm\.js$/ }, patchedWith(yogaWithoutFetch));
        b.onLoad({ filter: /string-width\/index\.js$/ }, (args) =>
          patchedWith(args.path === join(root, 'node_modules/string-width/index.js') ? (t, p) => lazyEmojiRegExp(lazySegmenter(fastStringWidth(t, p), p), p) : lazySegmenter)(args),
        );
        b.onLoad({ filter: /@alcalzone\/ansi-tokenize\/build\/tokenize\.js$/ }, patchedWith((t, p) => lazySegmenter(fastTokenize(t, p), p)));
        b.onLoad({ filter: /slice-ansi\/tokenize-ansi\.js$/ }, patchedWith(lazySegmenter));
        b.onLoad({ filter: /@alcalzone\/ansi-tokenize\/build\/styledChars\.js$/ }, patchedWith(fastStyledChars));
        b.onLoad({ filter: /ink\/build\/sanitize-ansi\.js$/ }, patchedWith(fastSanitizeAnsi));
        b.onLoad({ filter: /ink\/build\/ansi-tokenizer\.js$/ }, patchedWith(fastControlCharacterTest));
        b.onLoad({ filter: /ink\/build\/output\.js$/ }, patchedWith(sharedBlankCells));
        // zod's messages in English only (moxxie sets no other locale): its index of every language is
        // about 300 KB to read and compile at each start.
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/node_modules\/zod\/v4\//.test(args.importer) ? { path: join(args.resolveDir, '../locales/en-only.js'), namespace: 'moxxie-zod-locales' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'moxxie-zod-locales' }, (args) => ({ contents: "export { default as en } from './en.js';", resolveDir: dirname(args.path), loader: 'js' }));
      },
    },
  ],
});
writeFileSync(join(root, 'dist/bundle-meta.json'), JSON.stringify(result.metafile));
