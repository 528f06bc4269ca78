// Maps the raw path of a request to a regular file inside one root folder, or to null (the server
// answers 404). Works on the raw request target, never on a WHATWG-normalised URL, which would already
// have resolved `..` and `%2e%2e` before we could refuse them. openInside is the same check for the
// files the server reads itself (metrics.jsonl, config.yaml, report.json): it opens the file.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Encoded slash, backslash, dot and NUL: a legitimate file name under a run dir never needs them. */
const FORBIDDEN_ENCODED = /%(2f|5c|2e|00)/i;

/** The path part of a request target (`/a/b?x#y` → `/a/b`), or null when it is not origin-form. */
export function requestPath(target: string | undefined): string | null {
  if (!target || !target.startsWith('/') || target.startsWith('//')) return null;
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

/**
 * Splits `a/b%20c` into decoded segments ['a', 'b c'], or null for anything that could name a place
 * other than a plain relative path: empty segments (`//`, leading `/`), `.`, `..`, backslashes, NUL,
 * encoded `/` `\` `.` NUL, colons (drive letters, streams), or invalid percent-encoding.
 */
export function safeSegments(rest: string): string[] | null {
  if (rest === '' || rest.includes('\0') || rest.includes('\\') || FORBIDDEN_ENCODED.test(rest)) return null;
  const out: string[] = [];
  for (const raw of rest.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0:]/.test(seg)) return null;
    out.push(seg);
  }
  return out;
}

/**
 * The real path of `segments` below `root` when it is a regular file whose real path (all symlinks resolved) is
 * still inside `root`; otherwise null. `root` is a real path taken once (startDashboard takes each run folder's as
 * it starts): when it is no longer its own real path (the folder, or one above it, swapped for a symlink since),
 * nothing is inside it, so a run folder replaced by a link to elsewhere serves nothing from there. `rootIsReal`: what
 * isRealFolder(root) said, when the caller has just asked it (a poll reads several files of one run).
 */
export function resolveInside(root: string, segments: string[], rootIsReal = isRealFolder(root)): string | null {
  if (!rootIsReal) return null;
  let real: string;
  try {
    real = realpath(path.join(root, ...segments));
  } catch {
    return null;
  }
  if (!real.startsWith(root + path.sep)) return null;
  try {
    if (!fs.statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real;
}

/**
 * The real path of `p`: by the system's realpath (one call), not node's walk of every folder on the way (an lstat each);
 * the run folders' own real paths are taken by it too (server.ts), so that both spell a path alike.
 */
export function realpath(p: string): string {
  return fs.realpathSync.native(p);
}

/** Whether `dir` is a folder and its own real path: no symlink stands in its place or in that of a folder above it. */
export function isRealFolder(dir: string): boolean {
  try {
    return realpath(dir) === dir && fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens `segments` below `root` for reading when resolveInside allows it: a regular file inside the root
 * (a symlink out of it, a FIFO, a device or a folder is null, as if absent). The real path is opened
 * without following a final symlink and without blocking (a FIFO swapped in since the check cannot hang
 * the server), and checked again to be a regular file. The caller closes the descriptor.
 */
export function openInside(root: string, segments: string[], rootIsReal = isRealFolder(root)): OpenedFile | null {
  return openResolved(resolveInside(root, segments, rootIsReal), root);
}

/**
 * A file openInside opened: its descriptor, its stat, and its inode exact (a bigint): stat's Number inode rounds those
 * past 2^53 (Lustre, NFS, XFS inode64), so a file replaced by one of a neighbouring inode looked unchanged.
 */
export interface OpenedFile {
  fd: number;
  stat: Omit<fs.Stats, 'ino'>;
  ino: bigint;
}

/** openInside of a path resolveInside has just given below `root` (null: none), for a caller that needs the path too. */
export function openResolved(real: string | null, root: string): OpenedFile | null {
  if (real === null) return null;
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile() && openedInside(fd, root)) return { fd, stat, ino: fs.fstatSync(fd, { bigint: true }).ino };
  } catch {
    // fall through: closed below
  }
  fs.closeSync(fd);
  return null;
}

/**
 * Whether the file open as `fd` is inside `root` (a real path), as the kernel names it (/proc/self/fd on Linux). O_NOFOLLOW
 * guards only the last name of the path: a folder on the way swapped for a symlink out of the run between resolveInside's
 * check and the open (`sub/` ↔ `sub → /home/me`, in a loop) was followed, and ~0.5% of the requests of
 * /run/0/sub/x.txt read the file outside. Where the system names no open file (no /proc), the check before the open stands
 * alone.
 */
export function openedInside(fd: number, root: string): boolean {
  let where: string;
  try {
    where = fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return true;
  }
  return where.startsWith(root + path.sep);
}
