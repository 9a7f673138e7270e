// `moxxie mcp`: parses the command line, then serves over stdio (default) or Streamable HTTP (the start-up is
// the listeners' shared one, src/net/listener-command.ts).
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { ListenerUsageError as UsageError, listenerFlags, runListener } from '../src/net/listener-command.js';
import { isLoopback, nonLoopbackRefusal } from './loopback.js';
import type { ServeOptions } from './serve.js';
import { DEFAULT_TOOLSETS, TOOLSETS, TOOLSET_NAMES, ToolSelectionError, parseToolsets } from './toolsets.js';

const HELP = `moxxie mcp [--context NAME | --demo] [--read-only] [--toolsets A,B | --tools X,Y] [--max-wait SECONDS] [--http [--port 8808] [--host 127.0.0.1] [--token-env VAR] [--tls | --tls-cert F --tls-key F]]

Serves moxxie's tools to an MCP client (Claude Desktop, Claude Code, the MCP Inspector, ...).
  (default)          stdio: the client starts this command and talks over stdin/stdout
  --http             Streamable HTTP at http://HOST:PORT/mcp
  --port N           HTTP port (default 8808; 0 picks a free one)
  --host ADDR        bind address (default 127.0.0.1); a non-loopback address needs a bearer token
  --token-env VAR    read the bearer token from $VAR (default MOXXIE_MCP_TOKEN); when set, every
                     HTTP request must send "Authorization: Bearer <token>"
  --tls              HTTPS with a self-signed certificate kept in the context's state (needs a token)
  --tls-cert F --tls-key F   HTTPS with this certificate and key (needs a token)
  --context NAME     the cluster context (see moxxie config list); default: the current one
  --demo             a built-in simulated cluster, no Proxmox needed
  --read-only        only inspection tools; every change is refused
  --toolsets A,B     offer these toolsets (default: ${DEFAULT_TOOLSETS.join(', ')}); "all" for every one
  --tools X,Y        offer exactly these tools (read-only still hides the mutating ones)
  --max-wait S       a bulk call waits at most S seconds (default 40, 1-3600), then answers with its
                     operation id while the operation goes on; a client timeout never cancels work

Toolsets:
${TOOLSET_NAMES.map((n) => `  ${n.padEnd(13)} ${TOOLSETS[n].about}${TOOLSETS[n].default ? ' (default)' : ''}`).join('\n')}
`;

type McpArgs = ServeOptions & { help: boolean };

const OPTIONS = {
  ...CONTEXT_FLAGS,
  'read-only': { type: 'boolean' },
  http: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'token-env': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'max-wait': { type: 'string' },
  toolsets: { type: 'string' },
  tools: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]): McpArgs {
  const values = listenerFlags(argv, OPTIONS);
  const port = values.port === undefined ? 8808 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '8808') || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got '${values.port}'`);
  const tokenEnv = values['token-env'] ?? 'MOXXIE_MCP_TOKEN';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) throw new UsageError(`--token-env takes the name of an environment variable, e.g. MOXXIE_MCP_TOKEN, got '${tokenEnv}'`);
  if (!values.http && (values.port !== undefined || values.host !== undefined || values['token-env'] !== undefined)) {
    throw new UsageError('--port, --host and --token-env apply to --http only; add --http, or drop them for stdio');
  }
  const wantsTls = !!values.tls || values['tls-cert'] !== undefined || values['tls-key'] !== undefined;
  if (wantsTls && !values.http) throw new UsageError('--tls, --tls-cert and --tls-key apply to --http only');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('give --tls-cert and --tls-key together');
  if (wantsTls && !process.env[tokenEnv]) throw new UsageError(`TLS comes with a bearer token: set $${tokenEnv} (or name another variable with --token-env)`);
  const maxWait = values['max-wait'];
  if (maxWait !== undefined && (!/^\d+$/.test(maxWait) || Number(maxWait) < 1 || Number(maxWait) > 3600)) {
    throw new UsageError(`--max-wait takes whole seconds from 1 to 3600, got '${maxWait}'`);
  }
  if (values.toolsets !== undefined && values.tools !== undefined) throw new UsageError('give --toolsets or --tools, not both');
  let toolsets: ReturnType<typeof parseToolsets> | undefined;
  try {
    toolsets = values.toolsets === undefined ? undefined : parseToolsets(values.toolsets);
  } catch (err) {
    if (err instanceof ToolSelectionError) throw new UsageError(err.message);
    throw err;
  }
  const tools = values.tools?.split(',').map((t) => t.trim()).filter(Boolean);
  if (tools && !tools.length) throw new UsageError('--tools takes tool names, comma-separated, e.g. list_vms,get_vm');
  const contextProblem = contextChoiceProblem(values);
  if (contextProblem) throw new UsageError(contextProblem);
  const host = values.host ?? '127.0.0.1';
  // Checked before the cluster is opened: a refused bind should not start anything.
  if (values.http && !isLoopback(host) && !process.env[tokenEnv]) throw new UsageError(nonLoopbackRefusal(host));
  return {
    http: !!values.http,
    host,
    port,
    tokenEnv,
    context: values.context,
    demo: !!values.demo,
    readOnly: !!values['read-only'],
    ...(maxWait !== undefined ? { maxWaitSeconds: Number(maxWait) } : {}),
    selection: { toolsets, tools },
    tls: !!values.tls,
    ...(values['tls-cert'] !== undefined ? { tlsCert: values['tls-cert'], tlsKey: values['tls-key'] } : {}),
    help: !!values.help,
  };
}

export function run(argv: string[]): Promise<number> {
  return runListener('mcp', HELP, argv, parse, async (args) => (await import('./serve.js')).serve(args));
}
