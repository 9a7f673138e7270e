#!/usr/bin/env node
// Entry point: moxxie [tui] | mcp | scheduler | jobs | history | ops | vms | sim | config, and a verb per
// capability (snapshot, power, tags). Each subcommand lives in its front end (cli/, mcp/, tui/) and is loaded
// on demand, so `moxxie mcp` never loads ink and `moxxie sim` never loads the MCP SDK.

import { warmDemoSimulator } from './config/demo-sim-thread.js';

/** `command` is the name the module was dispatched under (the capability verbs serve several). */
type CommandModule = { run(argv: string[], command?: string): Promise<number> };

type Loader = () => Promise<CommandModule>;

/** One module serves every capability of the registry, its verbs generated from their declarations. */
const capabilityVerbs = () => import('../cli/capability-verbs.js');

// Literal imports behind functions: loaded on demand, checked by the compiler, and followed by the bundler
// (scripts/bundle.mjs), which puts each front end in a chunk of its own.
const commands: Record<string, Loader> = {
  sim: () => import('../cli/sim.js'),
  config: () => import('../cli/config.js'),
  scheduler: () => import('../cli/scheduler.js'),
  jobs: () => import('../cli/jobs.js'),
  history: () => import('../cli/history.js'),
  ops: () => import('../cli/ops.js'),
  vms: () => import('../cli/vms.js'),
  // The first word of each capability's verb (names.verb); `moxxie help` lists what each one takes.
  snapshot: capabilityVerbs,
  power: capabilityVerbs,
  tags: capabilityVerbs,
  backups: capabilityVerbs,
  cluster: capabilityVerbs,
  vm: capabilityVerbs,
  storage: capabilityVerbs,
  migrate: capabilityVerbs,
  node: capabilityVerbs,
  ct: capabilityVerbs,
  mcp: () => import('../mcp/command.js'),
  serve: () => import('../rest/command.js'),
  tui: () => import('../tui/command.js'),
};

const usageHead = `moxxie — a terminal-first control plane for Proxmox VE

Usage:
  moxxie [--demo] [--context NAME] [--read-only]   open the TUI
  moxxie mcp [--http] [--demo] [--context NAME]    run the MCP server (stdio by default)
  moxxie serve [--demo | --context NAME] [--host 127.0.0.1] [--port 8080] [--read-only]   the REST API
  moxxie scheduler [--demo | --context NAME] [--once] [--json]
  moxxie jobs list | show | create | update | delete | enable | disable | trigger | runs ...
  moxxie history [list | show ID | audit | migrations [VMID]] [--demo | --context NAME] [--json]
  moxxie ops list | show ID | resume ID | rollback ID [--yes] [--dry-run] [--json]
  moxxie vms [SELECTOR] [--json | --ids] [--demo | --context NAME]
  moxxie sim [--pve 9|8.4] [--port 8006] [--nodes 4] [--vms 60] [--http]
  --pve 9|8.4 beside --demo picks the demo cluster's PVE release (default 9)
  moxxie config list | use NAME | add NAME ... [--force] | remove NAME | test [NAME]
  moxxie help | --version
`;

const usageTail = `
Every verb takes --help. Verbs that change VMs take --dry-run (show the plan, change nothing), --json,
--file F (the request as JSON; - for stdin) and --yes (needed for destructive or forced requests).
`;

/** The usage, with one line per capability verb generated from the registry. */
async function usage(): Promise<string> {
  const verbs = await capabilityVerbs();
  return `${usageHead}\nOperations (one verb per capability):\n${verbs.usageLines().join('\n')}\n${usageTail}`;
}

/** The version in moxxie's package.json, the nearest one above this file (src/, dist/src/ or dist/bundle/). */
async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (let up = '../'; up.length <= 12; up += '../') {
    const text = await readFile(new URL(`${up}package.json`, import.meta.url), 'utf8').catch(() => null);
    const pkg = text === null ? null : (JSON.parse(text) as { name?: string; version: string });
    if (pkg?.name === 'moxxie') return pkg.version;
  }
  throw new Error('package.json of moxxie not found above the program');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write(await usage());
    return 0;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`moxxie ${await packageVersion()}\n`);
    return 0;
  }
  const name = first && !first.startsWith('-') ? first : 'tui';
  const args = name === first ? rest : argv;
  // The TUI on the demo: the simulator's thread starts loading PVE's schema now, on the second core, while
  // this thread loads the TUI (src/config/demo-sim-thread.ts; unused, it never keeps the process alive).
  // Imported with this entry rather than on demand: a dynamic import would wait behind the command's own
  // module graph, starting the thread about 150 ms later.
  if (name === 'tui' && args.includes('--demo')) warmDemoSimulator();
  const load = commands[name];
  if (!load) {
    process.stderr.write(`moxxie: unknown command "${name}"; valid: ${Object.keys(commands).join(', ')}, help\n`);
    return 2;
  }
  const mod = await load();
  let forCommand = args;
  // `moxxie sim` has its own --pve; beside --demo elsewhere it picks the demo cluster's release.
  if (name !== 'sim' && args.some((a) => a === '--pve' || a.startsWith('--pve='))) {
    try {
      const { takeDemoRelease } = (await import('./config/demo-release.js')) as { takeDemoRelease(argv: string[], env: NodeJS.ProcessEnv): string[] };
      forCommand = takeDemoRelease(args, process.env);
    } catch (err) {
      process.stderr.write(`moxxie ${name}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  return mod.run(forCommand, name);
}

// test/fixtures/cli-driver-child.mjs sets this before importing main, to run many command lines in one process.
const importedByTestDriver = (globalThis as { moxxieCliDriver?: boolean }).moxxieCliDriver === true;
if (!importedByTestDriver) main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.stderr.write(`moxxie: ${err instanceof Error ? err.message : String(err)}\n`);
    // Loaded only here: a refusal that reached the entry point still exits 2, a failure 1.
    const { exitStatusOf } = (await import('./config/exit-status.js')) as { exitStatusOf(err: unknown): number };
    process.exitCode = exitStatusOf(err);
  },
);
