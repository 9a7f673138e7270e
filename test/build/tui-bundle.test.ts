// The TUI bundle (scripts/bundle-tui.mjs, built by the global setup) is what `moxxie` loads. It must
// carry the UI libraries and none of the core: a second copy of a core module would split state and
// break `instanceof` checks between the TUI and the core.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = join(root, 'dist/tui/run-app.bundle.js');

it('bundles ink and react with the TUI, and imports the core from dist/src', () => {
  expect(existsSync(bundle), 'dist/tui/run-app.bundle.js (npm run build makes it)').toBe(true);
  const text = readFileSync(bundle, 'utf8');
  const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
  // Only Node built-ins and the core, by paths that resolve from dist/tui.
  for (const spec of imports) expect(spec).toMatch(/^(node:|\.\.\/src\/)/);
  for (const spec of imports.filter((s) => s.startsWith('../src/'))) {
    expect(existsSync(join(root, 'dist/tui', spec)), spec).toBe(true);
  }
  expect(imports.some((s) => s.startsWith('../src/'))).toBe(true);
  // Ink's renderer is inside; the core's client is not.
  expect(text).toContain('alternate');
  expect(text).not.toMatch(/class PveError\b/);
});

it('loads on its own and exports runApp', async () => {
  const mod = (await import(bundle)) as { runApp?: unknown };
  expect(typeof mod.runApp).toBe('function');
});
