// Errors the core raises before anything is done: refused by policy, or a malformed request.

/** The context is read-only: every mutation is refused (and audited). */
export class ReadOnlyError extends Error {
  constructor(
    readonly context: string,
    readonly action: string,
  ) {
    super(`context '${context}' is read-only: ${action} was refused; preview it with dryRun, or use a context without readOnly (and no --read-only) to make changes`);
    this.name = 'ReadOnlyError';
  }
}

/** A request field is invalid; the message names the field and what would be valid. */
export class RequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RequestError';
  }
}

export function intInRange(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RequestError(field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new RequestError(field, `must be true or false (got ${JSON.stringify(value)})`);
  return value;
}
