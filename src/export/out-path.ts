// Where an export is written, and what one that did not finish leaves there: the folders above --out made for it
// (removed again when it fails), the partial folder inside an empty --out that the export's files move up from, and
// the removal of what an export killed (its process gone) or stopped (Ctrl-C: its thread stopped, stopOwnWrites)
// was writing. Small on purpose: the CLI's main thread, which only waits for the export's thread, reads it alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeDeadTemps, stopOwnWrites, withIo, writerGone } from '../util/atomic.ts';
import { danglingLinkTarget } from '../util/dangling-link.ts';
import { UserError } from '../util/errors.ts';
import { recoverFolderSwaps } from '../util/folder-swap.ts';
import { firstMissingFolder, makeFolders, removeMadeFolders as removeMadeFoldersTo } from '../util/made-folders.ts';
import { ANY_FILES, removeOwned } from '../util/owned-tree.ts';

/** The folder an export into an existing empty folder is written in, inside it (then the pid). */
export const PARTIAL = '.partial-export-';
/** In the partial folder once the export is whole: the names of its files, moved up into the folder one by one. */
export const MOVING = '.moving';

/**
 * Runs `write` with the missing folders above the output `out` (a folder, or GGUF's file) made, as HF's
 * save_pretrained makes them; a failed write leaves none of the folders it made.
 */
export function withOutputParent<T>(out: string, write: () => T): T {
  const parent = path.dirname(path.resolve(out));
  const first = withIo(out, 'make the folder of the output', () => makeFolders(parent));
  try {
    return write();
  } catch (e) {
    removeMadeFolders(out, first);
    throw e;
  }
}

/**
 * Refuses, before any work, an output `out` that is a symbolic link to nothing: the export is put in place without
 * writing through a link, so it would fail there only once a whole merge or quantisation had been done. So is such a
 * link above `out`, where the missing folders would be made (mkdir said only ENOENT, naming neither).
 */
export function refuseDanglingOutput(out: string): void {
  const above = missingOutputParent(out);
  for (const p of above === undefined ? [out] : [out, above]) {
    const target = danglingLinkTarget(p);
    if (target !== null) throw new UserError(`cannot write: it is a symbolic link to ${target}, which does not exist (remove the link, or give another path)`, p);
  }
}

/** The first of the folders above the output `out` that withOutputParent would make (undefined: they all exist). */
export function missingOutputParent(out: string): string | undefined {
  return firstMissingFolder(path.dirname(path.resolve(out)));
}

/** Removes the folders above `out` made from `first` down, deepest first, each only if still empty. */
export function removeMadeFolders(out: string, first: string | undefined): void {
  removeMadeFoldersTo(path.dirname(path.resolve(out)), first);
}

/**
 * Removes what this process's export to `out` was writing when the thread writing it was stopped (Ctrl-C): what
 * the next export would remove as a killed one's — a GGUF file's temporary, the partial folder inside an empty
 * folder given, a new folder's temporary — and the folders above `out` it made (from `first`, missingOutputParent).
 */
export function removeStoppedExport(out: string, first: string | undefined): void {
  stopOwnWrites();
  const target = path.resolve(out);
  removeDeadTemps(target);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) removeDeadPartials(target);
  recoverFolderSwaps(path.dirname(target), (name) => (name === path.basename(target) ? ANY_FILES : null));
  removeMadeFolders(out, first);
}

/**
 * Removes what an export killed while writing into `dir` left there (its partial folder, its writer gone): the files
 * an export writes, and those it had already moved up into `dir` (named in its MOVING list and gone from the partial
 * folder), so the retry finds the folder as it was; a folder of the user's put inside it is kept, and so the output
 * is then refused as not empty.
 */
export function removeDeadPartials(dir: string): void {
  for (const e of fs.readdirSync(dir)) {
    const pid = e.startsWith(PARTIAL) ? Number(e.slice(PARTIAL.length)) : NaN;
    const partial = path.join(dir, e);
    if (!Number.isInteger(pid) || !writerGone(pid, partial)) continue;
    withIo(partial, 'remove the partial export', () => {
      const moving = path.join(partial, MOVING);
      const moved = fs.lstatSync(moving, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(moving, 'utf8').split('\n') : [];
      for (const f of moved) {
        const up = path.join(dir, f);
        if (f !== '' && f !== '.' && f !== '..' && path.basename(f) === f && !fs.existsSync(path.join(partial, f)) && fs.lstatSync(up, { throwIfNoEntry: false })?.isFile()) fs.rmSync(up);
      }
      removeOwned(partial, ANY_FILES);
    });
  }
}
