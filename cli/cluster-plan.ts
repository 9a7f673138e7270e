// `moxxie cluster plan --file spec.yaml|json`: the dry run of a cluster provisioning. Reads the seed's spec
// (JSON verbatim, or YAML), plans it against the context's cluster and prints the placement table and one
// row per VM (or the plan as JSON). It changes nothing.
import { withContext } from './with-context.js';
import { readFile } from 'node:fs/promises';
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import type { ClusterSpec } from '../src/ops/provisioning/cluster-spec.js';
import { parseClusterSpecText } from '../src/ops/provisioning/cluster-spec-text.js';
import { placementSettingsOf } from '../src/config/placement-settings.js';
import { planClusterOn } from '../src/ops/provisioning/plan-on-cluster.js';
import { planReport } from '../src/ops/provisioning/plan-report.js';

const HELP = `moxxie cluster plan --file SPEC [--json] [--context NAME | --demo]

Plans a cluster from a spec (the seed's POST /clusters/provision body: JSON verbatim, or the same as YAML;
--file - reads stdin as YAML or JSON) and prints where each VM would go: the placement table (hosts x
groups), then one row per VM with its id, host, disks, how its disk gets there and its ipconfig. Nothing
is created. Placement reads the context's "provisioning" settings (zones per node, cpuOvercommit).
  --json   the plan as JSON: {"ok", "vms", "hosts", "problems", "warnings", "waves", "haRules", "options"}
Exit status: 0 the plan can run; 1 it cannot (its problems are printed) or the cluster could not be read;
2 bad arguments or a bad spec (the message names the field).
`;

export async function run(argv: string[], words = 'cluster plan'): Promise<number> {
  let values;
  try {
    ({ values } = parseFlags({ args: argv, options: { ...CONTEXT_FLAGS, file: { type: 'string', short: 'f' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
    const problem = contextChoiceProblem(values);
    if (problem) throw new Error(problem);
    if (!values.help && !values.file) throw new Error('give --file SPEC (a .yaml, .yml or .json file; - for stdin)');
  } catch (err) {
    process.stderr.write(`moxxie ${words}: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const file = values.file!;
  let spec: ClusterSpec;
  try {
    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    spec = parseClusterSpecText(text, file === '-' ? 'stdin' : file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`moxxie ${words}: ${e.code === 'ENOENT' ? `no file ${file}` : e.message}\n`);
    return 2;
  }
  return withContext(words, values, async (context) => {
      const settings = context.info.demo ? {} : placementSettingsOf(context.info.name);
      const { plan } = await planClusterOn(context.client, spec, settings);
      process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planReport(plan)}\n`);
      return plan.ok ? 0 : 1;
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
