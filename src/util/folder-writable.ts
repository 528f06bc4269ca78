// Whether this process may write in a folder: not on a read-only mount (EROFS), nor another user's folder without
// write permission (EACCES). A finished run's --resume and an export inside a run folder ask it before taking the
// run's lock, which such a folder cannot hold.
import * as fs from 'node:fs';

/** Whether this process may write in `dir` (false where access(2) refuses it, for whatever reason). */
export function canWriteIn(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
