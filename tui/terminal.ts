import { signalExitCode, watchStopSignals, type StopSignal } from '../src/net/stop-signal.js';

// The alternate screen: entered when the TUI starts and left on every way out — quitting, Ctrl+C,
// SIGINT/SIGTERM/SIGHUP, an uncaught exception or an unhandled rejection (the error is printed after the
// screen is restored, so it stays readable).
const ENTER = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';
/** After a signal, how long a graceful shutdown (history flushed, demo state saved) may take. */
const SIGNAL_GRACE_MS = 3000;

export interface ScreenGuard {
  restore(): void;
  /** 128 + the signal's number once a signal asked the TUI to stop (the shell's convention), else 0. */
  exitCode(): number;
}

export interface ScreenOptions {
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
  /** Asked to shut down gracefully on a signal; the process is ended anyway after a grace period. */
  onSignal?: () => void;
}

export function enterAlternateScreen(opts: ScreenOptions = {}): ScreenGuard {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  let code = 0;
  if (!out.isTTY) return { restore: () => {}, exitCode: () => code };
  out.write(ENTER);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
    // After a signal the watch stays: the signals that follow are ignored until the process ends.
    if (!code) signals.dispose();
    if (process.stdin.isTTY) process.stdin.setRawMode?.(false);
    out.write(LEAVE);
  };
  function crash(e: unknown) {
    restore();
    err.write(`moxxie crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  }
  // While the shutdown runs (history flushed, the demo's state saved and its announcement withdrawn), the
  // watch ignores more signals (the hang-up when the terminal goes away, a second SIGTERM from `script`); the
  // grace period still ends it.
  function onSignal(signal: StopSignal) {
    code = signalExitCode(signal);
    restore();
    if (!opts.onSignal) process.exit(code);
    // A terminal that went away fails the last writes (the cursor shown again) with EIO; that must not end the
    // process before its shutdown is done either.
    out.on('error', ignoreClosedTerminal);
    err.on('error', ignoreClosedTerminal);
    opts.onSignal();
  }
  function ignoreClosedTerminal(e: NodeJS.ErrnoException) {
    if (e.code !== 'EIO' && e.code !== 'EPIPE') throw e;
  }
  process.on('exit', restore);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // In raw mode Ctrl+C is a key (handled by the keymap); SIGINT still comes from `kill -INT`.
  const signals = watchStopSignals(onSignal, { graceMs: SIGNAL_GRACE_MS });
  return { restore, exitCode: () => code };
}
