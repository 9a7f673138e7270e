// The bundle (scripts/bundle.mjs, built by the global setup) is what `moxxie` runs and what the CLI tests
// spawn. It must stand on its own (Node's built-ins and its own chunks, nothing from dist/src or a
// node_modules path the bundler missed), say the version, and serve the demo from its simulator thread.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CLI, startCli } from '../fixtures/cli-process.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bundleDir = dirname(CLI);
const chunkDir = join(bundleDir, 'chunks');

/** What a bundle file loads: esbuild writes its imports as top-level statements and `import("…")`, in double quotes. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const statements = [...text.matchAll(/^(?:import|export)\b[^;\n]*?\bfrom "([^"]+)";$|^import "([^"]+)";$/gm)].map((m) => m[1] ?? m[2]);
  const dynamic = [...text.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]);
  return [...statements, ...dynamic];
}

it('imports only Node built-ins and its own chunks', () => {
  const files = [CLI, ...readdirSync(chunkDir).map((f) => join(chunkDir, f))];
  expect(files.length).toBeGreaterThan(5);
  const outside = new Set<string>();
  for (const file of files) {
    for (const spec of importsOf(file)) {
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.') && existsSync(join(dirname(file), spec))) continue;
      outside.add(`${file.slice(root.length + 1)} → ${spec}`);
    }
  }
  expect([...outside]).toEqual([]);
  // The demo's simulator thread is among the chunks, where demo-sim-thread looks for it.
  expect(existsSync(join(chunkDir, 'demo-sim-worker.js'))).toBe(true);
});

it('says its version, and lists the demo cluster and saves its state on exit', async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) env[k] = v;
  Object.assign(env, { MOXXIE_STATE_DIR: tempDir('bundle-demo'), MOXXIE_CONFIG: join(root, 'no-such-moxxie-config.json') });
  const version = await startCli(['--version'], env).done;
  expect(version).toMatchObject({ code: 0, out: `moxxie ${pkg.version}\n` });
  const listed = await startCli(['vms', '--demo', '--ids'], env).done;
  expect(listed.err).toBe('');
  expect(listed.code).toBe(0);
  expect(listed.out.split('\n')).toContain('100');
  // Written by the simulator thread as it closed: the process waited for it.
  expect(existsSync(join(env.MOXXIE_STATE_DIR, 'demo', 'sim-state.json'))).toBe(true);
});

it("leaves undici's HTTP/2 client (it never sets allowH2) and fetch's body code (it never sends FormData) out of the PVE client", () => {
  const chunks = readdirSync(chunkDir).map((f) => readFileSync(join(chunkDir, f), 'utf8'));
  const client = chunks.filter((text) => text.includes('// node_modules/undici/lib/dispatcher/client.js'));
  expect(client.length).toBe(1);
  expect(client[0]).toContain('HTTP/2 is not part of the moxxie bundle');
  expect(client[0]).not.toContain('node:http2');
  // Nor fetch's body code, which its HTTP/1.1 client loads only for a FormData body.
  expect(client[0]).toContain('FormData bodies are not part of the moxxie bundle');
  expect(client[0]).not.toContain('// node_modules/undici/lib/web/fetch/body.js');
});

it('draws the first frame without the core: what `moxxie` loads before it holds no zod and no capability registry', () => {
  // The TUI command's chunk with everything it loads statically, and the three chunks it loads before
  // showFirstFrame (the context, the inventory, the first frame), each with their static imports.
  const chunkPath = (from: string, spec: string) => join(dirname(from), spec);
  const command = readdirSync(chunkDir)
    .map((f) => join(chunkDir, f))
    .find((f) => readFileSync(f, 'utf8').includes('showFirstFrame('));
  expect(command).toBeDefined();
  const firstFrameChunks = [...readFileSync(command!, 'utf8').matchAll(/\bimport\("(\.\/(?:open-context|inventory|first-frame)-[^"]+)"\)/g)].map((m) => m[1]);
  expect(firstFrameChunks).toHaveLength(3);
  const loaded = new Set<string>();
  const load = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom "(\.[^"]+)";$|^import "(\.[^"]+)";$/gm)) load(chunkPath(file, m[1] ?? m[2]));
  };
  load(command!);
  for (const spec of firstFrameChunks) load(chunkPath(command!, spec));
  const sources = [...loaded].map((f) => readFileSync(f, 'utf8')).join('\n');
  // The first frame's own pieces are there …
  expect(sources).toContain('// dist/tui/first-frame.js');
  expect(sources).toContain('// dist/src/config/open-context.js');
  expect(sources).toContain('// node_modules/ink/');
  // … and what only the app needs is not: the schemas' library, the registry, the history store.
  expect(sources).not.toContain('// node_modules/zod/');
  expect(sources).not.toContain('// dist/src/ops/capabilities/index.js');
  expect(sources).not.toContain('// dist/src/history/store.js');
});
