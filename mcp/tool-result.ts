// Tool results: a short text summary plus structuredContent; failures are results with isError and a
// message that says what to change — never a protocol failure or a stack trace.
import { PveError } from '../src/pve/errors.js';

export interface ToolResult<S = Record<string, unknown>> {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: S;
  isError?: boolean;
}

export function ok<S>(text: string, structured: S): ToolResult<S> {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** A refusal or bad request the handler detected itself: the message already says what to do. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

/** The text an assistant sees for an error: what went wrong and, where moxxie knows it, what to do. */
export function errorText(err: unknown): string {
  if (err instanceof PveError) {
    const head = err.kind === 'unreachable' || err.kind === 'network' || err.kind === 'timeout' || err.kind === 'tls' ? `The cluster could not be reached: ${err.message}` : `Proxmox refused: ${err.message}`;
    return err.hint ? `${head}\nWhat to do: ${err.hint}` : head;
  }
  if (err instanceof Error) {
    // Core errors (selector syntax, read-only, request fields, cron) already name the field and the fix.
    return err.message || err.name;
  }
  return String(err);
}

export function failure(err: unknown): ToolResult<never> {
  return { content: [{ type: 'text', text: errorText(err) }], isError: true };
}

/** Runs a handler and turns anything thrown into an isError result. */
export async function guarded<S>(fn: () => Promise<ToolResult<S>>): Promise<ToolResult<S>> {
  try {
    return await fn();
  } catch (err) {
    return failure(err);
  }
}
