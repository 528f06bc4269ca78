// The folders a command makes on the way to its output (mkdir -p), and their removal when it stops before writing
// anything there: a command stopped or failed leaves no empty folder it made, and never one that was there before.
import * as fs from 'node:fs';
import * as path from 'node:path';

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
