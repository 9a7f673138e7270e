// The layers of the code, checked on every import of every .ts/.tsx file under src/ and the front ends:
// static `import … from`, `export … from`, `import '…'` and `import()` with a string literal.
// - The core (src/) imports no front end, and no UI, MCP or HTTP-framework package.
// - A front end (cli/, tui/, mcp/, rest/) imports no other front end; what two of them share lives in the core.
// - A room of the core imports only rooms below it in LAYERS, so the core's rooms form no cycle.
// - Only the demo wiring imports the simulator; the simulator imports none of the core above pve.
// The second test feeds the same check a small made-up tree with one break of each kind, so a check that
// has stopped seeing breaks fails too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The core's rooms, lowest first: a room may import itself and the rooms before it, nothing after. */
const LAYERS = [
  'text', // plain-text tables, times, byte sizes: imports nothing of moxxie
  'pve', // the PVE API client
  'sim', // the simulated cluster: a server of its own, which may use pve's types and nothing higher
  'inventory', // the cluster snapshot (its model is what selectors select from)
  'select', // selectors and the tag-expression language, over the inventory's model
  'ops', // the operation engine and the core's facade (src/core.ts)
  'history', // the stores of operations, job runs, jobs and audit
  'schedule', // jobs, cron, the scheduler loop: reads and writes jobs and runs through history
  'config', // contexts, credentials, opening a context (the demo's simulator among them)
  'net', // listener security shared by the HTTP front ends: loopback, bearer token, TLS (reads secrets via config)
  'open', // src/open.ts: openMoxxie wires a context, the core, history and jobs for a front end
  'entry', // src/cli.ts: dispatches to the front ends by path
] as const;

/** Files directly in src/ and the room each belongs to. */
const TOP_FILES: Record<string, string> = {
  // The facade's interface; ops/core.ts implements it (createCore), and the two name each other's types.
  'core.ts': 'ops',
  'open.ts': 'open',
  'cli.ts': 'entry',
};

const FRONT_ENDS = ['cli', 'tui', 'mcp', 'rest'];

/** The files of the core that may import the simulator: the demo wiring (the demo context starts it; --pve picks its release). */
const SIM_WIRING = ['src/config/open-context.ts', 'src/config/demo-release.ts', 'src/config/demo-sim-thread.ts', 'src/config/demo-sim-worker.ts'];

/** Packages the core never imports: UI (react, ink and its kin), the MCP SDK, HTTP frameworks. */
const FORBIDDEN_IN_CORE: RegExp[] = [
  /^react(-dom)?(\/|$)/,
  /^ink(-[\w-]+)?(\/|$)/,
  /^@alcalzone\/ink-/,
  /^zustand(\/|$)/,
  /^@modelcontextprotocol\//,
  /^(express|fastify|koa|hono|h3|restify|polka|elysia)(\/|$)/,
  /^@(fastify|koa|hono|nestjs|hapi|elysiajs)\//,
];

interface Place {
  side: 'core' | 'front' | 'outside';
  room: string;
}

/** Where a repository-relative path (posix) sits: the core's room, the front end, or outside both. */
function placeOf(path: string): Place {
  const [top, second] = path.split('/');
  if (top === 'src' && second !== undefined) {
    if (path.split('/').length === 2) return { side: 'core', room: TOP_FILES[second] ?? `src/${second}` };
    return { side: 'core', room: second };
  }
  if (FRONT_ENDS.includes(top)) return { side: 'front', room: top };
  return { side: 'outside', room: top };
}

const rank = (room: string) => (LAYERS as readonly string[]).indexOf(room);

interface Import {
  file: string;
  line: number;
  spec: string;
  /** Repository-relative path for a relative import; the package name's full specifier otherwise. */
  target: string;
  relative: boolean;
}

function importsOf(file: string, text: string): Import[] {
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => ({ spec: f.fileName, line: lineOf(f.pos) }));
  // JSX under the automatic runtime imports react/jsx-runtime without saying so.
  if (file.endsWith('.tsx')) found.push({ spec: 'react/jsx-runtime', line: 1 });
  return found.map(({ spec, line }) => {
    const rel = spec.startsWith('./') || spec.startsWith('../');
    return { file, line, spec, relative: rel, target: rel ? posix.normalize(posix.join(posix.dirname(file), spec)) : spec };
  });
}

/** Every break of the layers in `files` (repository-relative posix path → source text), one line each. */
function layerBreaks(files: Map<string, string>): string[] {
  const breaks: string[] = [];
  const edges = new Map<string, Map<string, Import>>();
  for (const room of new Set([...files.keys()].map(placeOf).filter((p) => p.side === 'core').map((p) => p.room))) {
    if (rank(room) < 0) breaks.push(`${room.startsWith('src/') ? room : `src/${room}/`} is in no layer: place it in LAYERS (test/build/layers.test.ts)`);
  }
  for (const [file, text] of files) {
    const from = placeOf(file);
    for (const imp of importsOf(file, text)) {
      const at = `${imp.file}:${imp.line} imports '${imp.spec}'`;
      if (!imp.relative) {
        if (from.side === 'core' && FORBIDDEN_IN_CORE.some((re) => re.test(imp.spec))) breaks.push(`${at}: the core imports no UI, MCP or HTTP-framework package`);
        continue;
      }
      const to = placeOf(imp.target);
      if (from.side === 'core') {
        if (to.side === 'front') {
          // The entry point names the front ends it loads; everything else in the core is below them.
          if (from.room !== 'entry') breaks.push(`${at}: the core imports no front end (${to.room}/)`);
          continue;
        }
        if (to.side !== 'core' || to.room === from.room) continue;
        if (to.room === 'sim' && !SIM_WIRING.includes(file)) breaks.push(`${at}: only the demo wiring (${SIM_WIRING.join(', ')}) imports the simulator`);
        if (rank(from.room) >= 0 && rank(to.room) >= 0 && rank(to.room) > rank(from.room)) {
          breaks.push(`${at}: ${from.room} is below ${to.room} in LAYERS (${LAYERS.join(' < ')})`);
        }
        const out = edges.get(from.room) ?? new Map<string, Import>();
        if (!out.has(to.room)) out.set(to.room, imp);
        edges.set(from.room, out);
      } else if (from.side === 'front' && to.side === 'front' && to.room !== from.room) {
        breaks.push(`${at}: front ends import no other front end (${from.room}/ → ${to.room}/)`);
      }
    }
  }
  return [...breaks, ...cycles(edges)];
}

/** Each import cycle between the core's rooms, once, with the import that makes each of its steps. */
function cycles(edges: Map<string, Map<string, Import>>): string[] {
  const found = new Map<string, string>();
  const walk = (path: string[]) => {
    const last = path[path.length - 1];
    for (const next of edges.get(last)?.keys() ?? []) {
      const i = path.indexOf(next);
      if (i >= 0) {
        const loop = path.slice(i);
        // One name per cycle whichever room it was entered from: start it at its smallest room.
        const start = loop.indexOf([...loop].sort()[0]);
        const turned = [...loop.slice(start), ...loop.slice(0, start)];
        const steps = turned.map((room, k) => {
          const imp = edges.get(room)!.get(turned[(k + 1) % turned.length])!;
          return `${imp.file}:${imp.line} imports '${imp.spec}'`;
        });
        found.set(turned.join(' → '), `import cycle between core rooms ${[...turned, turned[0]].join(' → ')}: ${steps.join('; ')}`);
      } else {
        walk([...path, next]);
      }
    }
  };
  for (const room of edges.keys()) walk([room]);
  return [...found.values()];
}

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.tsx?$/.test(entry.name)) files.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const top of ['src', ...FRONT_ENDS]) if (existsSync(join(root, top))) visit(join(root, top));
  return files;
}

it('keeps the layers: the core imports no front end, front ends not each other, and each core room only rooms below it', () => {
  const files = sourceFiles();
  expect(files.size).toBeGreaterThan(100);
  expect(layerBreaks(files)).toEqual([]);
});

it('names the file and the import of each kind of break', () => {
  const files = new Map<string, string>([
    ['src/pve/client.ts', "import { x } from '../inventory/model.js';\nimport { Hono } from 'hono';\n"],
    ['src/inventory/model.ts', "export type { Y } from '../pve/client.js';\n"],
    ['src/history/store.ts', "\nimport { v } from '../../cli/jobs.js';\nimport { render } from 'ink';\n"],
    ['src/history/view.tsx', 'export const V = () => <b />;\n'],
    ['src/schedule/jobs.ts', "const s = await import('../sim/index.js');\n"],
    ['src/sim/index.ts', "import type { Vm } from '../inventory/model.js';\n"],
    ['src/config/open-context.ts', "import { startSimulator } from '../sim/index.js';\n"],
    ['src/metrics/counters.ts', "import { t } from '../text/table.js';\n"],
    ['src/cli.ts', "const mods = { vms: '../cli/vms.js' };\nawait import('../tui/command.js');\n"],
    ['mcp/serve.ts', "import { keymap } from '../tui/keymap.js';\nimport { openMoxxie } from '../src/open.js';\n"],
    ['tui/keymap.ts', "import type { Op } from '../src/ops/types.js';\n// import { x } from '../mcp/serve.js';\n"],
  ]);
  expect(layerBreaks(files)).toEqual([
    'src/metrics/ is in no layer: place it in LAYERS (test/build/layers.test.ts)',
    `src/pve/client.ts:1 imports '../inventory/model.js': pve is below inventory in LAYERS (${LAYERS.join(' < ')})`,
    "src/pve/client.ts:2 imports 'hono': the core imports no UI, MCP or HTTP-framework package",
    "src/history/store.ts:2 imports '../../cli/jobs.js': the core imports no front end (cli/)",
    "src/history/store.ts:3 imports 'ink': the core imports no UI, MCP or HTTP-framework package",
    "src/history/view.tsx:1 imports 'react/jsx-runtime': the core imports no UI, MCP or HTTP-framework package",
    "src/schedule/jobs.ts:1 imports '../sim/index.js': only the demo wiring (src/config/open-context.ts, src/config/demo-release.ts, src/config/demo-sim-thread.ts, src/config/demo-sim-worker.ts) imports the simulator",
    `src/sim/index.ts:1 imports '../inventory/model.js': sim is below inventory in LAYERS (${LAYERS.join(' < ')})`,
    "mcp/serve.ts:1 imports '../tui/keymap.js': front ends import no other front end (mcp/ → tui/)",
    "import cycle between core rooms inventory → pve → inventory: src/inventory/model.ts:1 imports '../pve/client.js'; src/pve/client.ts:1 imports '../inventory/model.js'",
  ]);
});
