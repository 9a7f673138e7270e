// Bundles the TUI's front half (tui/ plus ink, react and zustand) into dist/tui/run-app.bundle.js.
// Why: loading ink from node_modules means resolving and compiling hundreds of small files (its
// `es-toolkit/compat` import alone pulls in ~200 ms of modules for one `throttle`), which put the first
// frame near 900 ms. One tree-shaken file loads in a fraction of that. The core (src/) stays outside
// the bundle, imported from dist/src as usual, so every module of the core exists once per process.
import { build } from 'esbuild';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist/tui/run-app.js');
const outfile = join(root, 'dist/tui/run-app.bundle.js');

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // React's production build; the bundle is only ever what `moxxie` runs.
  define: { 'process.env.NODE_ENV': '"production"' },
  // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as moxxieCreateRequire } from 'node:module';\nconst require = moxxieCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'moxxie-tui-bundle',
      setup(b) {
        // The core stays external, rewritten relative to the bundle's own folder.
        b.onResolve({ filter: /(^|\/)src\// }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          const target = resolve(args.resolveDir, args.path);
          if (!target.startsWith(join(root, 'dist/src') + '/')) return undefined;
          let path = relative(dirname(outfile), target);
          if (!path.startsWith('.')) path = `./${path}`;
          return { path, external: true };
        });
        // Ink loads react-devtools-core only when DEV=true; it is not installed, and moxxie never sets DEV.
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'moxxie-absent' }));
        b.onLoad({ filter: /.*/, namespace: 'moxxie-absent' }, () => ({
          contents: "export default { initialize() {}, connectToDevTools() { throw new Error('react-devtools-core is not part of the moxxie bundle'); } };",
        }));
      },
    },
  ],
});
