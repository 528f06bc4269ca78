// The folders a command makes on the way to its output (mkdir -p), and their removal when it stops before writing
// anything there: a command stopped or failed leaves no empty folder it made, and never one that was there before.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Makes `dir` and the folders above it that are missing (mkdir -p); returns the first it made, as fs.mkdirSync's
 * recursive form does. That form reports a folder it cannot make for another reason than a missing parent — a
 * read-only file system (EROFS), a full disk — as ENOENT ("no such file"): the first missing folder is then made alone,
 * which throws the real error.
 */
export function makeFolders(dir: string): string | undefined {
  // the missing folders made one at a time from the highest down: Node's recursive form loops forever where mkdir
  // says ENOENT under a folder that is there (output_dir /proc/x hung train at 100% CPU), and the first that cannot be
  // made throws its own error (EROFS, ENOSPC, EACCES)
  const missing = firstMissingFolder(dir);
  if (missing !== undefined && fs.lstatSync(missing, { throwIfNoEntry: false }) === undefined) {
    const chain: string[] = [];
    for (let d = path.resolve(dir); d !== missing; d = path.dirname(d)) chain.unshift(d);
    for (const d of [missing, ...chain]) makeFolder(d);
    return missing;
  }
  try {
    return fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const first = (e as NodeJS.ErrnoException).code === 'ENOENT' ? firstMissingFolder(dir) : undefined;
    // a symbolic link to nothing on the way: ENOENT is its error
    if (first === undefined || fs.lstatSync(first, { throwIfNoEntry: false }) !== undefined) throw e;
    fs.mkdirSync(first);
    fs.mkdirSync(dir, { recursive: true });
    return first;
  }
}

/**
 * Makes the folder `d` (its parent there). One made meanwhile by another process is taken, as the recursive form takes
 * it; one made and removed again meanwhile (a run lock's folder, taken and released by other processes at once) is
 * made again: it was "cannot create the folder: already exists (EEXIST)" with no folder there.
 */
function makeFolder(d: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(d);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const made = fs.statSync(d, { throwIfNoEntry: false });
      if (made?.isDirectory()) return;
      if (made !== undefined || attempt >= 10) throw e; // a file there (or a link to nothing), or gone every time
    }
  }
}

/** The first (highest) of the folders that making `dir` with its parents would make: undefined when `dir` exists. */
export function firstMissingFolder(dir: string): string | undefined {
  let first: string | undefined;
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    first = d;
    if (path.dirname(d) === d) break;
  }
  return first;
}

/** Removes `dir` and the folders above it up to `first` (firstMissingFolder), deepest first, each only while empty. */
export function removeMadeFolders(dir: string, first: string | undefined): void {
  for (let d = path.resolve(dir); first !== undefined && d.length >= first.length; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      break;
    }
  }
}
