// `moxxie storage list` and `moxxie storage content`: the storages per node and what they hold (template base
// disks, disk images, ISOs, container templates, import volumes), as a table or JSON. Reads only; the
// download beside them (`moxxie storage download`) is a capability verb.
import { parseFlags } from '../src/config/command-flags.js';
import { withContext } from './with-context.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { fetchInventory } from '../src/inventory/inventory.js';
import { CONTENT_KINDS, DEFAULT_CONTENT, storageContent, storageRows, type ContentItem, type ContentKind } from '../src/inventory/storage-content.js';
import { bytes } from '../src/text/bytes.js';
import { textTable } from '../src/text/table.js';

const LIST_HELP = `moxxie storage list [STORAGE] [--node NODE] [--json] [--context NAME | --demo]

The storages of each node: type, content types, shared, usage. A shared storage shows on every node.
  --json   {"storages": [...]} on stdout
Exit status: 0 done, 1 the cluster could not be read, 2 bad arguments or configuration.
`;

const CONTENT_HELP = `moxxie storage content [STORAGE] [--node NODE] [--content TYPE] [--json] [--context NAME | --demo]

What the storages hold: VM template base disks and disk images (images), ISOs (iso), container
templates (vztmpl) and importable disk images (import). Default: ${DEFAULT_CONTENT.join(', ')}.
Template base disks (local-zfs:base-9001-disk-0) and import volumes (util-iso:import/…qcow2) are the
image sources for new VMs.
  --content TYPE   one of ${CONTENT_KINDS.join(', ')}
  --json           {"items": [...], "warnings": [...]} on stdout
Warnings (an offline node, an unreadable storage) go to stderr. Exit status: 0 done, 1 the cluster could
not be read, 2 bad arguments, storage or configuration.
`;

class UsageError extends Error {}

function what(i: ContentItem): string {
  if (i.template) return `template ${i.vmid} base disk`;
  if (i.content === 'images' && i.vmid !== undefined) return `disk of ${i.vmid}`;
  return i.content;
}

export async function run(argv: string[], words: string): Promise<number> {
  const content = words.endsWith('content');
  const help = content ? CONTENT_HELP : LIST_HELP;
  let values;
  let storage: string | undefined;
  try {
    const parsed = parseFlags({
      args: argv,
      allowPositionals: true,
      options: { ...CONTEXT_FLAGS, node: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...(content ? { content: { type: 'string' } } : {}) },
    });
    values = parsed.values as { node?: string; json?: boolean; help?: boolean; content?: string; context?: string; demo?: boolean };
    if (parsed.positionals.length > 1) throw new UsageError(`one STORAGE at most (got ${parsed.positionals.join(' ')})`);
    storage = parsed.positionals[0];
    if (values.content !== undefined && !CONTENT_KINDS.includes(values.content as ContentKind)) throw new UsageError(`--content '${values.content}' is not valid; use one of ${CONTENT_KINDS.join(', ')}`);
    const contextProblem = contextChoiceProblem(values);
    if (contextProblem) throw new UsageError(contextProblem);
  } catch (err) {
    process.stderr.write(`moxxie ${words}: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  return withContext(words, values, async (context) => {
      const inventory = await fetchInventory(context.client);
      const known = new Set(inventory.storages.map((s) => s.storage));
      if (storage && !known.has(storage)) {
        process.stderr.write(`moxxie ${words}: no storage '${storage}' (storages: ${[...known].sort().join(', ')})\n`);
        return 2;
      }
      if (values.node && !inventory.nodes.some((n) => n.node === values.node)) {
        process.stderr.write(`moxxie ${words}: no node '${values.node}' (nodes: ${inventory.nodes.map((n) => n.node).join(', ')})\n`);
        return 2;
      }
      if (!content) {
        const rows = storageRows(inventory, { storage, node: values.node });
        if (values.json) process.stdout.write(`${JSON.stringify({ storages: rows }, null, 2)}\n`);
        else process.stdout.write(`${textTable(['STORAGE', 'NODE', 'TYPE', 'SHARED', 'USED', 'TOTAL', 'CONTENT'], rows.map((r) => [r.storage, r.node, r.type, r.shared ? 'yes' : 'no', bytes(r.used), bytes(r.total), r.content.join(',')]))}\n`);
        return 0;
      }
      const { items, warnings } = await storageContent(context.client, inventory, { storage, node: values.node, content: values.content as ContentKind | undefined });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      if (values.json) process.stdout.write(`${JSON.stringify({ items, warnings }, null, 2)}\n`);
      else {
        const rows = items.map((i) => [i.volid, i.shared ? '(shared)' : i.node, what(i), i.format, bytes(i.size)]);
        process.stdout.write(items.length ? `${textTable(['VOLUME', 'NODE', 'WHAT', 'FORMAT', 'SIZE'], rows)}\n${items.length} volume${items.length === 1 ? '' : 's'}\n` : 'nothing stored of that content\n');
      }
      return 0;
  });
}
