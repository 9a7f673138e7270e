// `moxxie serve`: parses the command line, then serves the REST API (the start-up is the listeners' shared one,
// src/net/listener-command.ts).
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import { ListenerUsageError as UsageError, listenerFlags, runListener } from '../src/net/listener-command.js';
import { isLoopback } from '../src/net/listener-security.js';
import type { ServeOptions } from './serve.js';

const HELP = `moxxie serve [--context NAME | --demo] [--host 127.0.0.1] [--port 8080] [--read-only] [--json]
             [--token-file F | --token-command CMD] [--tls-cert F --tls-key F] [--allowed-host NAME ...]

Serves the seed's (Moxxie's) REST API under http://HOST:PORT/api/v1 over the moxxie core; the OpenAPI
document is at /api/v1/openapi.json, liveness at /health.
  --host ADDR          bind address (default 127.0.0.1). Any other address needs a bearer token and TLS.
  --port N             port (default 8080; 0 picks a free one)
  --token-file F       the bearer token, from a file only its owner can read (chmod 600); every request
                       but /health must send "Authorization: Bearer <token>"
  --token-command CMD  the bearer token, printed by a command (a password manager's CLI)
  --tls-cert F --tls-key F   serve HTTPS with this pair; without them a non-loopback bind gets a
                       self-signed certificate (kept in the context's state) and prints its SHA-256
  --allowed-host NAME  a Host name clients use besides the bound address (e.g. a DNS name); repeatable
  --read-only          refuse every change (403); dry runs still answer their plan
  --json               the access log as one JSON object per line (the scheduler's style)
  --context NAME       the cluster context (see moxxie config list); default: the current one
  --demo               a built-in simulated cluster, no Proxmox needed
`;

const OPTIONS = {
  ...CONTEXT_FLAGS,
  host: { type: 'string' },
  port: { type: 'string' },
  'read-only': { type: 'boolean' },
  json: { type: 'boolean' },
  'token-file': { type: 'string' },
  'token-command': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseServeArgs(argv: string[]): ServeOptions & { help: boolean } {
  const values = listenerFlags(argv, OPTIONS);
  const portText = values.port ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got '${portText}'`);
  const contextProblem = contextChoiceProblem(values);
  if (contextProblem) throw new UsageError(contextProblem);
  if (values['token-file'] && values['token-command']) throw new UsageError('give either --token-file or --token-command, not both');
  if (!!values['tls-cert'] !== !!values['tls-key']) throw new UsageError('--tls-cert and --tls-key go together: the certificate and its private key');
  const host = values.host ?? '127.0.0.1';
  // Checked before the cluster is opened: a refused bind starts nothing.
  if (!isLoopback(host) && !values['token-file'] && !values['token-command']) {
    throw new UsageError(
      `refusing to listen on ${host} without a bearer token: anyone who can reach it could operate the cluster. Give --token-file F (a file with mode 0600 holding the token) or --token-command CMD, or bind to 127.0.0.1`,
    );
  }
  return {
    host,
    port,
    context: values.context,
    demo: !!values.demo,
    readOnly: !!values['read-only'],
    json: !!values.json,
    tokenFile: values['token-file'],
    tokenCommand: values['token-command'],
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    allowedHosts: values['allowed-host'] ?? [],
    help: !!values.help,
  };
}

export function run(argv: string[]): Promise<number> {
  return runListener('serve', HELP, argv, parseServeArgs, async (args) => (await import('./serve.js')).serve(args));
}
