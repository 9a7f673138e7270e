// The alternate screen, restored on exit, on Ctrl+C and on a crash.
const ENTER = '\x1b[?1049h\x1b[H';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export function enterAlternateScreen(out: NodeJS.WriteStream = process.stdout): () => void {
  if (!out.isTTY) return () => {};
  out.write(ENTER);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    out.write(LEAVE);
  };
  const crash = (err: unknown) => {
    restore();
    process.stderr.write(`moxxie crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  process.once('exit', restore);
  process.once('uncaughtException', crash);
  process.once('unhandledRejection', crash);
  return restore;
}
