// How a listener (`moxxie serve`, `moxxie mcp`) is told to stop: the first SIGINT, SIGTERM or SIGHUP. From then
// on further ones are ignored until the process ends, so its shutdown (requests drained, history flushed, the
// demo's state saved and its announcement withdrawn) runs to its end. They come unasked: a terminal that
// closes sends a hang-up, and `npm run`, `script` or a terminal emulator pass a signal on a second time; by
// default any of them would end the process half way. A shutdown that hangs is still ended after a grace
// period.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBER: Record<(typeof STOP_SIGNALS)[number], number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
/** How long a listener's shutdown may take once asked to stop. */
export const STOP_GRACE_MS = 15_000;

/** Resolves with the first stop signal's name; the process then ends on its own, or after the grace period. */
export function untilStopSignal(graceMs = STOP_GRACE_MS): Promise<(typeof STOP_SIGNALS)[number]> {
  return new Promise((resolve) => {
    const ignore = () => {};
    const onSignal = (signal: (typeof STOP_SIGNALS)[number]) => {
      for (const s of STOP_SIGNALS) {
        process.off(s, onSignal);
        process.on(s, ignore);
      }
      setTimeout(() => process.exit(128 + SIGNAL_NUMBER[signal]), graceMs).unref();
      resolve(signal);
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
  });
}
