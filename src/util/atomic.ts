// Atomic file writes: write a temporary file beside the target, fsync it, then rename over the target,
// so that a reader (or a crash) sees either the old file or the complete new one, never a partial one.
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

function tempPathFor(target: string): string {
  counter++;
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter}.tmp`);
}

/** Writes `chunks` in order to a temp file, fsyncs, renames it to `target`, and fsyncs the folder. */
export function writeFileAtomic(target: string, ...chunks: Array<Uint8Array | string>): void {
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let written = 0;
      while (written < bytes.byteLength) {
        written += fs.writeSync(fd, bytes, written, bytes.byteLength - written);
      }
    }
    fs.fsyncSync(fd);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(target));
}

/** fsync a folder so a rename inside it is durable (best effort: not every file system allows it). */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems do not allow fsync on a directory; the rename itself is still atomic.
  }
}
