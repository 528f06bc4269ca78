// Opens a file only when it is a regular file. Model, adapter and tokenizer files are opened with
// O_NONBLOCK and checked with fstat on the open descriptor (no race with a stat before the open), so a
// FIFO, folder, socket or device in their place is a one-line UserError naming the file: never a read
// that blocks forever on a pipe, never an EISDIR stack trace.
import * as fs from 'node:fs';
import { fsyncPath, ioError, withIo } from './atomic.ts';
import { UserError } from './errors.ts';
import { nearFileHint } from './near-file.ts';
import { checkWrittenBytes } from './written-record.ts';

/** What a non-regular file is, in words. */
export function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a plain file';
}

/**
 * What an entry that lstat found is, in words, where the tool writes a file or a folder of its own: a symbolic link is
 * not followed. One wording for every such refusal or warning of a run folder.
 */
export function entryKind(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFile()) return 'a file';
  return kindOf(st);
}

/** A read-only descriptor of `file`, which must be a regular file; the caller closes it. */
export function openRegularFile(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`file not found${nearFileHint(file)}`, file);
    // open(2) on a Unix socket fails with ENXIO
    if (code === 'ENXIO') throw new UserError('is a socket, not a regular file', file);
    throw ioError(e, file, 'open'); // in words: "cannot open: a path component is not a folder (ENOTDIR)"
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new UserError(`is ${kindOf(st)}, not a regular file`, file);
  }
  return fd;
}

/**
 * The whole content of `file`, a regular file; one that mistral-tune wrote into a folder of weights, checked against
 * what it recorded of it (written-record.ts).
 */
export function readRegularFile(file: string): Buffer {
  const fd = openRegularFile(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(fd);
  } catch (e) {
    throw new UserError(`cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
  } finally {
    fs.closeSync(fd);
  }
  checkWrittenBytes(file, bytes);
  return bytes;
}

/**
 * Copies a small file (a tokenizer's, a chat template) once it reads whole as mistral-tune recorded writing it
 * (readRegularFile): a damaged one in a folder of train's is refused where it is, not passed on, and an edited settings
 * file is said to be. A weights file is checked as its tensors are read, and copied with copyRegularFile.
 */
export function copyCheckedFile(src: string, dst: string): void {
  readRegularFile(src);
  copyRegularFile(src, dst);
}

/**
 * Copies `src`, which must be a regular file (checked first, so a FIFO cannot block the copy), to `dst`, fsynced. A failed copy
 * (a full disk, a quota) names `dst`: Node's error names both files, and the caller's catch named only the folder
 * being written ("OUT: cannot write: no space left on device"), not which of its files the disk could not take.
 */
export function copyRegularFile(src: string, dst: string): void {
  fs.closeSync(openRegularFile(src));
  withIo(dst, 'write', () => {
    fs.copyFileSync(src, dst);
    // flushed before the folder it is copied into is renamed into place (and that rename made durable): unflushed, a
    // power cut could leave a whole-looking folder holding an empty copy, as writeFileAtomic's fsync prevents for a write.
    // opened read-only (fsyncPath): the copy has its source's mode, and a read-only source (chmod a-w) refused 'r+' (EACCES)
    fsyncPath(dst);
  });
}
