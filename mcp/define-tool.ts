// A tool as plain data: name, zod input and output shapes, all four annotations and a handler whose
// structured result is type-checked against the output shape. Registration turns every thrown error
// into an isError result, so a handler never produces a protocol failure, and makes every input strict:
// an unknown or misspelt argument, at any depth, is refused before the handler runs, naming the field,
// the nearest valid name and the valid names, and tools/list publishes `additionalProperties: false`.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { unknownFieldMessage } from '../src/ops/request-schema.js';
import { failure, guarded, ToolInputError, type ToolResult } from './tool-result.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Every tool states all four hints; none is left to a client's default. */
export interface ToolHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolSpec<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolHints;
  /** The output fields tools/list names, when not all (see compact-listing.ts); every answer still carries all of them. */
  listedOutput?: readonly string[];
  run(args: z.infer<z.ZodObject<I>>, extra: ToolExtra): Promise<ToolResult<z.infer<z.ZodObject<O>>>>;
}

export type AnyToolSpec = ToolSpec<z.ZodRawShape, z.ZodRawShape>;

/** Keeps the spec's precise types while it is written, then erases them for the catalogue. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(spec: ToolSpec<I, O>): AnyToolSpec {
  return spec as unknown as AnyToolSpec;
}

/** Read hints: the cluster (an external system) or moxxie's own local state. */
export const READS_CLUSTER: ToolHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
export const READS_LOCAL: ToolHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/** `vmSelectors[0].exlude` for the path of a field. */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(arguments)';
}

/** The text for unknown keys of an object whose fields are `valid`: the field (with its path), the nearest name, the valid names. */
function unknownKeysText(path: readonly PropertyKey[], keys: readonly string[], valid: readonly string[]): string {
  return keys
    .map((key) => unknownFieldMessage(key, valid).replace(`unknown field '${key}'`, `unknown field '${pathText([...path, key])}'`))
    .join('; ');
}

type AnySchema = z.core.$ZodType;
type AnyDef = z.core.$ZodTypeDef & Record<string, unknown>;

const strictCache = new WeakMap<AnySchema, AnySchema>();

/**
 * A copy of `schema` with some parts of its definition changed; its description and other metadata go
 * with it. The definition is copied with its getters (a default's value is computed at each parse).
 */
function withDef(schema: AnySchema, changes: Record<string, unknown>): AnySchema {
  const def = Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(schema._zod.def), ...Object.getOwnPropertyDescriptors(changes) });
  const copy = z.core.util.clone(schema, def as z.core.$ZodTypeDef);
  const meta = z.globalRegistry.get(schema);
  if (meta) z.globalRegistry.add(copy, meta);
  return copy;
}

/**
 * `schema` with every object in it strict (unless it declares its own catchall, as a record-like object
 * does): an unknown key fails the parse with unknownFieldMessage's text, and the JSON Schema says
 * `additionalProperties: false`. Wrappers (optional, default, nullable, array, union, …) are rebuilt around
 * the strict copies; a schema with no object inside is returned as it is.
 */
export function strictSchema<S extends AnySchema>(schema: S): S {
  const cached = strictCache.get(schema);
  if (cached) return cached as S;
  const def = schema._zod.def as AnyDef;
  const sub = (s: unknown) => strictSchema(s as AnySchema);
  let out: AnySchema = schema;
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, AnySchema>;
      const strictShape = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, sub(v)]));
      const catchall = def.catchall as AnySchema | undefined;
      if (catchall && catchall._zod.def.type !== 'never') {
        out = withDef(schema, { shape: strictShape, catchall: sub(catchall) });
        break;
      }
      const valid = Object.keys(shape);
      const prior = def.error as z.core.$ZodErrorMap | undefined;
      const error: z.core.$ZodErrorMap = (issue) =>
        issue.code === 'unrecognized_keys' ? unknownKeysText(issue.path ?? [], issue.keys, valid) : prior?.(issue);
      out = withDef(schema, { shape: strictShape, catchall: z.never(), error });
      break;
    }
    case 'array':
      out = withDef(schema, { element: sub(def.element) });
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'catch':
    case 'readonly':
      out = withDef(schema, { innerType: sub(def.innerType) });
      break;
    case 'union':
      out = withDef(schema, { options: (def.options as AnySchema[]).map(sub) });
      break;
    case 'intersection':
      out = withDef(schema, { left: sub(def.left), right: sub(def.right) });
      break;
    case 'tuple':
      out = withDef(schema, { items: (def.items as AnySchema[]).map(sub), rest: def.rest ? sub(def.rest) : def.rest });
      break;
    case 'record':
      out = withDef(schema, { valueType: sub(def.valueType) });
      break;
    case 'pipe':
      out = withDef(schema, { in: sub(def.in), out: sub(def.out) });
      break;
    default:
      // Leaves (string, number, enum, …) have nothing to make strict; lazy schemas are left as they are.
      break;
  }
  strictCache.set(schema, out);
  return out as S;
}

/** A tool's input shape as the strict object the SDK validates arguments with and publishes in tools/list. */
export function strictInput(shape: z.ZodRawShape): z.ZodObject {
  return strictSchema(z.object(shape));
}

/**
 * The refusal for arguments with an unknown field, or undefined when there is none (then the SDK parses
 * them as usual and answers any other problem itself). Every problem of the call is named, unknown fields first.
 */
export function unknownFieldRefusal(tool: string, schema: z.ZodType, args: unknown): ToolResult<never> | undefined {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return undefined;
  const unknown = parsed.error.issues.filter((i) => i.code === 'unrecognized_keys');
  if (!unknown.length) return undefined;
  const others = parsed.error.issues.filter((i) => i.code !== 'unrecognized_keys').map((i) => `${pathText(i.path)}: ${i.message}`);
  return failure(new ToolInputError([...unknown.map((i) => `${tool}: ${i.message}`), ...others].join('\n')));
}

interface StrictEntry {
  schema: z.ZodObject;
  tool?: RegisteredTool;
}

const strictTools = new WeakMap<McpServer, Map<string, StrictEntry>>();

/**
 * The strict inputs of one server's tools. On first use it wraps the tools/call handler the SDK installs
 * with the first tool, so an unknown field is answered with unknownFieldRefusal's text before the SDK's
 * own parse (which refuses it as well, with a generic "Input validation error" prefix, should this
 * wrapper ever not be in place). A read-only refusal wrapper installed earlier still answers first.
 */
function strictToolsOf(server: McpServer): Map<string, StrictEntry> {
  let tools = strictTools.get(server);
  if (tools) return tools;
  const byName = (tools = new Map<string, StrictEntry>());
  strictTools.set(server, byName);
  // As in read-only.ts: wrapping the handler at installation is the only public seam.
  const low = server.server;
  const install = low.setRequestHandler.bind(low);
  low.setRequestHandler = ((schema: Parameters<typeof install>[0], handler: Parameters<typeof install>[1]) => {
    if (schema !== CallToolRequestSchema) return install(schema, handler);
    return install(schema, (request, extra) => {
      const params = (request as { params?: { name?: unknown; arguments?: unknown } }).params;
      const entry = typeof params?.name === 'string' ? byName.get(params.name) : undefined;
      if (entry?.tool?.enabled) {
        const refusal = unknownFieldRefusal(params!.name as string, entry.schema, params!.arguments);
        if (refusal) return refusal;
      }
      return handler(request, extra);
    });
  }) as typeof low.setRequestHandler;
  return byName;
}

export function registerTool(server: McpServer, spec: AnyToolSpec): RegisteredTool {
  // The same strict object is published in tools/list, checked for unknown fields first, and then parsed
  // by the SDK before the handler runs (a failed parse is answered as an isError result).
  const entry: StrictEntry = { schema: strictInput(spec.input) };
  strictToolsOf(server).set(spec.name, entry);
  entry.tool = server.registerTool(
    spec.name,
    { title: spec.title, description: spec.description, inputSchema: entry.schema, outputSchema: spec.output, annotations: { title: spec.title, ...spec.annotations } },
    (args: Record<string, unknown>, extra: ToolExtra) => guarded(() => spec.run(args, extra)),
  );
  return entry.tool;
}
