// Read-only mode at the MCP layer: every tool that is not read-only is disabled (so tools/list leaves it
// out), and a call to one anyway gets a refusal that says what to change instead of the SDK's bare
// "Tool x disabled". The core refuses mutations of a read-only context as well; this is the outer wall.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export function readOnlyRefusal(tool: string): CallToolResult {
  return {
    content: [
      {
        type: 'text',
        text: `${tool} is not available: this moxxie MCP server runs read-only, so tools that change the cluster or the scheduler are switched off (those with a dryRun field still answer dryRun: true, changing nothing). Use the read-only tools (list_vms, get_vm, resolve_selector, list_snapshots, list_jobs, list_operations, ...), or ask the operator to restart it without --read-only and with a context that is not read-only.`,
      },
    ],
    isError: true,
  };
}

/**
 * Must run before the first tool is registered: McpServer installs its tools/call handler then, and
 * this wraps that handler so calls to disabled tools are answered with the refusal.
 */
export function answerDisabledToolsWithRefusal(server: McpServer, isDisabled: (tool: string, args: Record<string, unknown> | undefined) => boolean): void {
  // Wrapping the handler at installation is the only public seam: McpServer keeps its handlers private.
  const low = server.server;
  const install = low.setRequestHandler.bind(low);
  low.setRequestHandler = ((schema: Parameters<typeof install>[0], handler: Parameters<typeof install>[1]) => {
    if (schema !== CallToolRequestSchema) return install(schema, handler);
    return install(schema, (request, extra) => {
      const params = (request as { params?: { name?: unknown; arguments?: Record<string, unknown> } }).params;
      if (typeof params?.name === 'string' && isDisabled(params.name, params.arguments)) return readOnlyRefusal(params.name);
      return handler(request, extra);
    });
  }) as typeof low.setRequestHandler;
}
