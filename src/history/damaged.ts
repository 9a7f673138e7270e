// A store file that cannot be read as what it should be. It is never taken for an empty history: readers
// fail with this error, and a writer sets the file aside (renamed, never deleted) before failing with it.
import { renameSync, existsSync } from 'node:fs';
import { basename } from 'node:path';

export class HistoryDamagedError extends Error {
  constructor(
    /** The file that is damaged (for an index set aside: where it was). */
    readonly file: string,
    /** What is wrong, e.g. `jobs is not a list (found an object)`. */
    readonly problem: string,
    /** Where a writer set the damaged file aside. */
    readonly setAsideAs?: string,
  ) {
    super(
      setAsideAs
        ? `history store ${file} is damaged: ${problem}; it was set aside as ${setAsideAs} (nothing was deleted): repair it and move it back to ${basename(file)}, or remove it to start anew`
        : `history store ${file} is damaged: ${problem}; nothing was changed: repair the file, or move it away`,
    );
    this.name = 'HistoryDamagedError';
  }
}

/** Renames a damaged file to `<file>.damaged-<time>` and returns that path. */
export function setAside(file: string, now = Date.now()): string {
  let aside = `${file}.damaged-${now}`;
  for (let n = 1; existsSync(aside); n++) aside = `${file}.damaged-${now}-${n}`;
  renameSync(file, aside);
  return aside;
}
