// Output files written in big buffered chunks to a temporary name beside the target and renamed into
// place on commit, the folder fsynced after the rename (so a failed run or a crash never leaves a
// half-written train.jsonl); the spool of kept records can also read back what it wrote, by byte offset.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../util/atomic.ts';

const CHUNK = 1 << 20;

export class OutFile {
  private fd: number;
  private buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private flushed = 0;
  private closed = false;
  readonly tmp: string;

  constructor(readonly target: string) {
    this.tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    this.fd = fs.openSync(this.tmp, 'w+');
  }

  /** Bytes written so far (the offset of the next write). */
  get size(): number {
    return this.flushed + this.used;
  }

  write(s: string): void {
    const n = Buffer.byteLength(s);
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        writeAll(this.fd, Buffer.from(s, 'utf8'));
        this.flushed += n;
        return;
      }
    }
    this.used += this.buf.write(s, this.used);
  }

  flush(): void {
    if (this.used === 0) return;
    writeAll(this.fd, this.buf.subarray(0, this.used));
    this.flushed += this.used;
    this.used = 0;
  }

  /** Reads back `length` bytes written at `offset`. */
  read(offset: number, length: number): string {
    if (offset + length > this.flushed) this.flush();
    const b = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, b, got, length - got, offset + got);
      if (n === 0) throw new Error(`${this.tmp}: short read at ${offset + got}`);
      got += n;
    }
    return b.toString('utf8');
  }

  /** Flushes, fsyncs and renames the file onto its target, then fsyncs the folder (as writeFileAtomic does). */
  commit(): void {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.closed = true;
    fs.renameSync(this.tmp, this.target);
    fsyncDir(path.dirname(this.target));
  }

  /** Closes and deletes the temporary file (on failure, or for a scratch spool). */
  discard(): void {
    if (!this.closed) {
      fs.closeSync(this.fd);
      this.closed = true;
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}
