// What `moxxie mcp --http` says when asked to listen beyond this machine without a token. Which addresses
// are loopback is the listeners' shared rule (src/net/listener-security.ts).
export { isLoopback } from '../src/net/listener-security.js';

export function nonLoopbackRefusal(host: string): string {
  return `refusing to listen on ${host} without a bearer token: anyone who can reach it could operate the cluster. Set MOXXIE_MCP_TOKEN (or name another variable with --token-env) — clients then send "Authorization: Bearer <token>" — or bind to 127.0.0.1`;
}
