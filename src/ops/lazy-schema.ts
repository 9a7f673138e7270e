// A capability's request schema, built the first time something reads it. Building the ~30 capabilities'
// zod schemas at import cost the TUI's start about 15-25 ms (and the garbage of it) before its first frame,
// and a session uses a few of them at most.

/** `build()` on the first call, the same schema on every call after. */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}
