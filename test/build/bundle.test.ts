// The bundle (scripts/bundle.mjs, built by the global setup) is what `moxxie` runs and what the CLI tests
// spawn. It must stand on its own (Node's built-ins and its own chunks, nothing from dist/src or a
// node_modules path the bundler missed), say the version, and serve the demo from its simulator thread.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CLI, startCli } from '../fixtures/cli-process.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bundleDir = dirname(CLI);
const chunkDir = join(bundleDir, 'chunks');

/** esbuild's account of the build (scripts/bundle.mjs writes it beside the bundle): what each output file
 *  holds (its inputs) and loads (its imports). The bundle is minified, so this is read, not its text. */
interface Meta {
  outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}
const meta = JSON.parse(readFileSync(join(root, 'dist/bundle-meta.json'), 'utf8')) as Meta;
const outputs = Object.entries(meta.outputs).filter(([file]) => file.endsWith('.js'));

it('imports only Node built-ins and its own chunks', () => {
  expect(outputs.length).toBeGreaterThan(5);
  const outside = new Set<string>();
  for (const [file, out] of outputs) {
    // ES imports, static and dynamic (a CommonJS package's require() of an optional package it can do
    // without, inside a try, stays as it is: ws's bufferutil, debug's supports-color).
    for (const imp of out.imports.filter((i) => i.kind === 'import-statement' || i.kind === 'dynamic-import')) {
      const builtin = imp.path.startsWith('node:') || builtinModules.includes(imp.path);
      if (imp.external ? builtin : existsSync(join(root, imp.path))) continue;
      outside.add(`${file} → ${imp.path} (${imp.kind})`);
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
  const client = outputs.filter(([, out]) => 'node_modules/undici/lib/dispatcher/client.js' in out.inputs);
  expect(client).toHaveLength(1);
  const [file, out] = client[0];
  expect(Object.keys(out.inputs).filter((input) => /undici\/lib\/(dispatcher\/client-h2|web\/fetch\/body)\.js$/.test(input))).toEqual([]);
  expect(out.imports.map((imp) => imp.path)).not.toContain('node:http2');
  const text = readFileSync(join(root, file), 'utf8');
  expect(text).toContain('HTTP/2 is not part of the moxxie bundle');
  expect(text).toContain('FormData bodies are not part of the moxxie bundle');
});

it('draws the first frame without the core: what `moxxie` loads before it holds no zod and no capability registry', () => {
  // The TUI command's chunk with everything it loads statically, and the three chunks it loads before
  // showFirstFrame (the context, the inventory, the first frame), each with their static imports.
  const byFile = new Map(outputs);
  const entryChunk = (entry: string) => outputs.find(([, out]) => out.entryPoint === entry)?.[0];
  const command = entryChunk('dist/tui/command.js');
  expect(command).toBeDefined();
  const firstFrameChunks = ['dist/src/config/open-context.js', 'dist/src/inventory/inventory.js', 'dist/tui/first-frame.js'].map(entryChunk);
  const dynamic = byFile.get(command!)!.imports.filter((imp) => imp.kind === 'dynamic-import').map((imp) => imp.path);
  for (const chunk of firstFrameChunks) expect(dynamic).toContain(chunk);
  const loaded = new Set<string>();
  const load = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const imp of byFile.get(file)!.imports) if (imp.kind === 'import-statement' && !imp.external) load(imp.path);
  };
  for (const file of [command!, ...(firstFrameChunks as string[])]) load(file);
  const inputs = [...loaded].flatMap((file) => Object.keys(byFile.get(file)!.inputs));
  // The first frame's own pieces are there …
  expect(inputs).toContain('dist/tui/first-frame.js');
  expect(inputs).toContain('dist/src/config/open-context.js');
  expect(inputs.some((input) => input.startsWith('node_modules/ink/'))).toBe(true);
  // … and what only the app needs is not: the schemas' library, the registry, the history store.
  expect(inputs.filter((input) => input.startsWith('node_modules/zod/'))).toEqual([]);
  expect(inputs).not.toContain('dist/src/ops/capabilities/index.js');
  expect(inputs).not.toContain('dist/src/history/store.js');
});
