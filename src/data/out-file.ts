// Output files written in big buffered chunks to a temporary name beside the target and renamed into
// place on commit, the folder fsynced after the rename (so a failed run or a crash never leaves a
// half-written train.jsonl); the spool of kept records can also read back what it wrote, by byte offset.
// A failed write (ENOSPC, EIO, a full quota) is a UserError naming the file (atomic.ts's withIo), never a
// stack trace; the caller discards every temporary file (and removeStaleTemps those a killed run left).
// finish() (flush, fsync, close) and rename() are separate so that a run puts all its files safely on
// disk before it renames the first one. An output can be hashed as it is written (its size and SHA-256, which prepare
// records in report.json, so that a rerun tells a split the user edited since from its own: out-dir.ts).
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, pidRunning, removeLeftover, withIo, writeFully } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { parseLeftover, tempFileName } from '../util/leftover-names.ts';
import { PREPARE_REPORT } from './prepare-report.ts';
import type { WrittenFile } from '../util/written-record.ts';

const CHUNK = 1 << 20;

export class OutFile {
  private fd: number;
  private buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private flushed = 0;
  private closed = false;
  /** The SHA-256 of the bytes written so far, when hashed (an output); null for a scratch file. */
  private readonly hash: Hash | null;
  private stamp: Pick<WrittenFile, 'bytes' | 'sha256'> | null = null;
  readonly tmp: string;
  private readonly shown: string;

  /**
   * `shown`: how errors name the file (a scratch file, which the user never sees, says what it is); `hashed`: whether
   * written() can say the file's SHA-256 (hashed as its bytes are written, never read back for it).
   */
  constructor(readonly target: string, { shown = target, hashed = false }: { shown?: string; hashed?: boolean } = {}) {
    this.shown = shown;
    this.hash = hashed ? createHash('sha256') : null;
    this.tmp = tempOf(target, process.pid);
    this.fd = this.io(() => createTemp(this.tmp, target));
  }

  /** Runs a file-system call, turning its failure into a UserError that names the target file. */
  private io<T>(f: () => T): T {
    return withIo(this.shown, 'write', f);
  }

  /** Bytes written so far (the offset of the next write). */
  get size(): number {
    return this.flushed + this.used;
  }

  write(s: string): void {
    if (this.stamp !== null) throw new Error(`${this.tmp}: written to after written() said its size and SHA-256`);
    const n = Buffer.byteLength(s);
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        const bytes = Buffer.from(s, 'utf8');
        this.hash?.update(bytes);
        this.io(() => writeFully(this.fd, bytes));
        this.flushed += n;
        return;
      }
    }
    this.used += this.buf.write(s, this.used);
  }

  flush(): void {
    if (this.used === 0) return;
    this.hash?.update(this.buf.subarray(0, this.used));
    this.io(() => writeFully(this.fd, this.buf.subarray(0, this.used)));
    this.flushed += this.used;
    this.used = 0;
  }

  /** The size and SHA-256 of all that was written (a hashed file's); nothing may be written after. */
  written(): Pick<WrittenFile, 'bytes' | 'sha256'> {
    if (this.hash === null) throw new Error(`${this.tmp}: not hashed as it was written`);
    if (this.stamp === null) {
      this.flush();
      this.stamp = { bytes: this.size, sha256: this.hash.digest('hex') };
    }
    return this.stamp;
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

  /** Flushes, fsyncs and closes the temporary file: its bytes are on disk, not yet under the target's name. */
  finish(): void {
    this.flush();
    this.io(() => fs.fsyncSync(this.fd));
    this.closed = true;
    this.io(() => fs.closeSync(this.fd));
  }

  /** Renames the finished file onto its target, then fsyncs the folder (as writeFileAtomic does). */
  rename(): void {
    this.io(() => fs.renameSync(this.tmp, this.target));
    fsyncDir(path.dirname(this.target));
  }

  /** finish() then rename(). */
  commit(): void {
    this.finish();
    this.rename();
  }

  /** Closes and deletes the temporary file (on failure, or for a scratch spool); never throws. */
  discard(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        fs.closeSync(this.fd);
      } catch {
        // already unusable: the file is removed below all the same
      }
    }
    try {
      fs.rmSync(this.tmp, { force: true });
    } catch {
      // a folder made read-only meanwhile: the error being raised is the one to say; the next prepare removes it (a dead pid's)
    }
  }
}

/** The size and SHA-256 of each of the hashed `outs`, by its name in the folder (a report's files). */
export function writtenBy(outs: readonly OutFile[]): Record<string, Pick<WrittenFile, 'bytes' | 'sha256'>> {
  return Object.fromEntries(outs.map((f) => [path.basename(f.target), f.written()]));
}

/**
 * Creates `tmp` (O_EXCL) for reading and writing, never opening what is at the name: the name is predictable (the pid),
 * so one who can write in the output folder could put a symbolic link there, which was written through (a file outside
 * the folder truncated and replaced by train.jsonl), or a FIFO, which blocked the run. A regular file there (a temporary
 * an earlier process of this pid left) is removed first, as the file of that name that it is: its name is this
 * process's, and an unlink never touches another name's file; anything else is refused.
 */
function createTemp(tmp: string, target: string): number {
  try {
    return fs.openSync(tmp, 'wx+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const there = fs.lstatSync(tmp, { throwIfNoEntry: false });
  if (there !== undefined && !there.isFile()) {
    const what = there.isSymbolicLink() ? 'a symbolic link' : there.isDirectory() ? 'a folder' : there.isFIFO() ? 'a FIFO' : 'a special file';
    throw new UserError(`cannot write: the temporary name it is written under first, ${path.basename(tmp)}, is ${what} that prepare did not make: remove it`, target);
  }
  fs.rmSync(tmp, { force: true });
  return fs.openSync(tmp, 'wx+');
}

/**
 * The temporary name of `target` while process `pid` writes it: an atomic write's (leftover-names.ts), numbered 0, a
 * number atomic.ts's never takes (its count starts at 1), so that every clean-up of a file's temporaries (atomic.ts's,
 * this file's, the run folder's judgement, the kill probe's) knows prepare's too.
 */
export function tempOf(target: string, pid: number): string {
  return path.join(path.dirname(target), tempFileName(path.basename(target), pid, 0));
}

/**
 * The temporary name of a version before tempOf took leftover-names.ts's (.NAME.PID.tmp): what its killed runs left is
 * still found. Only for what it was given to, prepare's outputs (.jsonl, report.json): no name that leftover-names.ts
 * reads too (.model.5.PID.tmp is model's by process 5, never model.5's by PID), and no other file of that shape.
 */
const OLDER_TEMP = /^\.(.+\.jsonl?)\.(\d+)\.tmp$/;

/**
 * The temporaries of files among the entries of a folder, as tempOf or atomic.ts names them (or an older version's
 * tempOf did): the entry, its output's name, its writer.
 */
function tempsAmong(entries: readonly string[]): Array<{ entry: string; name: string; pid: number }> {
  return entries.flatMap((entry) => {
    const l = parseLeftover(entry);
    if (l !== null) return l.kind === 'file' ? [{ entry, name: l.name, pid: l.pid }] : [];
    const m = OLDER_TEMP.exec(entry);
    return m ? [{ entry, name: m[1]!, pid: Number(m[2]) }] : [];
  });
}

/**
 * What a prepare of a version before prepare-pending.ts's record left, killed between the renames of its outputs (that
 * version removed the old `last` first and renamed `first` first, `last` last), or null: the temporary of its `last`, in
 * that version's naming (OLDER_TEMP), of a process no longer running, beside no temporary of its `first` (renamed). A
 * temporary in today's naming is never that (a version that names so writes the record, which says it), nor one beside
 * its run's `first` temporary: that run was killed before it renamed anything (while it read its inputs or wrote its
 * outputs), and every version opens all its outputs' temporaries at its start.
 */
export function olderKilledRenaming(dir: string, last: string, first: string): string | null {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const older = entries.flatMap((entry) => {
    const m = OLDER_TEMP.exec(entry);
    return m !== null && m[1] === last ? [{ entry, pid: Number(m[2]) }] : [];
  });
  return older.find((t) => t.pid !== process.pid && !pidRunning(t.pid) && !entries.includes(`.${first}.${t.pid}.tmp`))?.entry ?? null;
}

/**
 * Removes from `dir` the temporary files of the outputs `names` that killed prepare runs left: only in prepare's namings
 * (preparesTemp) and only of processes no longer running. The caller holds the folder's lock, so no other prepare (nor
 * a train) writes there; but a command that takes no such lock may (classify --out DIR/test.jsonl, its atomic write's
 * .test.jsonl.PID.N.tmp), and a pid that still runs may be one (a killed prepare's pid that shows for a moment keeps its
 * temporary until a later run).
 */
export function removeStaleTemps(dir: string, names: readonly string[]): void {
  for (const t of tempsAmong(fs.readdirSync(dir))) {
    // only a file: OutFile writes nothing else there, and a folder (or a link) of that name is not its to remove (rmSync
    // of a folder threw EISDIR, Node's stack trace)
    if (names.includes(t.name) && t.pid !== process.pid && preparesTemp(t) && !pidRunning(t.pid) && isPlainFile(path.join(dir, t.entry))) removeLeftover(path.join(dir, t.entry));
  }
}

/**
 * Whether a temporary is named as prepare names its own: tempOf's (.NAME.PID.0.tmp), an older version's tempOf's
 * (.NAME.PID.tmp), or report.json's by writeFileAtomic (.report.json.PID.N.tmp), as a version before OutFile wrote it.
 * Another atomic write's (.NAME.PID.N.tmp, N > 0) is another command's.
 */
function preparesTemp({ entry, name, pid }: { entry: string; name: string; pid: number }): boolean {
  return entry === tempFileName(name, pid, 0) || OLDER_TEMP.test(entry) || name === PREPARE_REPORT;
}

/** Whether `p` is a regular file itself (not a folder, nor a symbolic link to anything). */
function isPlainFile(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * Removes from `dir` the temporary files of this process (its writing thread stopped: Ctrl-C) but those `keep` names
 * the output of: named with this process's id, no other process made them.
 */
export function removeOwnTemps(dir: string, keep: (name: string) => boolean = () => false): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return; // no folder: nothing was written there
  }
  for (const t of tempsAmong(entries)) {
    // one that cannot be removed (EACCES, EROFS) is a warning naming it, as atomic.ts's clean-up says it
    if (t.pid === process.pid && !keep(t.name) && isPlainFile(path.join(dir, t.entry))) removeLeftover(path.join(dir, t.entry));
  }
}

