// metrics.jsonl of a run: train appends one JSON row per optimizer step and per evaluation, cuts it back to a
// checkpoint on resume, and reads it back for report.json's loss curve. A 1e6-step run writes ~230 MB, so
// nothing here holds the file in memory: rows stream line by line (util/lines.ts), and the cut finds its byte
// offset by reading backwards from the checkpoint's length, a window at a time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncPath, withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { readLines } from '../util/lines.ts';
import { entryKind } from '../util/regular-file.ts';

/** Bytes read at a time while looking for the cut or counting the rows kept. */
const WINDOW_BYTES = 64 << 10;

/** Append-only metrics.jsonl: each row is written whole with one write. */
export class MetricsLog {
  /**
   * Whether the file is known to be there (it was when this log was made, or a row was appended): then an append never
   * makes it anew. A run folder deleted while the run wrote in it (rm -r racing the run's writes) was made anew by the
   * next row, and the run went on to "finish" in a folder without its config.yaml and with the rows before the
   * deletion gone: export and eval then refused it as no run.
   */
  private made: boolean;

  constructor(readonly file: string) {
    this.made = fs.existsSync(file);
  }

  append(row: Record<string, unknown>): void {
    const { O_WRONLY, O_APPEND, O_CREAT } = fs.constants;
    withIo(this.file, 'write', () => {
      let fd: number;
      try {
        fd = fs.openSync(this.file, O_WRONLY | O_APPEND | (this.made ? 0 : O_CREAT), 0o666);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !this.made) throw e;
        throw new UserError('cannot write: it is gone since the run wrote it (deleted, or the run folder moved or removed meanwhile): the run ' +
          'stops here, its folder no longer whole; put the folder back and resume it, or train it again', this.file);
      }
      try {
        const bytes = Buffer.from(JSON.stringify(row) + '\n');
        for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
      } finally {
        fs.closeSync(fd);
      }
    });
    this.made = true;
  }

  /**
   * Puts the rows appended so far on disk (fsync): before a checkpoint records the file's length, which a resume cuts
   * it back to, and before report.json says the run finished. Unsynced, a power cut could leave the file shorter than the
   * checkpoint says, and the resume's loss curve without the rows lost. Not per row: an fsync (~4 ms on ext4) is a large
   * share of a small model's step, and a row torn by a crash is skipped by its readers (rows(), the dashboard's
   * follower waits for its newline) and cut by the resume's truncate.
   */
  sync(): void {
    if (fs.existsSync(this.file)) withIo(this.file, 'write', () => fsyncPath(this.file));
  }

  /** Current length in bytes (0 when the file does not exist yet). */
  bytes(): number {
    return fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  /**
   * Drops everything past `bytes` (the rows of steps after a checkpoint, on resume), in place. A file that no longer
   * ends a row there (cut short since, as a copy taken mid-run, or edited) is never padded: it is cut after its last
   * whole row before `bytes`, and the return says so (null when the file was as `recorder` — the checkpoint — left it).
   */
  truncate(bytes: number, recorder = 'the checkpoint'): string | null {
    requireOwnFile(this.file);
    return withIo(this.file, 'write', () => {
      // O_NOFOLLOW and the fstat: a symlink or FIFO put in its place since the check is refused, never followed or waited on
      const { O_RDWR, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
      const fd = fs.openSync(this.file, O_RDWR | O_CREAT | O_NOFOLLOW | (O_NONBLOCK ?? 0), 0o666);
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile()) this.refuse(st);
        const keep = lastRowEnd(fd, Math.min(bytes, st.size));
        const rows = keep === bytes ? 0 : countRows(fd, keep); // counted before the cut: a failed read changes nothing
        fs.ftruncateSync(fd, keep);
        if (keep === bytes) return null;
        return `${st.size} bytes where ${recorder} left ${bytes} (cut or edited since): ` +
          `its ${rows} whole row${rows === 1 ? ' is' : 's are'} kept; the missing rows are not recomputed`;
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  private refuse(st: fs.Stats): never {
    throw notOwnFile(this.file, st);
  }

  /** Every row that parses as a JSON object, in file order, read line by line (a torn last line from a crash is skipped). */
  *rows(): Generator<Record<string, unknown>> {
    if (!fs.existsSync(this.file)) return;
    for (const { text } of readLines(this.file, undefined, undefined, true)) { // LF, CRLF or a lone CR: whatever rewrote it
      if (!text.trim()) continue;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch {
        continue; // a partial line written at the moment of a crash
      }
      if (isRecord(row)) yield row;
    }
  }
}

/**
 * Throws when something other than a plain file (a symlink, a folder, a FIFO) is where train writes its file `file`.
 * metrics.jsonl is written in place on resume: a symlink in its place (a run folder unpacked from elsewhere) would
 * have its target cut and appended to outside the run, and a FIFO blocked the resume forever.
 */
export function requireOwnFile(file: string): void {
  const st = withIo(file, 'write', () => fs.lstatSync(file, { throwIfNoEntry: false }));
  if (st !== undefined && !st.isFile()) throw notOwnFile(file, st);
}

function notOwnFile(file: string, st: fs.Stats): UserError {
  return new UserError(`is ${entryKind(st)}, not the file train writes there: put the run's own ${path.basename(file)} in its place`, file);
}

/** The end of the last whole row (just past its line end: LF, or CR as rows() reads it) at or before byte `end` of `fd`; 0 when there is none. */
function lastRowEnd(fd: number, end: number): number {
  const buf = Buffer.alloc(Math.min(WINDOW_BYTES, Math.max(end, 1)));
  for (let hi = end; hi > 0;) {
    const lo = Math.max(0, hi - buf.length);
    const n = fs.readSync(fd, buf, 0, hi - lo, lo);
    const nl = Math.max(buf.lastIndexOf(0x0a, n - 1), buf.lastIndexOf(0x0d, n - 1));
    if (nl >= 0) return lo + nl + 1;
    hi = lo;
  }
  return 0;
}

/** How many lines of the first `end` bytes of `fd` (which end with a line end: LF, or CR) hold more than ASCII whitespace. */
function countRows(fd: number, end: number): number {
  const buf = Buffer.alloc(Math.min(WINDOW_BYTES, Math.max(end, 1)));
  let rows = 0;
  let blank = true; // the line open at the end of the last window has only whitespace so far
  for (let pos = 0; pos < end;) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n === 0) break;
    pos += n;
    const chunk = buf.subarray(0, n);
    for (let i = 0; i < n;) {
      if (!blank) { // a row: on to its line end
        while (i < n && chunk[i] !== 0x0a && chunk[i] !== 0x0d) i++;
        if (i === n) break;
        rows++;
        blank = true;
        i++;
        continue;
      }
      const b = chunk[i++]!;
      if (b !== 0x0a && b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0b && b !== 0x0c) blank = false;
    }
  }
  return rows;
}
