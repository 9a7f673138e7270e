// Asking the user directly (MCP elicitation, form mode) to confirm a destructive request, when the
// client declared it can. The question travels with the tool call, so over HTTP it uses that call's stream.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ToolExtra } from './define-tool.js';
import type { UserAnswer } from './tool-context.js';

/** A person may take a while to read a plan. */
const ANSWER_TIMEOUT_MS = 10 * 60_000;

export function canElicit(server: Server): boolean {
  return server.getClientCapabilities()?.elicitation?.form !== undefined;
}

export function userAsker(server: Server): (question: string, extra: ToolExtra) => Promise<UserAnswer> {
  return async (question, extra) => {
    if (!canElicit(server)) return 'unavailable';
    try {
      const answer = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            mode: 'form',
            message: question,
            requestedSchema: {
              type: 'object',
              properties: { confirm: { type: 'boolean', title: 'Go ahead', description: 'Check to carry out exactly this plan' } },
              required: ['confirm'],
            },
          },
        },
        ElicitResultSchema,
        { timeout: ANSWER_TIMEOUT_MS, signal: extra.signal },
      );
      return answer.action === 'accept' && answer.content?.confirm === true ? 'accepted' : 'declined';
    } catch {
      // The client claimed the capability but could not ask (or timed out): fall back to the token flow.
      return 'unavailable';
    }
  };
}
