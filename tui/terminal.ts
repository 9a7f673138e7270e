// The alternate screen: entered when the TUI starts and left on every way out — quitting, Ctrl+C,
// SIGINT/SIGTERM/SIGHUP, an uncaught exception or an unhandled rejection (the error is printed after the
// screen is restored, so it stays readable).
const ENTER = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';
// In raw mode Ctrl+C is a key (handled by the keymap); SIGINT still comes from `kill -INT`.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBER: Record<(typeof SIGNALS)[number], number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
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
    for (const signal of SIGNALS) process.off(signal, onSignal);
    if (process.stdin.isTTY) process.stdin.setRawMode?.(false);
    out.write(LEAVE);
  };
  function crash(e: unknown) {
    restore();
    err.write(`moxxie crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  }
  function onSignal(signal: (typeof SIGNALS)[number]) {
    code = 128 + SIGNAL_NUMBER[signal];
    restore();
    if (!opts.onSignal) process.exit(code);
    // While the shutdown runs (history flushed, the demo's state saved and its announcement withdrawn), more
    // signals are ignored; the grace period still ends it. They come unasked: the hang-up when the terminal
    // goes away, and a second SIGTERM from `script` or a terminal emulator passing on its own. By default
    // either would end the process half way, leaving the demo's state unsaved and its server announced.
    for (const s of SIGNALS) process.on(s, ignoreSignal);
    // A terminal that went away fails the last writes (the cursor shown again) with EIO; that must not end the
    // process before its shutdown is done either.
    out.on('error', ignoreClosedTerminal);
    err.on('error', ignoreClosedTerminal);
    opts.onSignal();
    setTimeout(() => process.exit(code), SIGNAL_GRACE_MS).unref();
  }
  function ignoreSignal() {}
  function ignoreClosedTerminal(e: NodeJS.ErrnoException) {
    if (e.code !== 'EIO' && e.code !== 'EPIPE') throw e;
  }
  process.on('exit', restore);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return { restore, exitCode: () => code };
}
