// The confirmation step of destructive tools. Without `confirm`, the answer is the plan: the user is asked
// directly where the client supports elicitation, otherwise the plan carries a single-use token. With
// `confirm`, the token must match the request, and the request must still plan to do the same thing.
import type { z } from 'zod';
import type { ToolExtra } from './define-tool.js';
import type { confirmationShape } from './schemas.js';
import type { ToolContext } from './tool-context.js';
import { ToolInputError, ok, type ToolResult } from './tool-result.js';

export type ConfirmationFields = z.infer<z.ZodObject<typeof confirmationShape>>;

/** What the request would do now. */
export interface GatePlan<V> {
  /** Summary shown to the user or the assistant. */
  text: string;
  /** Which targets and steps; a token is only good for the same fingerprint. */
  fingerprint: string;
  /** Targets that would be changed; 0 means there is nothing to confirm. */
  affected: number;
  /** The question for a person (elicitation): what happens to which VMs; the plain text otherwise. */
  question?: string;
  view: V;
}

export interface GateInput<V> {
  tool: string;
  /** The request as the token binds it (without confirm and wait). */
  request: unknown;
  confirm?: string;
  plan: () => Promise<GatePlan<V>>;
}

export type GateOutcome<V> = { proceed: true; via: 'token' | 'elicitation' } | { proceed: false; result: ToolResult<V & ConfirmationFields> };

function tokenAnswer<V>(ctx: ToolContext, input: GateInput<V>, plan: GatePlan<V>, lead: string): ToolResult<V & ConfirmationFields> {
  const { token, expiresAt } = ctx.confirmations.issue(input.tool, input.request, plan.fingerprint);
  const text = `${lead}${plan.text}\nThis is destructive, so nothing was done yet. Show this plan to the user; only with their consent call ${input.tool} again with the same arguments plus confirm: "${token}" (single use, valid 5 minutes).`;
  return ok(text, { ...plan.view, needsConfirmation: true, confirmToken: token, confirmExpiresAt: new Date(expiresAt).toISOString() });
}

export async function confirmGate<V>(ctx: ToolContext, extra: ToolExtra, input: GateInput<V>): Promise<GateOutcome<V>> {
  if (input.confirm !== undefined) {
    const redeemed = ctx.confirmations.redeem(input.tool, input.request, input.confirm);
    if (!redeemed.ok) throw new ToolInputError(redeemed.reason);
    const plan = await input.plan();
    if (plan.affected === 0) {
      // Done meanwhile (by someone else, or an earlier call): nothing to agree to any more.
      return { proceed: false, result: ok(`${plan.text}\nNothing is left to do (the cluster already is as asked), so nothing was done and no new confirmation is needed.`, { ...plan.view, needsConfirmation: false }) };
    }
    if (plan.fingerprint !== redeemed.plan) {
      // The cluster moved on (VMs appeared, changed state or tags): the user agreed to something else.
      return { proceed: false, result: tokenAnswer(ctx, input, plan, 'The plan changed since the token was issued, so nothing was done. The new plan:\n') };
    }
    return { proceed: true, via: 'token' };
  }

  const plan = await input.plan();
  if (plan.affected === 0) {
    return { proceed: false, result: ok(`${plan.text}\nNothing would be changed, so nothing was done and no confirmation is needed.`, { ...plan.view, needsConfirmation: false }) };
  }
  const answer = await ctx.askUser(plan.question ?? `${plan.text}\n\nGo ahead?`, extra);
  if (answer === 'accepted') return { proceed: true, via: 'elicitation' };
  if (answer === 'declined') {
    return { proceed: false, result: ok(`${plan.text}\nThe user declined; nothing was changed.`, { ...plan.view, needsConfirmation: false, declined: true }) };
  }
  return { proceed: false, result: tokenAnswer(ctx, input, plan, '') };
}
