// An operation's own files while it runs: its record (operations/<id>.json, replaced atomically) and its
// journal (operations/<id>.journal), one JSON line per phase transition or target change, appended and
// fsynced before the call returns. Only the process running the operation writes them, so no lock is
// taken; writes are kept in call order, and lines queued together share one write and one fsync.
//
// The journal's first line names it (`{"k":"begin","journal":"<random id>"}`); each record write notes
// which journal and how many bytes of it it already includes, so a reader applies only the lines after.
// When the operation ends its final record holds everything and the journal is removed.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, readFile, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OperationTarget, PhaseRecord } from '../ops/types.js';
import { AtomicJsonFile, writeFully } from './atomic-json-file.js';
import { HistoryDamagedError } from './damaged.js';
import { checkShape, journalBeginShape, journalChangeShape, notAnObject, operationShardShape } from './record-shapes.js';
import type { JournalMark, OperationRecord, OperationShard } from './records.js';

export type JournalEntry =
  | { k: 'begin'; at: number; journal: string; operation: string }
  | { k: 'phase' | 'target'; at: number; phase?: string; state?: string; target: OperationTarget };

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a directory.
  }
}

type Task =
  | { kind: 'line'; text: string; resolve: () => void; reject: (err: Error) => void }
  | { kind: 'record'; record: () => OperationRecord; resolve: () => void; reject: (err: Error) => void }
  | { kind: 'close'; removeJournal: boolean; resolve: () => void; reject: (err: Error) => void };

/** The writer of one operation's record and journal, in this process. */
export class OperationFiles {
  private handle: FileHandle | undefined;
  private journalId: string | undefined;
  /** Bytes in the journal (all written lines). */
  private bytes = 0;
  private readonly queue: Task[] = [];
  private draining = false;
  private closing = false;
  private markClosed!: () => void;
  /** Resolves once close() has run (its journal closed, or removed). */
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(
    readonly recordFile: string,
    readonly journalFile: string,
    readonly operationId: string,
    /** Nothing is written before this settles (an earlier writer of the same operation closing). */
    private after?: Promise<unknown>,
  ) {}

  /** Appends one or more complete lines (each ending in a newline); resolves once they are on disk. */
  append(text: string): Promise<void> {
    return this.enqueue((resolve, reject) => ({ kind: 'line', text, resolve, reject }));
  }

  /** Replaces the record with `record()` (called when its turn comes), noting the journal it includes. */
  writeRecord(record: () => OperationRecord): Promise<void> {
    return this.enqueue((resolve, reject) => ({ kind: 'record', record, resolve, reject }));
  }

  /** Closes the journal after everything queued; with removeJournal, deletes it (the record has it all). */
  close(removeJournal: boolean): Promise<void> {
    return this.enqueue((resolve, reject) => ({ kind: 'close', removeJournal, resolve, reject }));
  }

  private enqueue(make: (resolve: () => void, reject: (err: Error) => void) => Task): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`history: the journal of operation ${this.operationId} is closed`));
    const done = new Promise<void>((resolve, reject) => this.queue.push(make(resolve, reject)));
    if (this.queue.at(-1)?.kind === 'close') this.closing = true;
    if (!this.draining) {
      this.draining = true;
      // A microtask later: lines queued in the same turn (a phase and its target, parallel targets) share a write.
      queueMicrotask(() => void this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    try {
      if (this.after) {
        await this.after.catch(() => {});
        this.after = undefined;
      }
      while (this.queue.length) {
        const head = this.queue[0];
        if (head.kind === 'line') {
          let n = 1;
          while (n < this.queue.length && this.queue[n].kind === 'line') n++;
          const batch = this.queue.splice(0, n) as Array<Extract<Task, { kind: 'line' }>>;
          try {
            await this.writeLines(batch.map((t) => t.text).join(''));
            for (const t of batch) t.resolve();
          } catch (err) {
            for (const t of batch) t.reject(err as Error);
          }
          continue;
        }
        this.queue.shift();
        try {
          if (head.kind === 'record') await this.replaceRecord(head.record());
          else await this.finish(head.removeJournal);
          head.resolve();
        } catch (err) {
          head.reject(err as Error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Opens (or creates) the journal; a tail left by a write cut off mid-line is kept aside, not appended to. */
  private async journal(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.journalFile), { recursive: true });
    const handle = await open(this.journalFile, 'a+', 0o600);
    try {
      let size = (await handle.stat()).size;
      if (size === 0) {
        this.journalId = randomBytes(8).toString('hex');
        const begin = Buffer.from(`${JSON.stringify({ k: 'begin', at: Date.now(), journal: this.journalId, operation: this.operationId })}\n`);
        await writeFully(handle, begin);
        await handle.datasync();
        fsyncDir(dirname(this.journalFile));
        size = begin.length;
      } else {
        const text = await readFile(this.journalFile, 'utf8');
        const end = text.lastIndexOf('\n') + 1;
        if (end < text.length) {
          await writeFile(`${this.journalFile}.torn-${Date.now()}`, text.slice(end), { mode: 0o600 });
          await handle.truncate(Buffer.byteLength(text.slice(0, end)));
          size = Buffer.byteLength(text.slice(0, end));
        }
        this.journalId = journalHeader(text.slice(0, end), this.journalFile)?.journal;
        if (!this.journalId) throw new HistoryDamagedError(this.journalFile, 'its first line does not name the journal');
      }
      this.bytes = size;
      this.handle = handle;
      return handle;
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  private async writeLines(text: string): Promise<void> {
    const handle = await this.journal();
    const buf = Buffer.from(text);
    await writeFully(handle, buf);
    await handle.datasync();
    this.bytes += buf.length;
  }

  private async replaceRecord(operation: OperationRecord): Promise<void> {
    await this.journal();
    const journal: JournalMark = { id: this.journalId!, bytes: this.bytes };
    await mkdir(dirname(this.recordFile), { recursive: true });
    await new AtomicJsonFile<OperationShard>(this.recordFile).write({ version: 2, journal, operation });
  }

  private async finish(removeJournal: boolean): Promise<void> {
    try {
      const handle = this.handle;
      this.handle = undefined;
      await handle?.close();
      if (removeJournal)
        await unlink(this.journalFile).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
    } finally {
      this.markClosed();
    }
  }
}

function parseLine(line: string, file: string, at: number): JournalEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new HistoryDamagedError(file, `the line at byte ${at} is not valid JSON (${(err as Error).message})`);
  }
  const where = `the line at byte ${at}`;
  const wrong = notAnObject(value);
  if (wrong) throw new HistoryDamagedError(file, `${where}: ${wrong}`);
  if ((value as { k?: unknown }).k === 'begin') return checkShape(journalBeginShape, value, file, where) as JournalEntry;
  return checkShape(journalChangeShape, value, file, where) as JournalEntry;
}

function journalHeader(text: string, file: string): Extract<JournalEntry, { k: 'begin' }> | undefined {
  const nl = text.indexOf('\n');
  if (nl < 0) return undefined;
  const first = parseLine(text.slice(0, nl), file, 0);
  return first.k === 'begin' ? first : undefined;
}

/**
 * The complete lines of a journal from byte `from` on (a last line without its newline was cut off by a
 * crash and is left out), with the journal's id; undefined when there is no journal.
 */
export async function readJournal(file: string, from?: JournalMark): Promise<{ id: string; bytes: number; entries: JournalEntry[] } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    // The first line names the journal; it is short.
    const head = Buffer.alloc(Math.min(size, 4096));
    await handle.read(head, 0, head.length, 0);
    if (head.indexOf(0x0a) < 0) {
      if (size <= head.length) return undefined; // Created, but its first line never made it.
      throw new HistoryDamagedError(file, 'its first line does not name the journal');
    }
    const header = journalHeader(head.toString('utf8'), file);
    if (!header) throw new HistoryDamagedError(file, 'its first line does not name the journal');
    // Lines the record already includes are skipped; a journal the record does not know came after it.
    const start = from && from.id === header.journal ? from.bytes : 0;
    if (start > size) throw new HistoryDamagedError(file, `it is shorter (${size} bytes) than its record says (${start} bytes)`);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    // A last line without its newline was cut off by a crash: left out.
    const end = buf.lastIndexOf(0x0a) + 1;
    const entries: JournalEntry[] = [];
    let pos = 0;
    while (pos < end) {
      const nl = buf.indexOf(0x0a, pos);
      const line = buf.subarray(pos, nl).toString('utf8');
      if (line.trim()) entries.push(parseLine(line, file, start + pos));
      pos = nl + 1;
    }
    return { id: header.journal, bytes: start + end, entries };
  } finally {
    await handle.close();
  }
}

/** Applies journal lines to an operation record: each carries its target whole, so the last one wins. */
export function applyJournal(op: OperationRecord, entries: readonly JournalEntry[]): OperationRecord {
  for (const e of entries) {
    if (e.k === 'begin') continue;
    const i = op.targets.findIndex((t) => t.id === e.target.id);
    if (i >= 0) op.targets[i] = e.target;
    else op.targets.push(e.target);
  }
  return op;
}

/** The target with `phase` in place of its namesake (or added), as a journal line carries it. */
export function withPhase(target: OperationTarget, phase: PhaseRecord): OperationTarget {
  const phases = target.phases ?? [];
  const i = phases.findIndex((p) => p.name === phase.name);
  const next = i >= 0 ? phases.map((p, j) => (j === i ? phase : p)) : [...phases, phase];
  return { ...target, phases: next };
}

/** Reads operations/<id>.json (undefined when it does not exist); throws HistoryDamagedError when damaged. */
export async function readOperationFile(file: string): Promise<OperationShard | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HistoryDamagedError(file, `it is not valid JSON (${(err as Error).message})`);
  }
  const wrong = notAnObject(value);
  if (wrong) throw new HistoryDamagedError(file, wrong);
  return checkShape(operationShardShape, value, file) as OperationShard;
}

/** The operation as its files say now: its record with the journal lines written after it applied. */
export async function readOperation(recordFile: string, journalFile: string): Promise<{ op: OperationRecord; journal?: JournalMark } | undefined> {
  const shard = await readOperationFile(recordFile);
  if (!shard) return undefined;
  const journal = await readJournal(journalFile, shard.journal);
  if (!journal) return { op: shard.operation };
  return { op: applyJournal(shard.operation, journal.entries), journal: { id: journal.id, bytes: journal.bytes } };
}
