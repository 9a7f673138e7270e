// describe_tool: the full input schema of a tool, or of one field, for the few fields tools/list abbreviates
// (see compact-listing.ts: a cluster spec, a VM's disks and NICs, a job's parameters). Offered only when a
// listed tool has such a field.
import { z } from 'zod';
import { fullInputSchema } from '../compact-listing.js';
import { READS_LOCAL, defineTool, strictInput, type AnyToolSpec } from '../define-tool.js';
import { ToolInputError, ok } from '../tool-result.js';

type JsonSchema = Record<string, unknown>;

/** The input schema as the SDK publishes it (zod's JSON Schema of the strict input). */
export function inputJsonSchema(spec: AnyToolSpec): JsonSchema {
  return z.toJSONSchema(strictInput(spec.input), { io: 'input' }) as JsonSchema;
}

export function describeTool(catalog: readonly AnyToolSpec[]): AnyToolSpec {
  const byName = new Map(catalog.map((t) => [t.name, t]));
  return defineTool({
    name: 'describe_tool',
    title: 'Describe a tool',
    description: 'The full input schema of a tool, or of one of its fields, where the tool list says "full schema: describe_tool".',
    input: {
      tool: z.string().describe('the tool name'),
      field: z.string().optional().describe('one field (default: every field)'),
    },
    output: { tool: z.string(), field: z.string().optional(), schema: z.record(z.string(), z.unknown()) },
    annotations: READS_LOCAL,
    run: async ({ tool, field }) => {
      const spec = byName.get(tool);
      if (!spec) throw new ToolInputError(`tool: no tool '${tool}' here; valid: ${[...byName.keys()].join(', ')}`);
      const full = fullInputSchema(inputJsonSchema(spec));
      if (field === undefined) return ok(JSON.stringify(full), { tool, schema: full });
      const properties = full.properties as Record<string, JsonSchema>;
      if (!(field in properties)) throw new ToolInputError(`field: ${tool} has no field '${field}'; valid: ${Object.keys(properties).join(', ')}`);
      return ok(JSON.stringify(properties[field]), { tool, field, schema: properties[field] });
    },
  });
}
