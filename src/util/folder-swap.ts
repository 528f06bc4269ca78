// Atomic folder writes: the new folder is built beside its target (.tmp-NAME-PID), then renamed into place,
// so a reader (or a crash) sees the previous folder or the complete new one, and a failed write (a full disk)
// leaves the previous one whole and no partial one. A replaced folder is first moved aside (.old-NAME-PID, or
// .old-NAME-PID.N where one of this pid's is kept) and then retired; what a crash mid-swap leaves is repaired by the
// next write of that folder or by recoverFolderSwaps. Only what the tool wrote (the folder's FolderSpec, owned-tree.ts) is ever deleted: an
// entry of the user's in the replaced folder (best/notes.md) is carried into the new folder under the same
// name, and one that cannot be (its name is taken there) keeps the moved-aside folder, with a warning.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APPEARED, fsyncDir, ioError, pidRunning, withIo } from './atomic.ts';
import { isUserError, UserError } from './errors.ts';
import { parseLeftover, swapFolderName, type Leftover } from './leftover-names.ts';
import { pause } from './pause.ts';
import { entryKind } from './regular-file.ts';
import { warn } from './log.ts';
import { boundedItemsText } from './bounded-json.ts';
import { carryForeign, FILE, holdsOwnedFile, NOT_A_FOLDER, removeOwned, type FolderSpec } from './owned-tree.ts';

/**
 * Replaces the folder `target` (made when absent) with the one `fill` writes in the temporary folder it is given.
 * `removedBy`: what removes that temporary folder where a failed write cannot (said in a warning then).
 */
export function replaceFolderAtomic(target: string, fill: (tmp: string) => void, owned: FolderSpec, removedBy?: string): void {
  swapIn(target, fill, owned, true, removedBy);
}

/**
 * Makes the folder `target` with what `fill` writes, never replacing one: a folder with anything in it that
 * appeared there meanwhile is an error and stays as it is (an empty one is taken, as rename does).
 */
export function createFolderAtomic(target: string, fill: (tmp: string) => void, owned: FolderSpec): void {
  swapIn(target, fill, owned, false);
}

// `removedBy`: what removes a temporary folder that a failed write leaves (by default the next write of the folder: its
// recoverFolderSwaps below)
function swapIn(target: string, fill: (tmp: string) => void, owned: FolderSpec, replace: boolean, removedBy = `the next write of ${path.basename(target)}/`): void {
  const parent = path.dirname(target), name = path.basename(target);
  recoverFolderSwaps(parent, (n) => (n === name ? owned : null));
  requireFolderPlace(target);
  const tmp = path.join(parent, swapFolderName('tmp', name, process.pid));
  // a folder moved aside by this pid that retire kept (files the tool did not write and could not carry into the
  // folder that replaced it: an earlier command of this process, or a container's pid 1 again) keeps its name, as one
  // of another pid's does: this swap moves the folder aside under the next free one
  // an error names the folder asked for: a name too long for .old-NAME-PID is said as `target`'s (how long a name may be)
  const entryAt = (at: string): fs.Stats | undefined => withIo(target, 'write', () => fs.lstatSync(at, { throwIfNoEntry: false }));
  let old = path.join(parent, swapFolderName('old', name, process.pid));
  for (let n = 1; entryAt(old) !== undefined; n++) old = path.join(parent, swapFolderName('old', name, process.pid, n));
  // what is at the temporary's name now (the swaps of this pid were retired above) is no folder of this write's: its name
  // is predictable, and a symbolic link put there by someone who can write in the parent had the fill write the whole
  // folder (an adapter, a merged model) into the folder it points to, outside the run, and the link renamed into place
  const taken = entryAt(tmp);
  if (taken !== undefined) {
    // a folder there is one retire kept (a leftover of this pid, e.g. a container's pid 1 again, holding files the
    // tool did not write: warned of above) or one someone put there
    const what = taken.isSymbolicLink() ? 'a symbolic link that mistral-tune did not make: remove it'
      : taken.isDirectory() ? 'a folder holding files that mistral-tune did not write: move them out' : 'a file that mistral-tune did not make: remove it';
    throw new UserError(`cannot write: the temporary name it is written under first, ${path.basename(tmp)}, is ${what}`, target);
  }
  let aside = false, publishing = false;
  try {
    fill(tmp);
    if (replace && fs.existsSync(target)) {
      fs.renameSync(target, old);
      aside = true;
    }
    publishing = true;
    fs.renameSync(tmp, target);
  } catch (e) {
    removeLeftoverFolder(tmp, owned, removedBy);
    if (aside) putBack(old, target, name);
    // a folder with files in it at the target (an empty one is taken): put there while this one was filled
    const code = (e as NodeJS.ErrnoException).code;
    if (publishing && !replace && (code === 'ENOTEMPTY' || code === 'EEXIST')) throw new UserError(APPEARED, target);
    throw renamed(ioError(e, target, 'write'), tmp, target);
  }
  // the new folder is in place, made durable first; then a moved-aside copy that cannot be deleted (read-only) is said in
  // one line, and the next write of the folder (or --resume) retires it once it can be
  fsyncDir(parent);
  if (aside) withIo(old, `delete the replaced ${name}/ (the new one is in place)`, () => retire(old, owned, target));
}

/**
 * Renames the folder `old` that a failed swap moved aside back to `target`, where the new one never arrived. Its failure
 * (EROFS, EACCES: the same cause as the swap's, usually) is no error of its own, which would hide the swap's: it is
 * said in one line naming where the folder is, and the next write of `target` (recoverFolderSwaps) puts it back.
 */
function putBack(old: string, target: string, name: string): void {
  try {
    if (!fs.existsSync(target)) fs.renameSync(old, target);
  } catch (e) {
    const why = ioError(e, target, `put the previous ${name}/ back`);
    warn(`${isUserError(why) ? why.message : String(why)}: it is at ${old} (the next write of ${name}/ puts it back, or rename it yourself)`);
  }
}

/**
 * Throws when a file or symbolic link is where the tool writes the folder `target`: it is the user's, never moved
 * aside (a link's folder would be emptied into ours). Checked by every write, and by a run before it starts.
 */
export function requireFolderPlace(target: string): void {
  const at = withIo(target, 'write', () => fs.lstatSync(target, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
  if (at !== undefined && !at.isDirectory()) {
    throw new UserError(`is ${entryKind(at)}, where mistral-tune writes its ${path.basename(target)}/ folder: move it away (mistral-tune did not make it)`, target);
  }
}

/**
 * Deletes the temporary or moved-aside folder `aside` of the tool's (`owned` says what it wrote there), first
 * carrying what it did not write into `target`, the folder that replaced it (none for a temporary); warns
 * naming what is kept (nothing of a link or file at its name, no folder of the tool's, is touched or said).
 */
function retire(aside: string, owned: FolderSpec, target?: string): void {
  if (target !== undefined) carryForeign(aside, target, owned);
  const kept = removeOwned(aside, owned);
  if (kept.length === 0 || kept[0] === NOT_A_FOLDER) return;
  warn(`kept ${aside}, which holds ${boundedItemsText(kept, { shown: 5, keepEnd: true })} that mistral-tune did not write` +
    `${target === undefined ? '' : ` and could not carry into ${target} (the name is taken there)`}: move them out`);
}

/**
 * Repairs what a crash in a folder write left in `parent`, whose folders the tool writes as `parentSpec` says
 * (the swaps of other folders are left alone): a folder moved aside (.old-NAME-PID) whose replacement never
 * arrived is renamed back, and the temporary folders (.tmp-NAME-PID) and moved-aside folders no longer needed
 * of dead processes are retired (their entries of the user's kept, those of a moved-aside one carried over); with
 * `onlyOf`, only those of that process (this one's, stopped: what a process stopped by Ctrl-C repairs before it ends).
 */
export function recoverFolderSwaps(parent: string, parentSpec: FolderSpec, onlyOf?: number): void {
  for (const { entry, left, owned } of repairsIn(parent, parentSpec)) {
    if (onlyOf !== undefined && left.pid !== onlyOf) continue;
    const aside = path.join(parent, entry), target = path.join(parent, left.name);
    withIo(aside, `repair the interrupted write of ${target}`, () => {
      if (!fs.lstatSync(aside).isDirectory()) return; // a file of that name is no swap of ours
      if (left.kind === 'old' && !fs.existsSync(target)) fs.renameSync(aside, target);
      else retire(aside, owned, left.kind === 'old' ? target : undefined);
    });
  }
}

/**
 * The folders of `parent` that recoverFolderSwaps would put back, read without repairing anything (`train --resume
 * --dry-run`, which writes nothing, foretells a resume from a checkpoint that a crash left moved aside): each missing
 * folder's name and the moved-aside folder (.old-NAME-PID) renamed to it.
 */
export function foldersPutBack(parent: string, parentSpec: FolderSpec): Map<string, string> {
  const back = new Map<string, string>();
  for (const { entry, left } of repairsIn(parent, parentSpec)) {
    const aside = path.join(parent, entry);
    if (left.kind !== 'old' || back.has(left.name) || fs.existsSync(path.join(parent, left.name))) continue;
    if (fs.lstatSync(aside, { throwIfNoEntry: false })?.isDirectory()) back.set(left.name, aside);
  }
  return back;
}

/**
 * The leftovers of folder writes in `parent` that recoverFolderSwaps repairs, in its order: those of dead processes (or
 * this one's), of folders `parentSpec` owns.
 */
function repairsIn(parent: string, parentSpec: FolderSpec): Array<{ entry: string; left: Leftover; owned: FolderSpec }> {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return []; // no folder yet: nothing to repair
  }
  // a folder whose name is missing may have more than one moved-aside copy: the one a crash left between the two renames
  // and one that retire kept (the user's files only: .old-NAME-PID beside .old-NAME-PID.1, or another pid's). The one
  // holding what the tool wrote is put back first; the kept one is then retired into it, not put back in its place
  // (which would have the folder's own files deleted as a leftover's)
  const putBack = (entry: string): boolean => {
    const left = parseLeftover(entry), owned = left?.kind === 'old' ? parentSpec(left.name) : null;
    if (owned === null || owned === FILE || fs.existsSync(path.join(parent, left!.name))) return false;
    try {
      return fs.lstatSync(path.join(parent, entry)).isDirectory() && holdsOwnedFile(path.join(parent, entry), owned);
    } catch {
      return false; // judged, and its error said, by the repair
    }
  };
  const first = entries.filter(putBack);
  const out: ReturnType<typeof repairsIn> = [];
  for (const entry of [...first, ...entries.filter((e) => !first.includes(e))]) {
    const left = parseLeftover(entry);
    const owned = left && left.kind !== 'file' ? parentSpec(left.name) : null;
    if (owned === null || owned === FILE) continue;
    if (left!.pid !== process.pid && pidRunning(left!.pid)) continue; // another process is in the middle of its swap
    out.push({ entry, left: left!, owned });
  }
  return out;
}

/**
 * Whether `parent` holds the moved-aside copy (.old-NAME-PID) of its folder `name` of a process that runs: that process
 * is between the two renames of its replacement, the folder missing for a moment (one a dead process left is no swap).
 */
export function swapInProgress(parent: string, name: string): boolean {
  try {
    return fs.readdirSync(parent).some((entry) => {
      const left = parseLeftover(entry);
      return left?.kind === 'old' && left.name === name && pidRunning(left.pid);
    });
  } catch {
    return false; // no folder: nothing is swapped in it
  }
}

/** How long a reader waits for a folder that another process is swapping (swapInProgress): two renames take microseconds. */
const SWAP_WAIT_MS = 1000;
const SWAP_STEP_MS = 10;

/**
 * Whether the folder `target` is there, waiting (up to SWAP_WAIT_MS, in small steps) while it is missing only for the
 * moment of another process's swap of it (a run still training replacing best/): a reader that starts then finds it.
 */
export function awaitSwappedIn(target: string): boolean {
  const parent = path.dirname(target), name = path.basename(target);
  const deadline = performance.now() + SWAP_WAIT_MS;
  while (!fs.existsSync(target)) {
    if (!swapInProgress(parent, name)) return fs.existsSync(target); // the swap may have ended since the look above
    const left = deadline - performance.now();
    if (left <= 0) return false;
    pause(Math.min(SWAP_STEP_MS, left));
  }
  return true;
}

/**
 * Retires what a failed write left at `tmp`, if anything: the write's own error is the one to report, so a failure here is
 * no second error. A folder that stays (EACCES, EROFS), maybe a 7B checkpoint's gigabytes under a hidden name, is a
 * warning naming it and what removes it later (`removedBy`: "train --resume"), as atomic.ts's removeLeftover says of a file;
 * one kept for files in it that the tool did not write is named with them, as retire names it.
 */
export function removeLeftoverFolder(tmp: string, owned: FolderSpec, removedBy: string): void {
  try {
    retire(tmp, owned);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOTDIR' || code === 'ENOENT') return; // nothing was made there (a file on the way)
    const why = ioError(e, tmp, 'remove this temporary folder, left by a failed write');
    warn(`${isUserError(why) ? why.message : String(why)}: ${removedBy} removes it, or remove it yourself`);
  }
}

/** An error that names a file inside the temporary folder `tmp` names it at its final place in `target` instead. */
export function renamed(e: unknown, tmp: string, target: string): unknown {
  if (!(e instanceof UserError) || !(e.where === tmp || e.where?.startsWith(tmp + path.sep))) return e; // not tmp2/ beside it
  return new UserError(e.what, target + e.where.slice(tmp.length));
}
