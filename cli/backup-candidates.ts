// `moxxie backups candidates`: the retention preview (the seed's GET /backups/retention-candidates) — every
// backup marked keep / remove / protected with the rule that decided it, and PVE's own prune preview compared.
// `moxxie backups prune` (the generated verb) carries it out.
import { withContext } from './with-context.js';
import { readFile } from 'node:fs/promises';
import { FlagError, parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { fetchInventory } from '../src/inventory/inventory.js';
import { RequestError } from '../src/ops/errors.js';
import { parseRequest } from '../src/ops/request-schema.js';
import { previewRetention, retentionQuerySchema, type RetentionPreview } from '../src/ops/retention/candidates.js';
import { bytes } from '../src/text/bytes.js';
import { textTable } from '../src/text/table.js';

const help = (words: string) => `moxxie ${words} --policy POLICY [--tags A,B] [--vm-ids 8200,8201] [--storage ID]
       [--file F] [--remove-only] [--json] [--context NAME | --demo]

What a retention policy would do to the backups, changing nothing: each backup marked keep, remove,
protected (never removed) or renamed (outside vzdump's naming scheme, never pruned), with the rule that
decided it. POLICY is the seed's days:N, count:N (per guest), monthly:N, or PVE's keep options such as
keep-last=3,keep-daily=7,keep-weekly=4. Backups past moxxie's TTL are removed under any policy. Where
PVE can express the policy, PVE's own prune preview is asked and every difference is printed.
  --tags A,B       only guests with every one of these tags (the seed's filter)
  --file F         the query as JSON with the seed's names ({"retentionPolicy":"days:30","tags":["env-dev"]});
                   "-" reads stdin; flags are merged over it
  --remove-only    list only the backups to remove
  --json           the whole preview as JSON on stdout
Exit status: 0 done; 1 the cluster could not be read; 2 bad arguments or query.
`;

class UsageError extends Error {}

const MARK_ORDER = { remove: 0, protected: 1, renamed: 2, keep: 3 } as const;

function render(p: RetentionPreview, removeOnly: boolean): string {
  const rows = [...p.backups]
    .filter((b) => !removeOnly || b.mark === 'remove')
    .sort((a, b) => MARK_ORDER[a.mark] - MARK_ORDER[b.mark] || a.vmid - b.vmid || b.ctime - a.ctime)
    .map((b) => [b.mark.toUpperCase(), String(b.vmid), b.name ?? '', b.storage, new Date(b.ctime * 1000).toISOString().slice(0, 16).replace('T', ' '), bytes(b.size), b.volid.slice(b.volid.indexOf(':') + 1), b.reason]);
  const s = p.summary;
  const lines = [
    rows.length ? textTable(['MARK', 'VMID', 'NAME', 'STORAGE', 'TIME (UTC)', 'SIZE', 'VOLUME', 'RULE'], rows) : 'no backup matches',
    `${p.policy.text}: ${s.remove} of ${s.total} backup(s) to remove (${bytes(s.removeBytes)}), ${s.keep} kept, ${s.protected} protected${s.renamed ? `, ${s.renamed} renamed` : ''}.`,
  ];
  for (const c of p.crossChecks) {
    if (!c.checked) lines.push(`${c.storage} on ${c.node}: ${c.note}`);
    else if (!c.differences.length) lines.push(`${c.storage} on ${c.node}: PVE's own prune preview (${c.pveRetention}) agrees.`);
    else for (const d of c.differences) lines.push(`${c.storage} on ${c.node}: DIFFERS from PVE (${c.pveRetention}): ${d.volid} moxxie ${d.moxxie}, PVE ${d.pve}`);
  }
  return `${lines.join('\n')}\n`;
}

async function readBody(file: string): Promise<Record<string, unknown>> {
  const text = file === '-' ? await new Promise<string>((resolve, reject) => {
    let data = '';
    process.stdin.on('data', (d) => (data += String(d)));
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  }) : await readFile(file, 'utf8').catch((err: Error) => { throw new UsageError(`--file ${file}: ${err.message}`); });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--file ${file}: not JSON (${(err as Error).message})`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`--file ${file}: must be a JSON object such as {"retentionPolicy":"days:30"}`);
  return body as Record<string, unknown>;
}

export async function run(argv: string[], words = 'backups candidates'): Promise<number> {
  let values;
  let query: Record<string, unknown>;
  try {
    const parsed = parseFlags({
      args: argv,
      allowPositionals: false,
      options: {
        ...CONTEXT_FLAGS,
        policy: { type: 'string' },
        'retention-policy': { type: 'string' },
        tags: { type: 'string', multiple: true },
        'vm-ids': { type: 'string', multiple: true },
        storage: { type: 'string' },
        file: { type: 'string' },
        'remove-only': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
    if (values.help) {
      process.stdout.write(help(words));
      return 0;
    }
    const contextProblem = contextChoiceProblem(values);
    if (contextProblem) throw new UsageError(contextProblem);
    if (values.policy !== undefined && values['retention-policy'] !== undefined) throw new UsageError('give --policy or --retention-policy, not both');
    query = values.file !== undefined ? await readBody(values.file) : {};
    const policy = values.policy ?? values['retention-policy'];
    const list = (v: string[] | undefined) => v?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    if (policy !== undefined) query.retentionPolicy = policy;
    if (values.tags) query.tags = list(values.tags);
    if (values['vm-ids']) {
      query.vmIds = list(values['vm-ids'])!.map((x) => {
        if (!/^\d+$/.test(x)) throw new UsageError(`--vm-ids: '${x}' is not a VM id`);
        return Number(x);
      });
    }
    if (values.storage !== undefined) query.storage = values.storage;
    if (query.retentionPolicy === undefined) throw new UsageError('--policy is required: days:N, count:N, monthly:N or keep options such as keep-last=3,keep-daily=7');
    parseRequest(retentionQuerySchema, query);
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof RequestError || err instanceof FlagError)) throw err;
    process.stderr.write(`moxxie ${words}: ${(err as Error).message}\n\n${help(words)}`);
    return 2;
  }
  return withContext(words, values, async (context) => {
      const preview = await previewRetention(context.client, await fetchInventory(context.client), parseRequest(retentionQuerySchema, query));
      for (const w of preview.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(values.json ? `${JSON.stringify(preview, null, 2)}\n` : render(preview, values['remove-only'] === true));
      return 0;
  });
}
