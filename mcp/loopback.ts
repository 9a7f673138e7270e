// Which bind addresses and Host names are this machine only.

export const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function nonLoopbackRefusal(host: string): string {
  return `refusing to listen on ${host} without a bearer token: anyone who can reach it could operate the cluster. Set MOXXIE_MCP_TOKEN (or name another variable with --token-env) — clients then send "Authorization: Bearer <token>" — or bind to 127.0.0.1`;
}
