// tools/list within budget: an output schema is published as an outline — its top-level fields with their
// types and enums; nested rows only as "array" or "object" — because a model reads the
// answer's text and structuredContent, not a deep schema of it, and thirty tools of full operation schemas
// would fill a context. The outline is looser than the real answer, so a client validating structuredContent
// against it still accepts every answer; the tools' full zod output shapes stay the source of truth (the
// tests check every answer against them). `$schema` markers are dropped from both schemas.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

type JsonSchema = Record<string, unknown>;

const KEEP_AT_TOP = ['type', 'enum', 'const'];

/** A property as a type name only ("array", "object", "string"…), with its enum. */
function outlineProperty(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of KEEP_AT_TOP) if (schema[key] !== undefined) out[key] = schema[key];
  // anyOf (optional unions): the outline keeps the member types only.
  if (out.type === undefined && Array.isArray(schema.anyOf)) {
    const types = [...new Set((schema.anyOf as JsonSchema[]).map((m) => m.type).filter((t): t is string => typeof t === 'string'))];
    if (types.length) out.type = types.length === 1 ? types[0] : types;
  }
  return out;
}

export function outlineOutputSchema(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return { type: 'object', properties: Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, outlineProperty(p)])) };
}

/**
 * Inputs stay complete and strict (a model needs them to call), minus what repeats: a structured selector's
 * fields are explained once, in the list's own description, and text limits far beyond any real input are
 * left out.
 */
export function compactInputSchema(schema: JsonSchema): JsonSchema {
  const { $schema: _marker, ...rest } = schema;
  const properties = (rest.properties ?? {}) as Record<string, JsonSchema>;
  const compacted = Object.fromEntries(
    Object.entries(properties).map(([name, p]) => {
      if (name === 'vmSelectors' && p.type === 'array') return [name, { type: 'array', items: withoutDescriptions(p.items as JsonSchema), description: SELECTORS_LINE }];
      // Limits no real input reaches (a 64 KiB selector, Number.MAX_SAFE_INTEGER) say nothing.
      const kept = { ...p };
      if (typeof kept.maxLength === 'number' && kept.maxLength >= 65536) delete kept.maxLength;
      if (kept.maximum === Number.MAX_SAFE_INTEGER) delete kept.maximum;
      return [name, kept];
    }),
  );
  return { ...rest, properties: compacted };
}

function withoutKey(o: JsonSchema, key: string): JsonSchema {
  const { [key]: _dropped, ...rest } = o;
  return rest;
}

/** The schema with every description (and huge maxLength) removed, at every depth. */
function withoutDescriptions(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || (key === 'maxLength' && typeof value === 'number' && value >= 65536)) continue;
    if (key === 'properties' && value && typeof value === 'object') out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, withoutDescriptions(v)]));
    else if (key === 'items' && value && typeof value === 'object') out[key] = withoutDescriptions(value as JsonSchema);
    else out[key] = value;
  }
  return out;
}

const SELECTORS_LINE =
  'structured selectors, their union: [{"type":"VM_IDS","value":"8200,8201"}]; type ALL|VM_IDS|NAME_PATTERN|TAG_EXPRESSION, value (ids/ranges, glob or tag expression), exclude (tag expression), includeTemplates';

/** Wraps the tools/list handler the SDK installs, so what it lists is compacted as described above. */
export function compactToolListing(server: McpServer): void {
  const low = server.server;
  const install = low.setRequestHandler.bind(low);
  low.setRequestHandler = ((schema: Parameters<typeof install>[0], handler: Parameters<typeof install>[1]) => {
    if (schema !== ListToolsRequestSchema) return install(schema, handler);
    return install(schema, async (request, extra) => {
      const listed = (await handler(request, extra)) as { tools: Array<JsonSchema & { inputSchema: JsonSchema; outputSchema?: JsonSchema }> };
      return {
        ...listed,
        tools: listed.tools.map(({ execution, annotations, ...tool }) => ({
          ...tool,
          // The title is the tool's own; "forbidden" is what an absent taskSupport means.
          ...(annotations ? { annotations: withoutKey(annotations as JsonSchema, 'title') } : {}),
          ...(execution && (execution as { taskSupport?: string }).taskSupport !== 'forbidden' ? { execution } : {}),
          inputSchema: compactInputSchema(tool.inputSchema),
          ...(tool.outputSchema ? { outputSchema: outlineOutputSchema(tool.outputSchema) } : {}),
        })),
      };
    });
  }) as typeof low.setRequestHandler;
}
