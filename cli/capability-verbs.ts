// Every capability of the registry as a command-line verb, generated from its declaration — no command code
// per capability: `moxxie snapshot create SELECTOR --name …`, `moxxie power shutdown SELECTOR`,
// `moxxie tags add SELECTOR TAG…`. Words and flags become the request (request-flags.ts); the request goes
// through core.run, which checks it against the capability's strict schema like every other front end's.
import { readFile } from 'node:fs/promises';
import { contextChoiceProblem } from '../src/config/context-flags.js';
import { ConfigError } from '../src/config/secrets.js';
import { HistoryDamagedError } from '../src/history/damaged.js';
import type { AnyCapability } from '../src/ops/capability.js';
import { CAPABILITIES, needsConfirmation } from '../src/ops/capabilities/index.js';
import { ReadOnlyError, RequestError } from '../src/ops/errors.js';
import { nearestName } from '../src/text/nearest-name.js';
import { openMoxxie, type MoxxieSession } from '../src/open.js';
import { SelectorError } from '../src/select/selector-error.js';
import { COMPANIONS, companionLines, companionOf, runCompanion } from './companion-commands.js';
import { operationReport } from './operation-text.js';
import { runFollowed } from './operation-run.js';
import { buildRequest, flagAbout, flagSyntax, FRONT_END_FLAGS, readCommandLine, SELECTION_FIELD, UsageError, verbShape, type VerbShape } from './request-flags.js';

const STDIN = '-';

const capabilities = (): AnyCapability[] => Object.values(CAPABILITIES);

/** The first words of every capability's verb (`snapshot`, `power`, `tags`): the commands this module serves. */
export function verbCommands(): string[] {
  return [...new Set([...capabilities().map((c) => c.names.verb[0]), ...Object.keys(COMPANIONS)])];
}

/** `sourceVmId` → SOURCE_VM_ID */
const positionalWord = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** `moxxie power start|stop|… SELECTOR [flags]` */
function synopsis(shape: VerbShape): string {
  const parts = ['moxxie', ...shape.words];
  if (shape.mode) parts.push(shape.mode.values!.map((v) => v.toLowerCase()).join('|'));
  if (shape.positional) parts.push(positionalWord(shape.positional.field));
  if (shape.selects) parts.push('SELECTOR');
  if (shape.rest) parts.push(`${shape.rest.field.toUpperCase().replace(/S$/, '')}…`);
  for (const f of shape.flags.filter((x) => x.required && x !== shape.positional)) parts.push(`--${f.aliases[0] ?? f.flag} ${f.type === 'number' ? 'N' : 'TEXT'}`);
  parts.push('[flags]');
  return parts.join(' ');
}

/** One line per capability verb, for `moxxie help`. */
export function usageLines(): string[] {
  // A verb a hand-written companion serves (cluster provision) is listed once, by the companion.
  const lines = capabilities().filter((c) => !companionOf(c.names.verb[0], c.names.verb[1])).map((c) => `  ${synopsis(verbShape(c))}`);
  return [...lines, ...Object.keys(COMPANIONS).flatMap((command) => companionLines(command).map((l) => `  ${l}`))];
}

const EXIT_TEXT = `Exit status: 0 done (or a dry run); 1 the operation did not succeed on every VM, or the cluster or the
history failed; 2 bad arguments or input (the message names the flag or field), or a refusal (read-only;
a destructive or forced request without --yes: its plan is printed and nothing changes).`;

const WIDTH = 100;

/** Words wrapped to `width`, every line after the first indented by `indent`. */
function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Two columns: the name, then its text wrapped beside it (a long name gets its text on the next line). */
function columns(rows: Array<[string, string]>): string {
  const width = Math.min(32, Math.max(0, ...rows.map(([a]) => a.length)));
  const pad = ' '.repeat(width + 4);
  return rows
    .map(([a, b]) => {
      const text = wrap(b, WIDTH - pad.length, '').split('\n').join(`\n${pad}`);
      return a.length > width ? `  ${a}\n${pad}${text}` : `  ${a.padEnd(width)}  ${text}`;
    })
    .join('\n');
}

function helpText(shape: VerbShape): string {
  const c = shape.capability;
  const words: Array<[string, string]> = [];
  if (shape.mode) words.push([shape.mode.values!.map((v) => v.toLowerCase()).join('|'), `${shape.mode.description ?? 'what to do'} [field ${shape.mode.field}, any case]`]);
  if (shape.positional) words.push([positionalWord(shape.positional.field), `${shape.positional.description ?? 'the word after the verb'} (or --${shape.positional.flag}) [field ${shape.positional.field}]`]);
  if (shape.selects) words.push(['SELECTOR', `which VMs, one word (quote it): id:8200-8209, name:web-*, 'tag:(env-prod AND NOT always-on)', node:pve2, all [field ${SELECTION_FIELD}]`]);
  if (shape.rest) words.push([`${shape.rest.field.toUpperCase().replace(/S$/, '')}…`, `${shape.rest.description ?? 'the words after the selector'} [field ${shape.rest.field}]`]);
  const fields = shape.flags.map((f): [string, string] => [flagSyntax(f), flagAbout(f)]);
  const own = (Object.entries(FRONT_END_FLAGS) as Array<[string, { type: string; arg?: string; about: string }]>).map(([n, f]): [string, string] => [
    `${n === 'help' ? '-h, ' : ''}--${n}${f.type === 'string' ? ` ${f.arg}` : ''}`,
    f.about,
  ]);
  const danger = c.hints.destructive
    ? `Destructive requests${shape.flags.some((f) => f.field === 'force') ? ' (and any with --force)' : ''} print their plan and change nothing unless --yes is given.`
    : `It runs at once${shape.flags.some((f) => f.field === 'force') ? '; with --force it needs --yes' : ''}.`;
  const about = `${c.title}. ${c.description} ${danger} --dry-run shows the plan and changes nothing. While it runs, a line per VM goes to stderr; Ctrl+C cancels (nothing new starts; again to stop waiting), and \`moxxie ops resume ID\` finishes it later.`;
  return `${synopsis(shape)}

${wrap(about, WIDTH)}
${words.length ? `\nWords:\n${columns(words)}\n` : ''}
Request fields (--file takes the same names, as JSON):
${columns(fields)}

Options:
${columns(own)}

${EXIT_TEXT}
`;
}

function groupHelp(command: string, shapes: VerbShape[]): string {
  const verbs = shapes.map((s) => `${synopsis(s)}\n    ${wrap(`${s.capability.title}. ${s.capability.description}`, WIDTH - 4, '    ')}`);
  const companions = Object.entries(COMPANIONS[command] ?? {}).map(([sub, c]) => `${`moxxie ${command} ${sub} ${c.usage}`.trimEnd()}\n    ${wrap(c.summary, WIDTH - 4, '    ')}`);
  return `${[...verbs, ...companions].join('\n')}

moxxie ${command} ${shapes.length !== 1 || shapes[0].words.length > 1 ? 'VERB ' : ''}--help shows a verb's words, flags and request fields.
`;
}

/** The capability a command line names, and the arguments after its verb words. */
function findVerb(command: string, argv: string[]): { shape: VerbShape; args: string[] } | { help: string; code: number; error?: string } {
  const shapes = capabilities().filter((c) => c.names.verb[0] === command).map(verbShape);
  if (!shapes.length && !COMPANIONS[command]) return { help: '', code: 2, error: `unknown command '${command}'` };
  const matches = shapes.filter((s) => s.words.slice(1).every((w, i) => argv[i] === w)).sort((a, b) => b.words.length - a.words.length);
  if (matches.length) return { shape: matches[0], args: argv.slice(matches[0].words.length - 1) };
  const next = argv[0];
  const help = groupHelp(command, shapes);
  const valid = [...shapes.map((s) => s.words[1]), ...Object.keys(COMPANIONS[command] ?? {})].filter((w): w is string => w !== undefined);
  if (next === undefined || next === '--help' || next === '-h' || next === 'help') return { help, code: next === undefined ? 2 : 0, error: next === undefined ? `moxxie ${command} needs a verb: ${valid.join(', ')}` : undefined };
  const near = nearestName(next, valid);
  return { help, code: 2, error: `unknown verb 'moxxie ${command} ${next}'${near ? `; did you mean '${near}'?` : ''} (valid: ${valid.join(', ')})` };
}

async function readBody(source: string): Promise<Record<string, unknown>> {
  let text: string;
  const what = source === STDIN ? 'stdin' : source;
  if (source === STDIN) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new UsageError(`--file: cannot read '${source}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--file: ${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--file: ${what} must hold one JSON object of request fields, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

/** The caller's mistake or a refusal (exit 2), as opposed to a failure of the cluster or the store (exit 1). */
export const isRefusal = (err: unknown) => err instanceof UsageError || err instanceof RequestError || err instanceof ReadOnlyError || err instanceof SelectorError || err instanceof ConfigError;

/** A core error naming a field, with the flag or word that field is on the command line. */
function withFlag(shape: VerbShape, err: Error): string {
  if (!(err instanceof RequestError)) return err.message;
  const f = [...shape.flags, ...(shape.mode ? [shape.mode] : []), ...(shape.rest ? [shape.rest] : [])].find((x) => x.field === err.field);
  const where = err.field === SELECTION_FIELD ? 'the SELECTOR' : f === shape.mode && f ? 'the word after the verb' : f === shape.rest && f ? 'the words after the selector' : f ? `--${f.aliases[0] ?? f.flag}` : undefined;
  return where && err.message.startsWith(`${err.field}:`) ? `${err.field} (${where}):${err.message.slice(err.field.length + 1)}` : err.message;
}

const print = (text: string) => void process.stdout.write(`${text}\n`);

async function execute(shape: VerbShape, session: MoxxieSession, request: Record<string, unknown>, json: boolean, yes: boolean): Promise<number> {
  const { kind } = shape.capability;
  const name = `moxxie ${shape.words.join(' ')}`;
  const core = session.core;
  if (request.dryRun !== true && !yes && needsConfirmation(kind, request, core.context) && !core.context.readOnly) {
    // The plan, through the core like the run itself would go; nothing is changed.
    const plan = await core.run(kind, { ...request, dryRun: true }, { frontEnd: 'cli' });
    print(json ? JSON.stringify(plan, null, 2) : operationReport(plan));
    const affected = plan.targets.filter((t) => t.state === 'planned').length;
    if (affected === 0) {
      // --yes would not help: say so rather than ask for it.
      process.stderr.write(`${name}: nothing to do: no VM would be affected (the plan above says why); nothing was changed\n`);
      return 2;
    }
    const forced = request.force === true && !shape.capability.destructive(request, core.context);
    process.stderr.write(`${name}: ${forced ? 'forced (--force overrides safe mode, protection and always-on), so treated as destructive' : 'destructive'}: run again with --yes to do it; nothing was changed (${affected} VM(s) would be affected)\n`);
    return 2;
  }
  const op = await runFollowed(session, name, (run) => core.run(kind, request, run));
  print(json ? JSON.stringify(op, null, 2) : operationReport(op));
  return op.status === 'succeeded' || op.status === 'planned' ? 0 : 1;
}

async function runVerb(shape: VerbShape, argv: string[], bodyRead?: Record<string, unknown>): Promise<number> {
  const name = `moxxie ${shape.words.join(' ')}`;
  let request: Record<string, unknown>;
  let line;
  try {
    line = readCommandLine(shape, argv);
    if (line.help) {
      process.stdout.write(helpText(shape));
      return 0;
    }
    const contextProblem = contextChoiceProblem(line);
    if (contextProblem) throw new UsageError(contextProblem);
    const body = bodyRead ?? (line.file !== undefined ? await readBody(line.file) : undefined);
    // One verb for two bodies (vm create: POST /vms or /vms/cloud-init): a field of the body tells them apart.
    const route = shape.capability.names.cli?.fileRoute;
    if (route && body && body[route.field] !== undefined && CAPABILITIES[route.kind]) return runVerb(verbShape(CAPABILITIES[route.kind]), argv, body);
    request = buildRequest(shape, line, body);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${name}: ${err.message}\nusage: ${synopsis(shape)}   (${name} --help for more)\n`);
    return 2;
  }

  let session: MoxxieSession;
  try {
    session = await openMoxxie({ name: line.context, demo: line.demo, readOnly: line.readOnly, frontEnd: 'cli' });
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    return err instanceof HistoryDamagedError ? 1 : 2;
  }
  try {
    return await execute(shape, session, request, line.json, line.yes);
  } catch (err) {
    process.stderr.write(`${name}: ${withFlag(shape, err as Error)}\n`);
    return isRefusal(err) ? 2 : 1;
  } finally {
    await session.close();
  }
}

/** `moxxie <command> …`; `command` is the first verb word the dispatcher matched (else argv's first word). */
export async function run(argv: string[], command?: string): Promise<number> {
  const args = [...argv];
  const first = command ?? args.shift();
  if (first === undefined) {
    process.stderr.write(`moxxie: give a verb: ${verbCommands().join(', ')}\n`);
    return 2;
  }
  // A hand-written read beside the generated verbs (`backups list`) is matched first: its word is its own.
  if (companionOf(first, args[0])) return runCompanion(first, args[0], args.slice(1));
  const found = findVerb(first, args);
  if ('help' in found) {
    if (found.error) process.stderr.write(`moxxie ${first}: ${found.error}\n\n`);
    (found.code === 0 ? process.stdout : process.stderr).write(found.help);
    return found.code;
  }
  return runVerb(found.shape, found.args);
}
