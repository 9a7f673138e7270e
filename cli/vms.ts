// `moxxie vms [SELECTOR]`: the cluster's guests from one /cluster/resources call, narrowed with the one-line
// selector syntax, as a table, JSON or bare ids, for scripts and for a quick look without the TUI.
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { exitStatusOf } from '../src/config/exit-status.js';
import { openContext, type OpenedContext } from '../src/config/open-context.js';
import { SelectorError } from '../src/select/selector-error.js';
import { parseSelectorLine, resolveSelectorLine } from '../src/select/selector-line.js';
import { fetchInventory } from '../src/inventory/inventory.js';
import type { Vm } from '../src/inventory/model.js';
import { countByStatus } from '../src/inventory/summary.js';
import { bytes } from '../src/text/bytes.js';
import { textTable } from '../src/text/table.js';

const HELP = `moxxie vms [SELECTOR ...] [--json | --ids] [--context NAME | --demo]

Lists the guests of a context, narrowed by a one-line selector (terms AND together), e.g.
  moxxie vms --demo
  moxxie vms 'tag:(env-prod AND NOT always-on)' status:running --demo
  moxxie vms node:pve2 name:web-* --ids --demo | xargs -n1 echo
Templates are left out unless the selector says template:yes or names their ids.
  --json   {"total", "countsByStatus", "vms": [...], "warnings": [...]} on stdout
  --ids    one vmid per line (nothing else on stdout)
Warnings (unknown ids, offline nodes) go to stderr. Exit status: 0 done, 1 the cluster could not be
read, 2 bad arguments, selector or configuration.
`;

class UsageError extends Error {}

const percent = (f: number) => `${(f * 100).toFixed(f < 0.1 ? 1 : 0)}%`;

function table(vms: Vm[]): string {
  const rows = vms.map((v) => [
    String(v.vmid),
    v.template ? `${v.name} (template)` : v.name,
    v.node,
    v.type,
    v.status,
    v.status === 'running' ? percent(v.cpu) : '-',
    v.status === 'running' ? `${bytes(v.mem)}/${bytes(v.maxmem)}` : bytes(v.maxmem),
    v.lock ?? '',
    v.tags.join(' '),
  ]);
  return textTable(['VMID', 'NAME', 'NODE', 'TYPE', 'STATUS', 'CPU', 'MEM', 'LOCK', 'TAGS'], rows);
}

export async function run(argv: string[]): Promise<number> {
  let values;
  let selector: string;
  try {
    const parsed = parseFlags({
      args: argv,
      allowPositionals: true,
      options: { ...CONTEXT_FLAGS, json: { type: 'boolean' }, ids: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    values = parsed.values;
    selector = parsed.positionals.join(' ').trim();
    if (values.json && values.ids) throw new UsageError('give --json or --ids, not both');
    const contextProblem = contextChoiceProblem(values);
    if (contextProblem) throw new UsageError(contextProblem);
  } catch (err) {
    process.stderr.write(`moxxie vms: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // A bad selector is refused before any connection is made.
  let line;
  try {
    line = parseSelectorLine(selector || 'all');
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    process.stderr.write(`moxxie vms: ${err.message}\n`);
    return 2;
  }
  let context: OpenedContext | undefined;
  try {
    context = await openContext({ name: values.context, demo: values.demo });
  } catch (err) {
    process.stderr.write(`moxxie vms: ${(err as Error).message}\n`);
    return exitStatusOf(err);
  }
  try {
    const inventory = await fetchInventory(context.client);
    const { vms, warnings } = resolveSelectorLine(inventory, line);
    for (const w of warnings) process.stderr.write(`warning: ${w.message}\n`);
    if (values.ids) process.stdout.write(vms.map((v) => `${v.vmid}\n`).join(''));
    else if (values.json) process.stdout.write(`${JSON.stringify({ total: vms.length, countsByStatus: countByStatus(vms), vms, warnings: warnings.map((w) => w.message) }, null, 2)}\n`);
    else {
      const counts = Object.entries(countByStatus(vms)).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
      process.stdout.write(vms.length ? `${table(vms)}\n${vms.length} guest${vms.length === 1 ? '' : 's'}: ${counts}\n` : 'no guest matches\n');
    }
    return 0;
  } catch (err) {
    process.stderr.write(`moxxie vms: ${(err as Error).message}\n`);
    return exitStatusOf(err);
  } finally {
    await context.close();
  }
}
