// What a tool writes in a folder, at every depth (a FolderSpec), and the operations that keep to it so that no
// file of the user's is ever deleted: naming the entries the tool did not write (foreignPaths), deleting only
// those it did (removeOwned), and moving those it did not into the folder that replaces theirs (carryForeign).
// The leftovers of interrupted atomic writes count as the entry they stand for (.tmp-adapter-PID/ as adapter/,
// .config.yaml.PID.N.tmp as config.yaml). An entry of the wrong kind (a folder where the tool writes a file) or
// a symbolic link is never the tool's: it is foreign, and never followed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLeftover } from './leftover-names.ts';

/** A file the tool writes. */
export const FILE = 'file';
/** What a tool writes in one folder: for an entry name, FILE, the spec of a folder it writes there, or null (not its). */
export type FolderSpec = (name: string) => FolderSpec | typeof FILE | null;
type Owner = FolderSpec | typeof FILE | null;

/** A folder of files only: those for which `isFile` holds. */
export function filesSpec(isFile: (name: string) => boolean): FolderSpec {
  return (name) => (isFile(name) ? FILE : null);
}

/** Files of any name and no folder: a folder the tool fills with files it names as it goes (an export). */
export const ANY_FILES: FolderSpec = filesSpec(() => true);

/** What `entry` of a folder of `spec` is to the tool, given what it is on disk (`stat`, not following a link). */
function ownerOf(spec: FolderSpec, entry: string, stat: fs.Stats): Owner {
  const left = parseLeftover(entry);
  const leftOwner = left ? spec(left.name) : null;
  const candidates = [spec(entry), leftOwner !== null && (leftOwner === FILE) === (left!.kind === 'file') ? leftOwner : null];
  return candidates.find((c) => c !== null && (c === FILE ? stat.isFile() : stat.isDirectory())) ?? null;
}

/**
 * An entry of a folder: `raw`, the bytes of a name that is not UTF-8 (a file of another encoding's system), which its
 * `name` shows with U+FFFD and so names no file: it is reached by `raw`'s path (rawPath). None of the tool's names is such.
 */
interface Entry { name: string; path: string; raw?: Buffer; folder: boolean; owner: Owner }

/** The path of `name` in `dir`: a string, or the bytes of a name that is not UTF-8 (Entry.raw). */
function rawPath(dir: string, e: { name: string; raw?: Buffer }): string | Buffer {
  return e.raw === undefined ? path.join(dir, e.name) : Buffer.concat([Buffer.from(dir + path.sep), e.raw]);
}

/**
 * The entries of `dir`, sorted by name, each with what it is to the tool (one that vanished meanwhile is left out). Read as
 * bytes: a name that is not UTF-8 read as a string names nothing, so a user's file so named was left out — not carried
 * into the folder that replaced its own, which stayed behind, hidden (.old-adapter-PID), without a word.
 */
function entriesOf(dir: string, spec: FolderSpec): Entry[] {
  const out: Entry[] = [];
  const names = fs.readdirSync(dir, { encoding: 'buffer' }).map((raw) => {
    const name = raw.toString('utf8');
    return Buffer.from(name, 'utf8').equals(raw) ? { name } : { name, raw };
  });
  for (const n of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const stat = fs.lstatSync(rawPath(dir, n), { throwIfNoEntry: false });
    if (stat) out.push({ ...n, path: path.join(dir, n.name), folder: stat.isDirectory(), owner: n.raw === undefined ? ownerOf(spec, n.name, stat) : null });
  }
  return out;
}

/** How a foreign entry is named: its path relative to the folder looked in, a folder's with a trailing "/" (its contents unnamed). */
const named = (e: Entry): string => (e.folder ? e.name + '/' : e.name);

/** The entries of `dir`, at every depth, that the tool did not write, relative to `dir` and sorted. */
export function foreignPaths(dir: string, spec: FolderSpec): string[] {
  return entriesOf(dir, spec).flatMap((e) => e.owner === null ? [named(e)]
    : e.owner === FILE ? [] : foreignPaths(e.path, e.owner).map((f) => path.join(e.name, f)));
}

/** Whether `dir` holds, at any depth, a file the tool wrote (a folder that retire kept holds only the user's). */
export function holdsOwnedFile(dir: string, spec: FolderSpec): boolean {
  return entriesOf(dir, spec).some((e) => e.owner === FILE || (e.owner !== null && holdsOwnedFile(e.path, e.owner)));
}

/** A folder from which a removal may not delete what it would (unremovableIn): why, and what to do. */
export interface Unremovable { folder: string; why: string; fix: string }

/**
 * The first folder, `dir` or one below it, from which removeOwnedEntries would delete an entry and this process may not
 * (no write or search permission: a folder made read-only; in a sticky folder, chmod +t, an entry of another user's),
 * or null: checked before a removal that must not stop midway.
 */
export function unremovableIn(dir: string, spec: FolderSpec): Unremovable | null {
  const owned = entriesOf(dir, spec).filter((e) => e.owner !== null);
  const why = owned.length > 0 ? whyNotRemovable(dir, owned) : null;
  if (why !== null) return { folder: dir, ...why };
  for (const e of owned) {
    const below = e.owner !== null && e.owner !== FILE && e.folder ? unremovableIn(e.path, e.owner) : null; // a link is never followed (removeOwned)
    if (below !== null) return below;
  }
  return null;
}

/** The sticky bit (S_ISVTX), which Node's fs.constants does not name. */
const STICKY = 0o1000;

/**
 * Why this process may not delete the entries `owned` of folder `dir`, or null: no write and search permission, or the
 * folder sticky (chmod +t, as /tmp), where only an entry's owner, the folder's, or root deletes it.
 */
function whyNotRemovable(dir: string, owned: readonly Entry[]): Omit<Unremovable, 'folder'> | null {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return { why: 'no write permission', fix: 'make the folder writable' };
  }
  const uid = process.geteuid?.();
  if (uid === undefined || uid === 0) return null;
  const folder = fs.statSync(dir);
  if ((folder.mode & STICKY) === 0 || folder.uid === uid) return null;
  const other = owned.find((e) => (fs.lstatSync(e.path, { throwIfNoEntry: false })?.uid ?? uid) !== uid);
  return other === undefined ? null : {
    why: `${named(other)} is another user's, and the folder sticky (chmod +t): only its owner may delete it`, fix: 'take the folder\'s sticky bit off (chmod -t)',
  };
}

/** Deletes what the tool wrote in `dir`, at every depth, keeping `dir` itself; returns the foreign paths kept (foreignPaths). */
export function removeOwnedEntries(dir: string, spec: FolderSpec): string[] {
  return entriesOf(dir, spec).flatMap((e) => {
    if (e.owner === null) return [named(e)];
    if (e.owner === FILE) {
      fs.rmSync(e.path, { force: true });
      return [];
    }
    return removeOwned(e.path, e.owner).map((f) => path.join(e.name, f));
  });
}

/** What removeOwned returns for a `dir` that is no folder of the tool's: a symbolic link (or no folder at all). */
export const NOT_A_FOLDER = '.';

/**
 * Deletes what the tool wrote in `dir`, and `dir` itself when nothing else is left in it; returns the foreign paths
 * kept. A `dir` that is a symbolic link (a checkpoint or a leftover's name pointing elsewhere) is never followed:
 * nothing is deleted, and [NOT_A_FOLDER] is returned.
 */
export function removeOwned(dir: string, spec: FolderSpec): string[] {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [NOT_A_FOLDER];
  const kept = removeOwnedEntries(dir, spec);
  if (kept.length === 0) {
    try {
      fs.rmdirSync(dir); // never deletes contents: an entry made meanwhile keeps the folder
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return kept;
}

/**
 * Moves the entries of `from` that the tool did not write into `to` (the folder that replaces `from`), under the
 * same relative path: at the top, and inside each folder of the tool's that both hold. One whose name `to`
 * already holds stays where it is.
 */
export function carryForeign(from: string, to: string, spec: FolderSpec): void {
  for (const e of entriesOf(from, spec)) {
    const dest = rawPath(to, e);
    const there = fs.lstatSync(dest, { throwIfNoEntry: false });
    if (e.owner === null && !there) fs.renameSync(rawPath(from, e), dest);
    else if (e.owner !== null && e.owner !== FILE && there?.isDirectory()) carryForeign(e.path, path.join(to, e.name), e.owner);
  }
}
