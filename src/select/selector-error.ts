// The one error type for bad selector input: it names the field (or the term and its position) and what
// would be valid, so every front end can show it as is.

export class SelectorError extends Error {
  /** 0-based character index in the selector line or expression, when the input was text. */
  readonly position?: number;
  /** The field (`vmSelectors[1].value`) or the line term (`tag:(a AND)`) that was wrong. */
  readonly field?: string;

  constructor(message: string, details: { position?: number; field?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SelectorError';
    this.position = details.position;
    this.field = details.field;
  }
}
