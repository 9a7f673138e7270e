// The MCP server: moxxie's core as tools. In read-only mode every mutating tool is disabled — not
// listed, and refused if called anyway — on top of the core's own read-only enforcement.
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Confirmations } from './confirmations.js';
import type { ToolContext } from './tool-context.js';
import { registerJobTools } from './tools/jobs.js';
import { registerOperationTools } from './tools/operations.js';
import { registerPowerTools } from './tools/power.js';
import { registerSnapshotTools } from './tools/snapshots.js';
import { registerTagTools } from './tools/tags.js';
import { registerVmTools } from './tools/vms.js';

export const SERVER_VERSION = '0.1.0';

export function createMcpServer(deps: Omit<ToolContext, 'confirmations'> & { confirmations?: Confirmations }): McpServer {
  const server = new McpServer(
    { name: 'moxxie', version: SERVER_VERSION },
    {
      instructions:
        'moxxie operates a Proxmox VE cluster. Preview with resolve_selector or dryRun before acting. Destructive tools answer first with a plan and a confirmToken; show the plan to the user and call again with confirm only with their consent. Selectors: "tag:(env-prod AND NOT always-on) name:web-*".',
    },
  );
  const ctx: ToolContext = { ...deps, confirmations: deps.confirmations ?? new Confirmations() };
  const tools = new Map<string, RegisteredTool>();
  const register = server.registerTool.bind(server);
  // Keep a handle on every tool so read-only mode can disable the mutating ones in one place.
  server.registerTool = ((name: string, config: Parameters<typeof register>[1], cb: Parameters<typeof register>[2]) => {
    const tool = register(name, config, cb);
    tools.set(name, tool);
    return tool;
  }) as typeof server.registerTool;

  registerVmTools(server, ctx);
  registerSnapshotTools(server, ctx);
  registerPowerTools(server, ctx);
  registerTagTools(server, ctx);
  registerJobTools(server, ctx);
  registerOperationTools(server, ctx);

  if (ctx.readOnly) {
    for (const tool of tools.values()) if (tool.annotations?.readOnlyHint !== true) tool.disable();
  }
  return server;
}
