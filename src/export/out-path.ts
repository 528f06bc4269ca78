// Where an export is written, and what one that did not finish leaves there: the folders above --out made for it
// (removed again when it fails), the partial folder inside an empty --out that the export's files move up from (never
// over a file, each file's identity listed first; the named chat templates' folder made anew and its files moved in), and the removal of what an export killed (its process gone) or
// stopped (Ctrl-C: its thread stopped, removeStoppedExport) was writing: only files it can prove it made, as it made them.
// Small on purpose: the CLI's main thread, which only waits for the export's thread, reads it alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publishNew, removeDeadTemps, withIo, writeFileAtomic, writerGone } from '../util/atomic.ts';
import { danglingLinkTarget } from '../util/dangling-link.ts';
import { UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import { recoverFolderSwaps } from '../util/folder-swap.ts';
import { firstMissingFolder, makeFolders, removeMadeFolders as removeMadeFoldersTo } from '../util/made-folders.ts';
import { FILE, removeOwned, type FolderSpec } from '../util/owned-tree.ts';
import { NAMED_TEMPLATES_DIR, NAMED_TEMPLATES_SPEC } from '../tokenizer/named-templates.ts';

/** The folder an export into an existing empty folder is written in, inside it (then the pid). */
export const PARTIAL = '.partial-export-';
/** In the partial folder once the export is whole: the names of its files, moved up into the folder one by one. */
export const MOVING = '.moving';

/** What an export writes: files of any name, and a model folder's named chat templates (named-templates.ts) in their folder. */
export const EXPORT_SPEC: FolderSpec = (name) => (name === NAMED_TEMPLATES_DIR ? NAMED_TEMPLATES_SPEC : FILE);

/**
 * The output `out` as the export writes it, absolute, the one path every step of an export (and its cleanup) uses: `out`
 * with the folders above it that exist resolved (runs/latest/exported, with latest a link to the run, is inside the
 * run), and `out` itself where it exists (elsewhere/link, a link to an empty folder in the run, is written there): the
 * same output by whichever path names it. Resolved as the system resolves the path the export writes (a `..` after a
 * link is the link's target's parent: link/../model.gguf, link to run/sub, is run/model.gguf), not path.resolve's
 * lexical `..`, which took that one for a file beside the link. By the system's realpath, which gives a case-folding
 * file system's own spelling of each name (macOS, Windows), so Runs/X/Merged and runs/x/merged hold one name. A `..`
 * after a folder to be made (missing/../x) or after a file (file/../x) is refused, as the system refuses it (ENOENT,
 * ENOTDIR): path.join folded it away and wrote ./x. `words`: how the refusal names the option (the caller's flags).
 */
export function outputPath(out: string, words?: OptionWords): string {
  if (fs.existsSync(out)) return fs.realpathSync.native(out);
  let dir = path.dirname(out);
  const rest = [path.basename(out)];
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) { // the folders to be made hold nothing yet
    rest.unshift(path.basename(dir));
    dir = path.dirname(dir);
  }
  const up = rest.indexOf('..');
  if (up !== -1) {
    // dir, the last name that exists, is a file, or the first name after it is missing (or dir cannot be entered)
    const folder = fs.statSync(dir).isDirectory();
    const stop = folder && up > 0 && rest[0] !== '.' ? path.join(dir, rest[0]!) : dir;
    const why = !folder ? 'is not a folder' : stop === dir ? 'cannot be entered' : 'does not exist';
    const flag = words ? words.say('out') : 'the output path';
    throw new UserError(`"${stop}" ${why}, so the ".." after it names no folder (no folder is made for it): give ${flag} a path without it`, out);
  }
  return path.join(fs.realpathSync.native(dir), ...rest);
}

/** Where the output at `target` (outputPath) lies against the folder `folder`, by the system's path of each: it 'is' the folder, 'is inside' it, or neither (null). */
export function outputPlace(target: string, folder: string): 'is' | 'is inside' | null {
  const real = fs.existsSync(folder) ? fs.realpathSync.native(folder) : path.resolve(folder);
  const rel = path.relative(real, target);
  if (rel === '') return 'is';
  return rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel) ? 'is inside' : null;
}

/** Whether the output at `target` (outputPath) is the folder `folder` or inside it, by the system's path of each. */
export function outputInside(target: string, folder: string): boolean {
  return outputPlace(target, folder) !== null;
}

/**
 * Refuses the output `out` (at `target`, its outputPath) where it is the folder `folder` or inside it: a folder the
 * export reads, or one another writer replaces whole. Said before anything is written, naming the folder as `what`
 * with `why` ("which the merge reads"), the option as `flag`, and a path to give instead where there is one (`instead`).
 */
export function refuseOutputIn(target: string, folder: string, say: { out: string; what: string; why: string; flag: string; instead?: string }): void {
  const is = outputPlace(target, folder);
  if (is === null) return;
  const instead = say.instead === undefined ? '' : ` (such as ${say.instead})`;
  throw new UserError(`${is} ${say.what} (${folder}), ${say.why}: nothing was written; give ${say.flag} a path outside it${instead}`, say.out);
}

/**
 * Runs `write` with the missing folders above the output `out` (a folder, or GGUF's file) made, as HF's
 * save_pretrained makes them; a failed write leaves none of the folders it made.
 */
export function withOutputParent<T>(out: string, write: () => T): T {
  const parent = path.dirname(outputPath(out));
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

/**
 * The first of the folders above the output `out` that withOutputParent would make (undefined: they all exist); `words`
 * name the option in outputPath's refusal.
 */
export function missingOutputParent(out: string, words?: OptionWords): string | undefined {
  return firstMissingFolder(path.dirname(outputPath(out, words)));
}

/** Removes the folders above `out` made from `first` down, deepest first, each only if still empty. */
export function removeMadeFolders(out: string, first: string | undefined): void {
  removeMadeFoldersTo(path.dirname(outputPath(out)), first);
}

/**
 * Removes what this process's export to `out` was writing when the thread writing it was stopped (Ctrl-C): what
 * the next export would remove as a killed one's — a GGUF file's temporary, the partial folder inside an empty
 * folder given, a new folder's temporary — and the folders above `out` it made (from `first`, missingOutputParent).
 */
export function removeStoppedExport(out: string, first: string | undefined): void {
  const target = outputPath(out);
  removeDeadTemps(target, true);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) removeDeadPartials(target, true);
  recoverFolderSwaps(path.dirname(target), (name) => (name === path.basename(target) ? EXPORT_SPEC : null));
  removeMadeFolders(out, first);
}

/**
 * A file of the export's moved up from its partial folder: its name (in the named templates' folder: "folder/name"),
 * and its identity as written (fileIdentity); or that folder, made anew in the output (id FOLDER).
 */
interface MovedFile {
  name: string;
  id: string;
}
const FOLDER = 'folder';

/**
 * What tells the file at `file` from any other, and from itself changed: its device and inode (kept by a rename or a
 * hard link) with its size and modification time (changed by an edit in place); undefined when it is not a file.
 */
function fileIdentity(file: string): string | undefined {
  const st = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false });
  return st?.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` : undefined;
}

/** What moveUp moves from `partial`: its files, and the named templates' folder followed by the files in it. */
function movesOf(partial: string): MovedFile[] {
  return fs.readdirSync(partial).sort().flatMap((name) => {
    const p = path.join(partial, name);
    if (name !== NAMED_TEMPLATES_DIR || !fs.lstatSync(p).isDirectory()) return [{ name, id: fileIdentity(p) ?? '' }];
    return [{ name, id: FOLDER }, ...fs.readdirSync(p).sort().map((f) => ({ name: `${name}/${f}`, id: fileIdentity(path.join(p, f)) ?? '' }))];
  });
}

/**
 * Moves the files of a whole export in `partial` up into `dir`, never over a file there, not even one that appears
 * during the moves (each is a hard link, which fails where a name is taken, not a rename, which would replace it);
 * the named templates' folder is made there (failing where the name is taken) and its files moved into it so.
 * Their names and identities are written first (MOVING): an export killed between two moves is taken back by the
 * next (removeDeadPartials) for the files it can prove are the ones it moved, as it moved them. On a name taken, the
 * files already moved go (they are this export's) and the error names the file that was there.
 */
export function moveUp(partial: string, dir: string): void {
  const moved = movesOf(partial);
  // the list is the export's own bookkeeping: a failure to write it (no inode left for it) names the output folder, not its name
  try {
    writeFileAtomic(path.join(partial, MOVING), JSON.stringify(moved));
  } catch (e) {
    throw e instanceof UserError ? new UserError(e.what, dir) : e;
  }
  const done: MovedFile[] = [];
  try {
    for (const m of moved) {
      if (m.id === FOLDER) fs.mkdirSync(path.join(dir, m.name));
      else publishNew(path.join(partial, m.name), path.join(dir, m.name));
      done.push(m);
    }
  } catch (e) {
    for (const m of done.reverse()) removeIfMoved(dir, m);
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const taken = moved[done.length]!.name;
    throw new UserError('appeared in the output folder while the export was written: the export is not moved over it', path.join(dir, taken));
  }
  fs.rmSync(path.join(partial, MOVING));
  for (const m of moved) if (m.id === FOLDER) fs.rmdirSync(path.join(partial, m.name));
  fs.rmdirSync(partial);
}

/** Whether `name` is one moveUp lists: a plain name, or one inside the named templates' folder. */
function movableName(name: string): boolean {
  const parts = name.split('/');
  const plain = (p: string): boolean => p !== '' && p !== '.' && p !== '..' && path.basename(p) === p;
  return parts.every(plain) && (parts.length === 1 || (parts.length === 2 && parts[0] === NAMED_TEMPLATES_DIR));
}

/**
 * Removes `dir`/`m.name` if it is the file of the export's that was moved there, unchanged (a file of the user's
 * stays), or the folder it made there, once empty (one the user put a file in stays).
 */
function removeIfMoved(dir: string, m: MovedFile): void {
  if (!movableName(m.name) || m.id === '') return;
  const up = path.join(dir, m.name);
  if (m.id !== FOLDER) {
    if (fileIdentity(up) === m.id) fs.rmSync(up);
    return;
  }
  try {
    if (fs.lstatSync(up, { throwIfNoEntry: false })?.isDirectory()) fs.rmdirSync(up); // never its contents
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * The MOVING list of `partial`: none when there is none, or when it is not ours to read (an older version's, names
 * only: nothing it names can be proved ours).
 */
function movedFiles(partial: string): MovedFile[] {
  const moving = path.join(partial, MOVING);
  if (!fs.lstatSync(moving, { throwIfNoEntry: false })?.isFile()) return [];
  try {
    const list: unknown = JSON.parse(fs.readFileSync(moving, 'utf8'));
    return Array.isArray(list) ? list.filter((m): m is MovedFile => typeof m?.name === 'string' && typeof m?.id === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Removes what an export killed while writing into `dir` left there (its partial folder, its writer gone): the files
 * an export writes, and those it had already moved up into `dir` (named in its MOVING list) that are still the very
 * files it moved, unchanged, so the retry finds the folder as it was; a file edited or replaced since, or a folder of
 * the user's put inside it, is kept, and so the output is then refused as not empty. `stopped`: this process's own
 * partial folder is a stopped export's (atomic.ts writerGone).
 */
export function removeDeadPartials(dir: string, stopped = false): void {
  // an --out that cannot be read (EACCES) is said in one line, not thrown with a stack
  for (const e of withIo(dir, 'read the output folder', () => fs.readdirSync(dir))) {
    const pid = e.startsWith(PARTIAL) ? Number(e.slice(PARTIAL.length)) : NaN;
    const partial = path.join(dir, e);
    if (!Number.isInteger(pid) || !writerGone(pid, partial, stopped)) continue;
    withIo(partial, 'remove the partial export', () => {
      for (const m of movedFiles(partial).reverse()) removeIfMoved(dir, m); // a folder's files before it
      removeOwned(partial, EXPORT_SPEC);
    });
  }
}
