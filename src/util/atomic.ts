// Atomic file writes: write a temporary file beside the target, fsync it, then rename over the target,
// so that a reader (or a crash) sees either the old file or the complete new one, never a partial one.
// (Folders: folder-swap.ts.) A failing write (a full disk, no permission, a read-only file system) becomes a
// one-line UserError naming the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { danglingLinkTarget } from './dangling-link.ts';
import { UserError } from './errors.ts';
import { warn } from './log.ts';
import { parseLeftover, tempFileName } from './leftover-names.ts';

let counter = 0;

/**
 * The temporary files this thread is writing (writeStreamAtomic's, from their creation to their end), by absolute path:
 * never judged left over (writerGone), whatever their age says.
 */
const writing = new Set<string>();

function tempPathFor(target: string): string {
  counter++;
  return path.join(path.dirname(target), tempFileName(path.basename(target), process.pid, counter));
}

/** Names newTempFor tries before it gives up: each was taken by something this process did not make. */
const TEMP_TRIES = 100;

/**
 * A new, empty temporary file beside `target` (its path, and its descriptor open for writing), made with O_EXCL: never an open of what is at the name
 * already. The name is predictable (the pid and a counter), so one who can write in the output's folder could put a
 * symbolic link there before the write, which was written through (a file outside the folder replaced by the output,
 * and the output itself left a link to it), or a FIFO, which blocked it. A taken name is skipped for the next one.
 */
function newTempFor(target: string): { tmp: string; fd: number } {
  for (let tries = 1; ; tries++) {
    const tmp = tempPathFor(target);
    try {
      const fd = fs.openSync(tmp, 'wx');
      writing.add(path.resolve(tmp));
      return { tmp, fd };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, target, 'write');
      if (tries >= TEMP_TRIES) {
        throw new UserError(`cannot write: the ${TEMP_TRIES} temporary names it is written under first (${path.basename(tmp)} the last) are taken by ` +
          'files or links this process did not make: remove them, or write elsewhere', target);
      }
    }
  }
}

/** Plain words for the errno codes a user can do something about. */
const IO_CODES: Record<string, string> = {
  ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', EIO: 'input/output error', ENOENT: 'no such file or folder', ENOTDIR: 'a path component is not a folder',
  EISDIR: 'is a folder', EEXIST: 'already exists', ENOTEMPTY: 'folder not empty', EMFILE: 'too many open files', ENAMETOOLONG: 'name too long', EBUSY: 'resource busy', EFBIG: 'file too large',
  ELOOP: 'a loop of symbolic links (or too many in a row)',
};

/**
 * An error of a file operation on `file` as a one-line UserError ("cannot write: no space left on device
 * (ENOSPC)"); anything that is not a Node I/O error (a bug) is returned unchanged.
 */
export function ioError(e: unknown, file: string, action: string): unknown {
  if (e instanceof UserError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return e;
  const link = code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST' ? danglingLinkTarget(file) : null;
  if (link !== null) return new UserError(`cannot ${action}: it is a symbolic link to ${link}, which does not exist (${code})`, file);
  if (code === 'ENAMETOOLONG') return new UserError(`cannot ${action}: ${nameTooLong(file)} (${code})`, file);
  if (code === 'ENOSPC' && outOfInodes(file)) {
    return new UserError(`cannot ${action}: no free inodes left on its file system (it holds as many files and folders as it can, ` +
      `with space left: df -i shows it) (${code})`, file);
  }
  return new UserError(`cannot ${action}: ${IO_CODES[code] ?? (e as Error).message} (${code})`, file);
}

/**
 * Whether the file system of `file` (or of its nearest folder that exists) has no inode left but has space: its ENOSPC is
 * the count of files that ran out, which "no space left on device" hid (df showed free space).
 */
function outOfInodes(file: string): boolean {
  for (let p = path.resolve(file); ; p = path.dirname(p)) {
    try {
      const st = fs.statfsSync(p);
      return st.files > 0 && st.ffree === 0 && st.bavail > 0;
    } catch {
      if (path.dirname(p) === p) return false;
    }
  }
}

/** Bytes a file system takes in one name (NAME_MAX of Linux and macOS file systems). */
const NAME_MAX = 255;
/** The most a temporary beside a target adds to its name (leftover-names.ts: `.NAME.PID.N.tmp`, `.tmp-NAME-PID`). */
const TEMP_EXTRA = 24;

/**
 * Why a name is too long: its own length, or — for a name that fits — that of the temporary an atomic write puts
 * beside it (a 248-byte --out is a legal name whose temporary is not), or else a path past the system's limit.
 */
function nameTooLong(file: string): string {
  const bytes = Buffer.byteLength(path.basename(file));
  if (bytes > NAME_MAX) return `its name is ${bytes} bytes, over the ${NAME_MAX} a file system takes`;
  if (bytes + TEMP_EXTRA > NAME_MAX) {
    return `its name is ${bytes} bytes, and the temporary name it is written under first (a dot, the name, a process id and a suffix) ` +
      `passes the ${NAME_MAX} a file system takes: give a name of at most ${NAME_MAX - TEMP_EXTRA} bytes`;
  }
  return 'name too long (the whole path, or a folder name in it)';
}

/** Runs `op`, turning an I/O error into a UserError that names `file`. */
export function withIo<T>(file: string, action: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw ioError(e, file, action);
  }
}

/** Writes `chunks` in order to a temp file, fsyncs, renames it to `target`, and fsyncs the folder. */
export function writeFileAtomic(target: string, ...chunks: Array<Uint8Array | string>): void {
  writeStreamAtomic(target, (write) => {
    for (const chunk of chunks) write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  });
}

/** Why a write that never replaces (an export's, classify --out's) failed at its end: something was put at its target meanwhile. */
export const APPEARED = 'appeared while this was written (another process writing to the same path?): it is left as it is, and nothing was written over it';

/** Bytes per writeSync call: Node refuses one of more than 2 GiB (an F32 GGUF tensor of Mistral Nemo is 2.5 GiB). */
const WRITE_CHUNK = 1 << 30;

/** Writes all of `bytes` at the file position of `fd`, in calls of at most WRITE_CHUNK. */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) written += fs.writeSync(fd, bytes, written, Math.min(WRITE_CHUNK, bytes.byteLength - written));
}

/**
 * The same for a file produced piece by piece (bounded memory): `fill` calls `write` for each piece, in
 * order. Returns the bytes written. With `replace` false a file at `target` is never replaced, not even one
 * that appeared there while `fill` ran (an export's output): the write fails (APPEARED) and that file stays.
 */
export function writeStreamAtomic(target: string, fill: (write: (bytes: Uint8Array) => void) => void, replace = true): number {
  // a folder given where a file is wanted (--out gguf/): the rename would fail with a misleading ENOTDIR
  if (target.endsWith('/') || target.endsWith(path.sep)) throw new UserError(`names a folder (it ends with "${target.at(-1)}"): give a file path in it`, target);
  removeDeadTemps(target);
  const { tmp, fd } = newTempFor(target);
  let size = 0, publishing = false;
  try {
    try {
      fill((bytes) => {
        writeFully(fd, bytes);
        size += bytes.byteLength;
      });
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    publishing = true;
    if (replace) fs.renameSync(tmp, target);
    else publishNew(tmp, target);
  } catch (e) {
    const error = publishing && !replace && (e as NodeJS.ErrnoException).code === 'EEXIST' ? new UserError(APPEARED, target)
      : ioError(e, target, 'write'); // before the temporary goes, which frees the inode whose lack (ENOSPC) it may tell
    removeLeftover(tmp);
    throw error;
  } finally {
    writing.delete(path.resolve(tmp));
  }
  fsyncDir(path.dirname(target));
  return size;
}

/**
 * Puts the file `tmp` at `target` unless something is there (EEXIST): a hard link fails when it is (rename would
 * replace it); `tmp`'s name is then removed.
 */
export function publishNew(tmp: string, target: string): void {
  try {
    fs.linkSync(tmp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || !(code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS')) throw e;
    // a file system without hard links: checked, then renamed (a file appearing in between is replaced)
    if (fs.existsSync(target)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    fs.renameSync(tmp, target);
    return;
  }
  fs.unlinkSync(tmp);
}

/** Whether process `pid` runs on this machine (one we may not signal runs, too). */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When this process started (ms since the epoch). */
const STARTED_MS = Date.now() - process.uptime() * 1000;

/**
 * Whether the leftover `entry` that process `pid` was writing is left over: that process is gone; or it is this one,
 * and `stopped` says that the thread writing it was stopped (Ctrl-C: the caller removes what it left, before the process
 * ends), or `entry` was last changed before this process started, by an earlier process with this pid (a container's
 * command is pid 1 again when the container restarts after a kill). A temporary this thread is writing is never left
 * over, whatever its age: a clock stepped back, or a network file system's server clock behind this machine's, gives a
 * file just written a time before this process started. `stopped` is said by each call of a clean-up, not kept: what
 * this process writes after one is judged as any write's.
 */
export function writerGone(pid: number, entry: string, stopped = false): boolean {
  if (pid !== process.pid) return !pidRunning(pid);
  if (writing.has(path.resolve(entry))) return false;
  if (stopped) return true;
  const changed = fs.lstatSync(entry, { throwIfNoEntry: false })?.mtimeMs;
  return changed !== undefined && changed < STARTED_MS;
}

/**
 * Removes what a failed write left at `tmp`, if anything: the write's own error is the one to report, so a
 * path that cannot hold it (ENOTDIR: a file on the way, which rmSync's force does not excuse) is no second error.
 * One that cannot be removed is a warning naming it (out-file.ts's clean-ups say so too).
 */
export function removeLeftover(tmp: string): void {
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOTDIR' || code === 'ENOENT') return; // nothing was made there
    // one that stays (EACCES, EROFS, EBUSY), maybe gigabytes under a hidden name, is said, not left there unseen
    const why = ioError(e, tmp, 'remove this temporary file, left by a write');
    warn(`${why instanceof Error ? why.message : String(why)}: remove it yourself`);
  }
}

/**
 * Removes the temporary files of `target` that writes killed midway left beside it (writerGone): the
 * retry of a killed GGUF export of a 7B model left its gigabytes behind, hidden, for good. A write that does not
 * replace calls it before refusing an existing target too: killed between the hard link and the temporary's
 * removal, the write left its output under both names. `stopped`: this process's own are a stopped write's (writerGone).
 */
export function removeDeadTemps(target: string, stopped = false): void {
  const name = path.basename(target);
  removeTempFiles(path.dirname(target), (l, entry) => l.name === name && writerGone(l.pid, entry, stopped));
}

/**
 * The temporary files beside `target` that killed writes of other targets left (writerGone), largest first, with their
 * sizes: not removed — another name's output is not this write's to touch — but worth saying where they are gigabytes
 * (a GGUF export killed, then run again under another name).
 */
export function deadTempsBeside(target: string): Array<{ file: string; bytes: number }> {
  const dir = path.dirname(target), name = path.basename(target), found: Array<{ file: string; bytes: number }> = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return found;
  }
  for (const e of entries) {
    const l = parseLeftover(e), file = path.join(dir, e);
    if (l?.kind !== 'file' || l.name === name || !writerGone(l.pid, file)) continue;
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st?.isFile()) found.push({ file, bytes: st.size });
  }
  return found.sort((a, b) => b.bytes - a.bytes);
}

/**
 * Removes the temporary files that this process's stopped writes (Ctrl-C: the thread writing them stopped) left in
 * `dir`, whatever their targets: named with this process's id, no other process made them.
 */
export function removeOwnTemps(dir: string): void {
  removeTempFiles(dir, (l, entry) => l.pid === process.pid && writerGone(l.pid, entry, true));
}

/** Removes the temporary files (leftover-names.ts) in `dir` that `which` picks; nothing when `dir` cannot be read. */
function removeTempFiles(dir: string, which: (l: { name: string; pid: number }, entry: string) => boolean): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return; // no folder: nothing was written there (a write into it says what is wrong)
  }
  for (const e of entries) {
    const l = parseLeftover(e);
    if (l?.kind !== 'file' || !which(l, path.join(dir, e))) continue;
    if (fs.lstatSync(path.join(dir, e), { throwIfNoEntry: false })?.isFile()) removeLeftover(path.join(dir, e));
  }
}

/** fsync the file or folder at `p`, opened read-only (fsync needs no write access: a copy of a read-only file has its mode). */
export function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a folder so a rename inside it is durable (best effort: not every file system allows it). */
export function fsyncDir(dir: string): void {
  try {
    fsyncPath(dir);
  } catch {
    // Some file systems do not allow fsync on a directory; the rename itself is still atomic.
  }
}
