// Resources: context a user (or client) can attach without a tool call. Small by design: the cluster at a
// glance, and moxxie's recent operations one by one. Everything here reads; nothing changes the cluster.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { countByStatus, tagCounts } from '../src/inventory/summary.js';
import type { Operation } from '../src/ops/types.js';
import { operationView } from './operation-view.js';
import type { McpDeps } from './tool-context.js';

export const CLUSTER_URI = 'moxxie://cluster';
const OPERATION_URI = 'moxxie://operations/{id}';
const LISTED_OPERATIONS = 20;
const TOP_TAGS = 30;

const json = (uri: URL, data: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(data, null, 2) }] });

export function registerResources(server: McpServer, deps: McpDeps): void {
  server.registerResource(
    'cluster',
    CLUSTER_URI,
    { title: 'Cluster at a glance', description: 'The context, its nodes, VM counts by status and the most used tags', mimeType: 'application/json' },
    async (uri) => {
      const inv = await deps.core.inventory();
      const guests = inv.vms.filter((v) => !v.template);
      const { name, url, readOnly, safeMode, demo } = deps.core.context;
      return json(uri, {
        context: { name, url, readOnly: readOnly || deps.readOnly, safeMode, demo },
        nodes: inv.nodes.map((n) => ({ node: n.node, status: n.status })),
        vms: { total: guests.length, templates: inv.vms.length - guests.length, byStatus: countByStatus(guests) },
        tags: tagCounts(inv).slice(0, TOP_TAGS),
      });
    },
  );

  server.registerResource(
    'operation',
    new ResourceTemplate(OPERATION_URI, {
      // The most recent ones, so a client can offer them; any id in the history reads.
      list: async () => {
        // This process's operations (live) and every front end's (history), newest first.
        const byId = new Map((await deps.history.listOperations({ limit: LISTED_OPERATIONS })).map((o) => [o.id, o as Operation]));
        for (const o of deps.core.operations.list()) byId.set(o.id, o);
        const recent = [...byId.values()].sort((a, b) => b.startedAt - a.startedAt).slice(0, LISTED_OPERATIONS);
        return { resources: recent.map((o) => ({ uri: `moxxie://operations/${o.id}`, name: `${o.kind} ${o.status} (${o.id})`, mimeType: 'application/json' })) };
      },
    }),
    { title: 'An operation', description: 'One moxxie operation: counts, skip reasons and per-VM rows (failures first)', mimeType: 'application/json' },
    async (uri, { id }) => {
      const opId = String(id);
      const op = deps.core.operations.get(opId) ?? (await deps.history.getOperation(opId));
      if (!op) throw new Error(`no operation '${opId}'; list the resources (or call list_operations) for the ids`);
      return json(uri, operationView(op));
    },
  );
}
