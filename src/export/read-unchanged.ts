// Reading a run's weights folder while the run may still be training: train swaps in a newer best/ (a new folder
// renamed over the old) at each better evaluation, so an export that read part of its files before the swap and part
// after would mix two checkpoints. Every export that reads a run's folder does so inside readUnchanged.
import * as fs from 'node:fs';
import { UserError } from '../util/errors.ts';

/**
 * A folder's device, inode and change time ('gone' when it is not there): a folder train swaps in (best/ at each better
 * evaluation) is another one, even where it reuses the inode of the folder it retired (its change time is its own).
 */
export function folderId(dir: string): string {
  const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}:${st.ctimeNs}` : 'gone';
}

/**
 * Runs `read`, which reads the run's weights folder `source`, refused when `source` was replaced meanwhile (a run still
 * training swaps in a newer best/): its files would have been read from two checkpoints, those checked not those copied.
 * An error of `read` while the folder was replaced is reported as the replacement, its cause.
 * What `read` keeps open (a safetensors file read later) stays the file it opened, whatever replaces the folder after;
 * `discard` releases it when the folder was replaced.
 */
export function readUnchanged<T>(source: string, read: () => T, discard?: (result: T) => void): T {
  const before = folderId(source);
  const replaced = (): UserError => new UserError('was replaced (or removed) while it was exported (the run is still training and wrote a newer one?): nothing was exported; export it again', source);
  let result: T;
  try {
    result = read();
  } catch (e) {
    // a file the newer folder lacks, or one removed with the old folder: the replacement is the cause to name
    throw folderId(source) !== before ? replaced() : e;
  }
  if (folderId(source) !== before) {
    discard?.(result); // what `read` opened (a file) is closed before the error goes up
    throw replaced();
  }
  return result;
}
