// The MCP server: moxxie's core as tools (and a few read-only resources). One McpServer per connection (stdio has one; HTTP one per
// session), all sharing the process's core, jobs, history and confirmation tokens.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { toolCatalog } from './catalog.js';
import { SELECTION_TEXT, SHARED_FIELDS_TEXT, compactToolListing, hasAbbreviatedField } from './compact-listing.js';
import { Confirmations } from './confirmations.js';
import { PlanStore } from './plan-store.js';
import { registerTool, type AnyToolSpec } from './define-tool.js';
import { userAsker } from './elicitation.js';
import { answerDisabledToolsWithRefusal } from './read-only.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { describeTool, inputJsonSchema } from './tools/describe-tool.js';
import type { McpDeps, ToolContext } from './tool-context.js';
import { TOOLSET_NAMES, TOOLSET_OF, selectTools } from './toolsets.js';

export const SERVER_NAME = 'moxxie';
export const SERVER_VERSION = '0.1.0';

/** The tools that can be destructive, from their annotations (themselves from the core's registry). */
function destructiveTools(catalog: AnyToolSpec[]): string {
  return catalog.filter((s) => s.annotations.destructiveHint).map((s) => s.name).join(', ');
}

function instructions(deps: McpDeps, catalog: AnyToolSpec[], dryRunOnly: readonly string[]): string {
  const c = deps.core.context;
  // What the instructions name is what tools/list shows: in read-only mode the mutating tools are not listed.
  const listed = deps.readOnly ? catalog.filter((s) => s.annotations.readOnlyHint) : catalog;
  return [
    `moxxie operates the Proxmox VE cluster "${c.name}"${c.demo ? ' (a built-in simulated demo cluster)' : ''}${deps.readOnly ? ', read-only: only inspection tools are available' : ''}${c.safeMode ? '; safe mode is on: destructive actions only touch VMs tagged "moxxie" unless forced' : ''}.`,
    SELECTION_TEXT,
    SHARED_FIELDS_TEXT,
    ...(deps.readOnly
      ? [`Tools that change anything are not listed. These still answer a dry run (dryRun: true), which plans and changes nothing: ${dryRunOnly.join(', ') || 'none here'}.`]
      : [`Destructive requests of these tools (${destructiveTools(listed)}), and any request with force, first answer with the plan: show it to the user, and call again with confirm set to the returned confirmToken only with their consent. A request that is not destructive (e.g. power_vms START) runs at once.`]),
    'An operation that was interrupted, failed or cancelled can be finished with resume_operation (nothing is done twice) or undone with rollback_operation.',
    'Lists are paged with totals; bulk tools accept wait: false and return an operation id for get_operation (and cancel_operation, which starts nothing new and undoes nothing).',
    'When a VM fails, get_operation gives its UPID and get_task_log shows how the PVE task ended, in PVE\'s words.',
    offeredToolsets(catalog),
  ].join('\n');
}

/** Which toolsets this server offers, and that the operator can offer more (a model cannot switch them itself). */
function offeredToolsets(catalog: AnyToolSpec[]): string {
  const offered = new Set(catalog.map((t) => TOOLSET_OF[t.name]).filter(Boolean));
  const missing = TOOLSET_NAMES.filter((n) => !offered.has(n));
  return missing.length
    ? `Toolsets offered: ${[...offered].join(', ')}. Not offered here (the operator can add them with moxxie mcp --toolsets …): ${missing.join(', ')}.`
    : 'Every toolset is offered.';
}

/** Pass one `confirmations` to every server of a process, so a token works across HTTP sessions. */
export function createMcpServer(input: Omit<McpDeps, 'confirmations' | 'plans'> & { confirmations?: Confirmations; plans?: PlanStore }): McpServer {
  const deps: McpDeps = { ...input, confirmations: input.confirmations ?? new Confirmations(), plans: input.plans ?? new PlanStore() };
  // The catalog is built before the server so the instructions can name its tools; askUser reaches the
  // server once it exists.
  let server!: McpServer;
  const ctx: ToolContext = { ...deps, askUser: (message, extra) => userAsker(server.server)(message, extra) };
  const selected = selectTools(toolCatalog(ctx), deps.selection);
  // describe_tool comes with the tools whose big fields the listing abbreviates, and only then.
  const catalog = selected.some((t) => hasAbbreviatedField(inputJsonSchema(t))) ? [...selected, describeTool(selected)] : selected;
  // Read-only mode hides every tool that is not read-only and refuses it if called — except a dry run of a tool
  // that has one (it plans and changes nothing; the core refuses anything else in a read-only context too).
  const mutating = new Set(catalog.filter((spec) => !spec.annotations.readOnlyHint).map((spec) => spec.name));
  const dryRunnable = new Set([...mutating].filter((name) => 'dryRun' in (catalog.find((s) => s.name === name)?.input ?? {})));
  server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION, title: 'moxxie — Proxmox VE control plane' }, { instructions: instructions(deps, catalog, [...dryRunnable]) });
  if (deps.readOnly) answerDisabledToolsWithRefusal(server, (name, args) => mutating.has(name) && !(dryRunnable.has(name) && args?.dryRun === true));
  compactToolListing(server, new Map(catalog.filter((s) => s.listedOutput).map((s) => [s.name, s.listedOutput!])), deps.readOnly ? mutating : new Set());
  for (const spec of catalog) registerTool(server, spec);
  registerResources(server, deps);
  registerPrompts(server);
  return server;
}
