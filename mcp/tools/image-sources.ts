// Which image sources exist, so a model can fill create_cloud_init_vm's imageSource (and clone_vm's sourceVmId)
// with something real: templates with their disks, and per storage the importable disk images and the ISOs.
import { z } from 'zod';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ok } from '../tool-result.js';

const diskSchema = z.object({ key: z.string(), volid: z.string(), sizeGB: z.number(), storage: z.string(), shared: z.boolean() });

export function imageSourceTools(ctx: ToolContext): AnyToolSpec[] {
  const listImageSources = defineTool({
    name: 'list_image_sources',
    title: 'List image sources',
    description: 'Templates and importable images/ISOs: what create_cloud_init_vm\'s imageSource and clone_vm\'s sourceVmId take.',
    input: {},
    output: {
      templates: z.array(z.object({ vmid: z.number(), name: z.string(), node: z.string(), disks: z.array(diskSchema) })),
      storages: z.array(
        z.object({
          storage: z.string(),
          shared: z.boolean().describe('readable from every node (else only from the nodes listed)'),
          nodes: z.array(z.string()),
          images: z.array(z.object({ volid: z.string(), sizeGB: z.number(), format: z.string().optional() })),
          isos: z.array(z.object({ volid: z.string(), sizeGB: z.number() })),
        }),
      ),
    },
    annotations: READS_CLUSTER,
    run: async () => {
      const list = await ctx.core.listImageSources();
      const lines = [
        ...list.templates.map((t) => `template ${t.vmid} ${t.name} on ${t.node}: ${t.disks.map((d) => `${d.volid} (${d.sizeGB} GiB${d.shared ? ', shared' : ''})`).join(', ') || 'no disks'}`),
        ...list.storages.map((s) => `${s.storage}${s.shared ? ' (shared)' : ` (on ${s.nodes.join(', ')})`}: images ${s.images.map((i) => i.volid).join(', ') || 'none'}; ISOs ${s.isos.map((i) => i.volid).join(', ') || 'none'}`),
      ];
      return ok(lines.join('\n'), list);
    },
  });
  return [listImageSources];
}
