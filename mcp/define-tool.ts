// A tool as plain data: name, zod input and output shapes, all four annotations and a handler whose
// structured result is type-checked against the output shape. Registration turns every thrown error
// into an isError result, so a handler never produces a protocol failure.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { guarded, type ToolResult } from './tool-result.js';

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

export function registerTool(server: McpServer, spec: AnyToolSpec): RegisteredTool {
  return server.registerTool(
    spec.name,
    { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: { title: spec.title, ...spec.annotations } },
    (args: Record<string, unknown>, extra: ToolExtra) => guarded(() => spec.run(args, extra)),
  );
}
