// `moxxie migrate check VMID --to NODE`: PVE's migration precondition for one VM and a target, summed up
// (the seed's GET /vms/{id}/migrate/check?target=…). A read: nothing is changed.
import { fetchInventory } from '../src/inventory/inventory.js';
import { checkMigration } from '../src/ops/migration/precondition.js';
import { checkText } from './migration-text.js';
import { vmidCommandArgs } from './vmid-command-args.js';
import { withContext } from './with-context.js';

const HELP = `moxxie migrate check VMID --to NODE [--force] [--json] [--context NAME | --demo]

Whether a VM can move to NODE, from PVE's migration precondition: online (running), restart (a running
container: it cannot move live) or offline, its local
disks (which make a live move need withLocalDisks), local devices (which need --force), and whether PVE
allows the node and it is online. Nothing is changed. Exit status: 0 it can move, 1 it cannot (or the
cluster could not be read), 2 bad arguments.
`;

export async function run(argv: string[], words = 'migrate check'): Promise<number> {
  const args = vmidCommandArgs(argv, {
    words,
    help: HELP,
    noun: 'VM id',
    options: { to: { type: 'string' }, force: { type: 'boolean' } },
    check: (values) => {
      if (!values.to) throw new Error('--to NODE is required: the node to check');
    },
  });
  if (typeof args === 'number') return args;
  const { values, vmid } = args;
  return withContext(words, values, async (context) => {
    const check = await checkMigration(context.client, await fetchInventory(context.client), vmid, values.to as string /* required above */, { force: values.force });
    process.stdout.write(values.json ? `${JSON.stringify(check, null, 2)}\n` : `${checkText(check)}\n`);
    return check.allowed ? 0 : 1;
  });
}
