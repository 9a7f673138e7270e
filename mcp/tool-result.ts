// Tool results: a short text summary plus structuredContent; failures are results with isError and a
// message that says what to change, never a stack trace.
import { PveError } from '../src/pve/errors.js';

export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export function ok(text: string, structured: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

export function failure(err: unknown): ToolResult {
  let text: string;
  if (err instanceof PveError) text = `${err.message}${err.hint ? `\nWhat to do: ${err.hint}` : ''}`;
  else if (err instanceof Error) text = err.message;
  else text = String(err);
  return { content: [{ type: 'text', text }], isError: true };
}

/** Runs a handler and turns any thrown error into an isError result. */
export async function guarded(fn: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await fn();
  } catch (err) {
    return failure(err);
  }
}
