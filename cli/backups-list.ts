// `moxxie backups list [SELECTOR]`: the cluster's backups from storage content (each archive once), narrowed
// by a one-line selector and/or a storage, as a table or JSON. A companion of the generated `backups` verbs.
import { withContext } from './with-context.js';
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { fetchInventory } from '../src/inventory/inventory.js';
import { listBackupsReport, type BackupEntry } from '../src/ops/backup-list.js';
import { SelectorError } from '../src/select/selector-error.js';
import { parseSelectorLine, resolveSelectorLine } from '../src/select/selector-line.js';
import { ageText } from '../src/text/age.js';
import { bytes } from '../src/text/bytes.js';
import { textTable } from '../src/text/table.js';

const HELP = `moxxie backups list [SELECTOR ...] [--storage ID] [--json] [--context NAME | --demo]

Lists backups cluster-wide from PVE's storage content, each archive once (shared storage too), newest
first per VM; a selector narrows it to some VMs, e.g.
  moxxie backups list --demo
  moxxie backups list id:8200-8209 --storage local --demo
  moxxie backups list 'tag:env-prod' --json --demo
  --storage ID  only this storage
  --json        {"total", "backups": [...], "warnings": [...]} on stdout
An offline node's local backups cannot be read: they are named in a warning (stderr), the rest is listed.
Exit status: 0 done, 1 the cluster could not be read, 2 bad arguments, selector or configuration.
`;

class UsageError extends Error {}

function table(backups: BackupEntry[], nowMs: number): string {
  const rows = backups.map((b) => [
    String(b.vmid),
    b.name ?? '-',
    b.volid,
    b.node,
    bytes(b.size),
    ageText(nowMs / 1000 - b.ctime),
    b.protected ? 'yes' : '',
    b.ttlDays !== undefined ? `${b.ttlDays}d${b.expiresAt !== undefined && b.expiresAt <= nowMs ? ' (expired)' : ''}` : '',
    b.notes ?? '',
  ]);
  return textTable(['VMID', 'NAME', 'VOLID', 'NODE', 'SIZE', 'AGE', 'PROTECTED', 'TTL', 'NOTES'], rows);
}

export async function run(argv: string[], words = 'backups list'): Promise<number> {
  let values;
  let selector: string;
  try {
    const parsed = parseFlags({ args: argv, allowPositionals: true, options: { ...CONTEXT_FLAGS, json: { type: 'boolean' }, storage: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    values = parsed.values;
    selector = parsed.positionals.join(' ').trim();
    const contextProblem = contextChoiceProblem(values);
    if (contextProblem) throw new UsageError(contextProblem);
  } catch (err) {
    process.stderr.write(`moxxie ${words}: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let line;
  try {
    line = selector ? parseSelectorLine(selector) : undefined;
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    process.stderr.write(`moxxie ${words}: ${err.message}\n`);
    return 2;
  }
  return withContext(words, values, async (context) => {
      const inventory = await fetchInventory(context.client);
      let vmids: number[] | undefined;
      if (line) {
        const resolved = resolveSelectorLine(inventory, line);
        for (const w of resolved.warnings) process.stderr.write(`warning: ${w.message}\n`);
        vmids = resolved.vms.map((v) => v.vmid);
      }
      const report = await listBackupsReport(context.client, inventory, { vmids, storage: values.storage });
      for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
      const now = Date.now();
      if (values.json) process.stdout.write(`${JSON.stringify({ total: report.backups.length, backups: report.backups, warnings: report.warnings }, null, 2)}\n`);
      else process.stdout.write(report.backups.length ? `${table(report.backups, now)}\n${report.backups.length} backup${report.backups.length === 1 ? '' : 's'}\n` : 'no backups\n');
      return 0;
  });
}
