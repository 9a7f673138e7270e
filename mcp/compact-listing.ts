// tools/list within budget: an output schema is published as an outline — its top-level fields with their
// types and enums; nested rows only as "array" or "object" — because a model reads the
// answer's text and structuredContent, not a deep schema of it, and thirty tools of full operation schemas
// would fill a context. The outline is looser than the real answer, so a client validating structuredContent
// against it still accepts every answer; the tools' full zod output shapes stay the source of truth (the
// tests check every answer against them). `$schema` markers are dropped from both schemas.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { bulkFields, forceField } from '../src/ops/capabilities/bulk-fields.js';
import { confirmInputShape, waitInputShape } from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** A property as a type name only ("array", "object", "string"…): enums and nested rows are the answer's to show. */
function outlineProperty(schema: JsonSchema): JsonSchema {
  if (schema.type !== undefined) return { type: schema.type };
  if (schema.enum !== undefined || schema.const !== undefined) return { type: 'string' };
  // anyOf (optional unions): the outline keeps the member types only.
  if (Array.isArray(schema.anyOf)) {
    const types = [...new Set((schema.anyOf as JsonSchema[]).map((m) => m.type).filter((t): t is string => typeof t === 'string'))];
    if (types.length) return { type: types.length === 1 ? types[0] : types };
  }
  return {};
}

const CONFIRMATION_DETAIL = new Set(['needsConfirmation', 'confirmExpiresAt', 'confirmedVia', 'declined']);

/** `listed`: the fields a client acts on, where a tool names them (an operation's answer); the rest are still in every answer. */
export function outlineOutputSchema(schema: JsonSchema, listed?: readonly string[]): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  // Of the confirmation fields, confirmToken alone is listed: its presence is what asks for confirmation.
  const shown = Object.entries(properties).filter(([name]) => (listed ? listed.includes(name) : !CONFIRMATION_DETAIL.has(name)));
  return { type: 'object', properties: Object.fromEntries(shown.map(([name, p]) => [name, outlineProperty(p)])) };
}

/**
 * Inputs stay complete and strict (a model needs every field to call), minus what repeats from tool to tool:
 * the selection (its syntax and the structured selector's fields are explained once, in the server's
 * instructions) and the operation fields every bulk tool shares (dryRun, wait, confirm, force, maxParallel,
 * maxPerNode, onFailure: explained once there too, with their ranges). A shared field whose description is
 * the tool's own (create_backups' maxParallel) keeps it. Text limits far beyond any real input are left out.
 */
export function compactInputSchema(schema: JsonSchema): JsonSchema {
  const { $schema: _marker, ...rest } = schema;
  const properties = (rest.properties ?? {}) as Record<string, JsonSchema>;
  const compacted = Object.fromEntries(
    Object.entries(properties).map(([name, p]) => {
      if (name === 'selector' && p.type === 'string') return [name, { type: 'string' }];
      if (name === 'vmSelectors' && p.type === 'array') return [name, { type: 'array' }];
      // dryRun, wait, confirm and onFailure mean the same in every tool; the others keep a description that is the tool's own.
      if (name in SHARED_FIELDS && (ALWAYS_SHARED.has(name) || p.description === undefined || p.description === SHARED_FIELDS[name])) return [name, typeOnly(p)];
      const kept = withoutRepeats(p);
      return [name, isNested(kept) && JSON.stringify(kept).length > LARGE_FIELD_BYTES ? abbreviated(kept) : kept];
    }),
  );
  return { ...rest, properties: compacted };
}

/**
 * A field without what its description already says or what says nothing: a range the description states
 * ("(1-8760)"), a default it names, and limits no real input reaches (a 1 KiB volid, a 999999999 vmid,
 * 1000 items, an empty string — each refused by the server with a message naming the field).
 */
function withoutRepeats(p: JsonSchema): JsonSchema {
  const kept = { ...p };
  const text = typeof p.description === 'string' ? p.description : '';
  dropFarLimits(kept);
  // Nested fields (disks, NICs, a cluster spec) are compacted the same way, at every depth.
  if (kept.items && typeof kept.items === 'object' && !Array.isArray(kept.items)) kept.items = withoutRepeats(kept.items as JsonSchema);
  if (kept.properties && typeof kept.properties === 'object') {
    kept.properties = Object.fromEntries(Object.entries(kept.properties as Record<string, JsonSchema>).map(([k, v]) => [k, withoutRepeats(v)]));
  }
  if (Array.isArray(kept.anyOf)) kept.anyOf = (kept.anyOf as JsonSchema[]).map(withoutRepeats);
  // An object's default repeats its fields' own defaults.
  if (kept.default !== null && typeof kept.default === 'object') delete kept.default;
  if (kept.minimum !== undefined && kept.maximum !== undefined && text.includes(`${kept.minimum}-${kept.maximum}`)) {
    delete kept.minimum;
    delete kept.maximum;
  }
  if (kept.default !== undefined && /\bdefault\b/.test(text)) delete kept.default;
  return kept;
}

function dropFarLimits(kept: JsonSchema): JsonSchema {
  if (typeof kept.maxLength === 'number' && kept.maxLength >= 1024) delete kept.maxLength;
  // A character pattern is the server's to enforce: a refusal names the field and the characters allowed.
  if (typeof kept.pattern === 'string') delete kept.pattern;
  if (typeof kept.maximum === 'number' && kept.maximum >= 65_536) delete kept.maximum;
  if (kept.minLength === 1) delete kept.minLength;
  if (typeof kept.maxItems === 'number' && kept.maxItems >= 1000) delete kept.maxItems;
  if (kept.minItems === 1) delete kept.minItems;
  return kept;
}

/**
 * A field whose schema alone would take more than this (a cluster spec, a VM's disks and NICs, a job's
 * per-task parameters) is listed by its type, required keys and description; describe_tool gives its
 * full schema on request, so the catalog holds the everyday tools in full and the big specs once asked.
 */
export const LARGE_FIELD_BYTES = 250;

/** Only nested fields are abbreviated (objects, lists of objects): a string's or an enum list's schema is its whole meaning. */
function isNested(p: JsonSchema): boolean {
  if (p.type === 'object' || Array.isArray(p.anyOf)) return true;
  return p.type === 'array' && typeof p.items === 'object' && (p.items as JsonSchema).type === 'object';
}

function abbreviated(p: JsonSchema): JsonSchema {
  const out: JsonSchema = { type: p.type ?? (Array.isArray(p.anyOf) ? 'object' : undefined) };
  if (Array.isArray(p.required)) out.required = p.required;
  if (p.type === 'array' && p.items && typeof p.items === 'object') out.items = { type: (p.items as JsonSchema).type ?? 'object' };
  // A description's detail after an em dash (a job's parameters per taskType) is describe_tool's to give.
  const summary = typeof p.description === 'string' ? p.description.split(' — ')[0] : undefined;
  out.description = `${summary ? `${summary}; ` : ''}full schema: describe_tool`;
  return out;
}

/** Whether tools/list abbreviates some field of this input schema (then describe_tool is offered). */
export function hasAbbreviatedField(inputSchema: JsonSchema): boolean {
  const listed = compactInputSchema(inputSchema).properties as Record<string, JsonSchema>;
  return Object.values(listed).some((p) => typeof p.description === 'string' && p.description.endsWith('full schema: describe_tool'));
}

/** A tool's input as describe_tool shows it: compacted like the listing, nothing abbreviated. */
export function fullInputSchema(inputSchema: JsonSchema): JsonSchema {
  const { $schema: _marker, ...rest } = inputSchema;
  const properties = (rest.properties ?? {}) as Record<string, JsonSchema>;
  return { ...rest, properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, withoutRepeats(v)])) };
}

/** A field as its type and enum only. */
function typeOnly(p: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of ['type', 'enum']) if (p[key] !== undefined) out[key] = p[key];
  return out;
}

/**
 * The MCP specification gives every hint a default (readOnlyHint false, destructiveHint true, idempotentHint
 * false, openWorldHint true) and says destructiveHint and idempotentHint mean something only when readOnlyHint
 * is false. Every tool declares all four (define-tool.ts); the listing leaves out the ones a client would
 * assume anyway, so what a client reads is unchanged.
 */
export const HINT_DEFAULTS: Readonly<Record<string, boolean>> = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

export function listedHints(hints: JsonSchema): JsonSchema {
  const readOnly = hints.readOnlyHint === true;
  return Object.fromEntries(
    Object.entries(hints).filter(([key, value]) => {
      if (readOnly && (key === 'destructiveHint' || key === 'idempotentHint')) return false;
      return HINT_DEFAULTS[key] !== value;
    }),
  );
}

/** A listed tool's hints with the specification's defaults filled in: what a client takes them to be. */
export function effectiveHints(listed: JsonSchema | undefined): Record<string, boolean> {
  const out = { ...HINT_DEFAULTS, ...(listed as Record<string, boolean> | undefined) };
  if (out.readOnlyHint) {
    out.destructiveHint = false;
    out.idempotentHint = true;
  }
  return out;
}

function withoutKey(o: JsonSchema, key: string): JsonSchema {
  const { [key]: _dropped, ...rest } = o;
  return rest;
}


/** The shared operation fields, with the description they carry where they are declared (explained in the instructions instead). */
const SHARED_FIELDS: Record<string, string | undefined> = Object.fromEntries(
  Object.entries({ ...bulkFields, force: forceField, ...waitInputShape, ...confirmInputShape })
    .filter(([name]) => name !== 'vmSelectors')
    .map(([name, field]) => [name, field.description]),
);

// onFailure means the same in every tool (continue, or start nothing new), whatever noun a capability's text uses.
const ALWAYS_SHARED = new Set(['dryRun', 'wait', 'confirm', 'onFailure']);

/** The operation fields explained once, for the server's instructions. */
export const SHARED_FIELDS_TEXT = [
  'Fields every operation tool shares: dryRun (plan only, change nothing), wait (false: answer at once with the operation id; otherwise the call waits a bounded time, then answers with the id while the work goes on),',
  'maxParallel (1-20 guests at once; default the context\'s, usually 5), maxPerNode (1-20 steps at once per node; both ends of a move count), onFailure (continue | stop: start nothing new after a failure),',
  'force (override safe mode, PVE protection and always-on; always confirmed), confirm (the confirmToken of the plan answer, with the same request).',
].join(' ');

/** The structured selection explained once, for the server's instructions. */
export const SELECTION_TEXT = [
  'Tools that act on VMs take selector or vmSelectors. selector is one line whose terms are ANDed: tag:(env-prod AND NOT always-on) name:web-* id:8200-8209 node:pve2 status:running type:qemu, or all (a bare word is a name glob).',
  'Or vmSelectors, the Moxxie API form (their union): [{"type":"VM_IDS","value":"8200,8201"}]; type ALL | VM_IDS | NAME_PATTERN | TAG_EXPRESSION, value (ids and ranges, a glob, or a tag expression), exclude (a tag expression), includeTemplates (boolean).',
  'Preview a selection with resolve_selector, or any operation with dryRun: true.',
].join(' ');

/** Wraps the tools/list handler the SDK installs, so what it lists is compacted as described above. */
export function compactToolListing(server: McpServer, listedOutput: ReadonlyMap<string, readonly string[]> = new Map(), hidden: ReadonlySet<string> = new Set()): void {
  const low = server.server;
  const install = low.setRequestHandler.bind(low);
  low.setRequestHandler = ((schema: Parameters<typeof install>[0], handler: Parameters<typeof install>[1]) => {
    if (schema !== ListToolsRequestSchema) return install(schema, handler);
    return install(schema, async (request, extra) => {
      const listed = (await handler(request, extra)) as { tools: Array<JsonSchema & { inputSchema: JsonSchema; outputSchema?: JsonSchema }> };
      return {
        ...listed,
        tools: listed.tools.filter((tool) => !hidden.has(tool.name as string)).map(({ execution, annotations, ...tool }) => ({
          ...tool,
          // The title is the tool's own; "forbidden" is what an absent taskSupport means.
          ...(annotations ? { annotations: listedHints(withoutKey(annotations as JsonSchema, 'title')) } : {}),
          ...(execution && (execution as { taskSupport?: string }).taskSupport !== 'forbidden' ? { execution } : {}),
          inputSchema: compactInputSchema(tool.inputSchema),
          ...(tool.outputSchema ? { outputSchema: outlineOutputSchema(tool.outputSchema, listedOutput.get(tool.name as string)) } : {}),
        })),
      };
    });
  }) as typeof low.setRequestHandler;
}
