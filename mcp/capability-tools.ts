// One MCP tool per capability of the core's registry: its name, title, description, input fields,
// danger and annotations all come from the capability's declaration. The tool adds only what is MCP's
// own: a one-line `selector` beside `vmSelectors`, `wait`, and `confirm` where a request can be destructive.
import { z } from 'zod';
import type { AnyCapability } from '../src/ops/capability.js';
import { CAPABILITIES } from '../src/ops/capabilities/index.js';
import { runBulk } from './bulk-operation.js';
import { defineTool, type AnyToolSpec } from './define-tool.js';
import { OPERATION_LISTED_OUTPUT, bulkOutputShape, confirmInputShape, selectionOf, selectionShape, waitInputShape, type SelectionArgs } from './schemas.js';
import type { ToolContext } from './tool-context.js';

/**
 * The capability's description as a tool's: what it does and when to use it. The confirmation flow is
 * explained once, in the server's instructions (the destructive annotation and the confirm field say it
 * applies), and "Success means …" — how the core verifies a step — is the operation answer's to report.
 */
export function toolDescription(capability: AnyCapability): string {
  return capability.description
    .split(/(?<=\.)\s+(?=[A-Z])/)
    .filter((sentence) => !sentence.startsWith('Success means'))
    .join(' ');
}

/** The capability's request fields, minus the selection (the tool offers both selection forms). */
function requestShape(capability: AnyCapability): z.ZodRawShape {
  const { vmSelectors: _selection, ...rest } = (capability.schema as unknown as z.ZodObject).shape;
  return rest as z.ZodRawShape;
}

export function capabilityTool(ctx: ToolContext, capability: AnyCapability): AnyToolSpec {
  const name = capability.names.tool;
  const mayDestroy = capability.hints.destructive;
  // A capability without vmSelectors (create, download, drain) plans from its request alone: no selection inputs.
  const selects = 'vmSelectors' in (capability.schema as unknown as z.ZodObject).shape;
  return defineTool({
    name,
    title: capability.title,
    description: toolDescription(capability),
    input: { ...(selects ? selectionShape : {}), ...requestShape(capability), ...waitInputShape, ...(mayDestroy ? confirmInputShape : {}) },
    output: bulkOutputShape,
    listedOutput: OPERATION_LISTED_OUTPUT,
    annotations: { readOnlyHint: false, destructiveHint: mayDestroy, idempotentHint: capability.hints.idempotent, openWorldHint: true },
    run: (args, extra) => {
      const { selector: _selector, vmSelectors: _vmSelectors, wait, confirm, ...fields } = args as Record<string, unknown> & SelectionArgs & { wait?: boolean; confirm?: string };
      const request = selects ? { vmSelectors: selectionOf(args as SelectionArgs), ...fields } : fields;
      return runBulk(ctx, extra, {
        tool: name,
        kind: capability.kind,
        confirm,
        wait,
        request,
        execute: (req, run) => ctx.core.run(capability.kind, req, run),
      });
    },
  });
}

/** Every capability's tool, in the registry's order. */
export function capabilityTools(ctx: ToolContext): AnyToolSpec[] {
  return Object.values(CAPABILITIES).map((c) => capabilityTool(ctx, c));
}
