// list_storage_content: the storages of each node and what they hold — VM template base disks, disk images,
// ISOs, container templates and importable images — so a model knows which image sources exist before it
// creates, clones or downloads. Paged; an offline node or unreadable storage is a warning, not an error.
import { z } from 'zod';
import { CONTENT_KINDS, DEFAULT_CONTENT, type ContentItem } from '../../src/inventory/storage-content.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ToolInputError, ok } from '../tool-result.js';

const MB = 2 ** 20;

const itemSchema = z.object({
  volid: z.string().describe('the volume id, e.g. util-iso:import/debian-12-generic-amd64.qcow2 or local-zfs:base-9001-disk-0'),
  storage: z.string(),
  node: z.string().describe('the node it was read on (any node sees a shared storage)'),
  shared: z.boolean(),
  content: z.string().describe('images, iso, vztmpl, import, rootdir or backup'),
  format: z.string(),
  sizeMb: z.number(),
  vmid: z.number().optional(),
  template: z.boolean().optional().describe('a VM template\'s base disk: a clone or import-from source'),
});

/** How a volume serves as a source, for the one-line text. */
function use(i: ContentItem): string {
  if (i.template) return ' (template base disk: clone source or imageSource)';
  if (i.content === 'import') return ' (importable image: imageSource)';
  if (i.content === 'iso') return ' (ISO)';
  if (i.content === 'vztmpl') return ' (container template)';
  return '';
}

export function storageTools(ctx: ToolContext): AnyToolSpec[] {
  const listContent = defineTool({
    name: 'list_storage_content',
    title: 'List storages and their content',
    description: 'Storages per node with usage, and their content (images, iso, vztmpl, import), paged; narrow by storage, node or content.',
    input: {
      storage: z.string().min(1).optional().describe('one storage, e.g. util-iso'),
      node: z.string().min(1).optional().describe('one node, e.g. pve1'),
      content: z.enum(CONTENT_KINDS).optional().describe(`one content type (default: ${DEFAULT_CONTENT.join(', ')})`),
      page: z.number().int().min(1).optional().describe('1-based page (default 1)'),
      limit: z.number().int().min(1).max(500).optional().describe('volumes per page (default 100)'),
    },
    output: {
      storages: z.array(z.object({ storage: z.string(), node: z.string(), type: z.string(), content: z.array(z.string()), shared: z.boolean(), status: z.string(), usedMb: z.number(), totalMb: z.number() })),
      total: z.number().describe('volumes matching'),
      page: z.number(),
      pages: z.number(),
      items: z.array(itemSchema),
      warnings: z.array(z.string()),
    },
    annotations: READS_CLUSTER,
    run: async (args) => {
      const query = { storage: args.storage, node: args.node, content: args.content };
      let result;
      try {
        result = await ctx.core.storageContent(query);
      } catch (err) {
        throw new ToolInputError((err as Error).message);
      }
      const storages = await ctx.core.listStorages({ storage: args.storage, node: args.node });
      const limit = args.limit ?? 100;
      const pages = Math.max(1, Math.ceil(result.items.length / limit));
      const page = args.page ?? 1;
      if (page > pages) throw new ToolInputError(`page ${page} is past the end: ${result.items.length} volume(s) make ${pages} page(s) of ${limit}`);
      const shown = result.items.slice((page - 1) * limit, page * limit);
      const names = [...new Set(storages.map((s) => `${s.storage} (${s.type}${s.shared ? ', shared' : ''}: ${s.content.join(',')})`))];
      const text = [
        `${names.length} storage(s): ${names.join('; ')}.`,
        `${result.items.length} volume(s)${pages > 1 ? `, page ${page} of ${pages}` : ''}:`,
        ...shown.map((i) => `${i.volid}${i.shared ? '' : ` on ${i.node}`} ${Math.round(i.size / MB)} MB${use(i)}`),
        ...result.warnings.map((w) => `Warning: ${w}`),
      ].join('\n');
      return ok(text, {
        storages: storages.map((s) => ({ storage: s.storage, node: s.node, type: s.type, content: s.content, shared: s.shared, status: s.status, usedMb: Math.round(s.used / MB), totalMb: Math.round(s.total / MB) })),
        total: result.items.length,
        page,
        pages,
        items: shown.map((i) => ({ volid: i.volid, storage: i.storage, node: i.node, shared: i.shared, content: i.content, format: i.format, sizeMb: Math.round(i.size / MB), ...(i.vmid !== undefined ? { vmid: i.vmid } : {}), ...(i.template ? { template: true } : {}) })),
        warnings: result.warnings,
      });
    },
  });
  return [listContent];
}
