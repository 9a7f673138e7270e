// How a process is told to stop by a signal, for every front end: the first SIGINT, SIGTERM or SIGHUP asks it
// to stop, and the ones that follow do not end it half way. They come unasked: a terminal that closes sends a
// hang-up, and `npm run`, `script` or a terminal emulator pass a signal on a second time; by default any of
// them would end the process before its shutdown (requests drained, history flushed, the demo's state saved
// and its announcement withdrawn) is done. A shutdown that hangs is still ended after a grace period, which
// each caller chooses (the TUI 3 s, the listeners 15 s). The commands that run operations watch only SIGINT
// and SIGTERM and act on the repeats (cli/run-signals.ts).
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];
const SIGNAL_NUMBER: Record<StopSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
/** How long a listener's shutdown may take once asked to stop. */
export const STOP_GRACE_MS = 15_000;

/** The shell's exit status for a process stopped by `signal`: 128 + its number. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + SIGNAL_NUMBER[signal];
}

export interface StopSignalOptions {
  /** The signals that ask to stop (default: SIGINT, SIGTERM and SIGHUP). */
  signals?: readonly StopSignal[];
  /** From the first signal on, the process is ended after this long with 128 + its number, whether or not the
   *  shutdown is done. Without it the caller ends the process itself. */
  graceMs?: number;
  /** Called on each signal after the first; without it they are ignored. */
  onRepeat?: (signal: StopSignal) => void;
}

export interface StopSignalWatch {
  /** Stops listening: a signal that comes later has its default effect (it ends the process). A caller whose
   *  shutdown is under way keeps the watch until the process ends, so repeats stay handled. */
  dispose(): void;
}

/** Calls `onStop` on the first stop signal; the later ones go to `onRepeat` (ignored by default) instead of
 *  ending the process. */
export function watchStopSignals(onStop: (signal: StopSignal) => void, opts: StopSignalOptions = {}): StopSignalWatch {
  const signals = opts.signals ?? STOP_SIGNALS;
  let stopping = false;
  const onSignal = (signal: StopSignal) => {
    if (stopping) {
      opts.onRepeat?.(signal);
      return;
    }
    stopping = true;
    if (opts.graceMs !== undefined) setTimeout(() => process.exit(signalExitCode(signal)), opts.graceMs).unref();
    onStop(signal);
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/** For a listener (`moxxie serve`, `moxxie mcp`): resolves with the first stop signal's name; the process then
 *  ends on its own, or after the grace period. */
export function untilStopSignal(graceMs = STOP_GRACE_MS): Promise<StopSignal> {
  return new Promise((resolve) => watchStopSignals(resolve, { graceMs }));
}
