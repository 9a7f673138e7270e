// Keys sent together arrive as one chunk: the stdin given to Ink hands them out one control key at a time.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { keyByKeyStdin, splitKeyChunk } from '../../tui/key-chunks.js';

describe('key chunks', () => {
  it('splits every control key out of a chunk, keeps text and ESC sequences whole', () => {
    expect(splitKeyChunk('\x7f\x7f\x7f')).toEqual(['\x7f', '\x7f', '\x7f']);
    expect(splitKeyChunk('\x15e2e-{vmid}\r\r')).toEqual(['\x15', 'e2e-{vmid}', '\r', '\r']);
    expect(splitKeyChunk('ab\tc\bd')).toEqual(['ab', '\t', 'c', '\b', 'd']);
    // Alt+Backspace and arrow keys stay one sequence each.
    expect(splitKeyChunk('\x1b\x7f\x1b[Ax')).toEqual(['\x1b\x7f\x1b[Ax']);
    expect(splitKeyChunk('pasted text')).toEqual(['pasted text']);
  });

  it("read() returns the chunk's keys one by one, then null; the rest is the stream's own", () => {
    const raw = new PassThrough() as unknown as NodeJS.ReadStream;
    raw.setEncoding('utf8');
    const stdin = keyByKeyStdin(raw);
    raw.write('\x7f\x7f\x15ab');
    const got: unknown[] = [];
    for (let c = stdin.read(); c !== null; c = stdin.read()) got.push(c);
    expect(got).toEqual(['\x7f', '\x7f', '\x15', 'ab']);
    expect(stdin.read()).toBeNull();
    expect(stdin.listenerCount('readable')).toBe(0);
    const onReadable = () => undefined;
    stdin.addListener('readable', onReadable);
    expect(raw.listenerCount('readable')).toBe(1);
    stdin.removeListener('readable', onReadable);
    expect(raw.listenerCount('readable')).toBe(0);
  });
});
