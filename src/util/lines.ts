// Streams a text file line by line (synchronously, in 1 MiB chunks), with 1-based line numbers.
// CRLF and a UTF-8 BOM at the start of a line are removed; memory is bounded by the longest line.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { UserError } from './errors.ts';

export interface Line {
  text: string;
  lineNo: number;
}

export function* readLines(file: string, chunkBytes = 1 << 20): Generator<Line> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new UserError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(chunkBytes);
  let pending = '';
  let lineNo = 0;
  const clean = (s: string): string => {
    let t = s.endsWith('\r') ? s.slice(0, -1) : s;
    if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    return t;
  };
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      pending += decoder.write(buf.subarray(0, n));
      let start = 0;
      for (;;) {
        const nl = pending.indexOf('\n', start);
        if (nl < 0) break;
        lineNo++;
        yield { text: clean(pending.slice(start, nl)), lineNo };
        start = nl + 1;
      }
      pending = pending.slice(start);
    }
    pending += decoder.end();
    if (pending.length > 0) {
      lineNo++;
      yield { text: clean(pending), lineNo };
    }
  } finally {
    fs.closeSync(fd);
  }
}
