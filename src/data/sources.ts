// The input files of a prepare run: folders expanded (sorted, recursively, hidden names skipped and noted, the output
// folder skipped, symlink loops noted and not followed, a file reached twice through symlinks read once; a
// project's README, LICENSE and the like, the output folders of earlier prepare runs, and training run and
// quickstart folders, and editor or backup copies (data.jsonl~, .bak), skipped and noted),
// each file checked readable and not one of the run's own output files (which would be overwritten), and
// each given a display name for source.file
// that holds no absolute path and no machine-specific folder: the path as given when it is relative and
// inside the working folder, else the shortest tail of the path that tells the inputs apart (so reruns
// from other folders are identical).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { danglingLinkTarget } from '../util/dangling-link.ts';
import { QUICKSTART_LAYOUT, RUN_LAYOUT } from '../run/layout.ts';
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { ioError } from '../util/atomic.ts';
import { kindOf } from '../util/regular-file.ts';
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';
import { interruptedPrepare } from './prepare-pending.ts';
import { PREPARE_REPORT, isPrepareReport } from './prepare-report.ts';
import { nearFileHint } from '../util/near-file.ts';

export type SourceRole = 'input' | 'val' | 'test';
/** The roles in the order the options are listed (--input, --val, --test), as an error names two of them. */
const ROLE_ORDER: readonly SourceRole[] = ['input', 'val', 'test'];

/** The option that gives files of `role`, in the caller's words (--input, --val, --test; options.inputs, …). */
function roleOption(role: SourceRole, words: OptionWords): string {
  return words.say(role === 'input' ? 'inputs' : role);
}

/** By which options a path was given twice, where they differ (`--input x --val x`: which split is it?), else ''. */
function twiceRoles(a: SourceRole, b: SourceRole, words: OptionWords): string {
  const [one, other] = ROLE_ORDER.filter((r) => r === a || r === b);
  return other === undefined ? '' : `, as ${roleOption(one!, words)} and as ${roleOption(other, words)} (give it once, as the split it is to be)`;
}

/** The files prepare writes into --out; none of them may be an input. */
export const OUTPUT_FILES: readonly string[] = ['train.jsonl', 'val.jsonl', 'test.jsonl', 'rejected.jsonl', PREPARE_REPORT];

export interface Source {
  path: string;
  name: string;
  role: SourceRole;
  bytes: number;
  /** Named itself, not found in a folder given. */
  given: boolean;
}

/** One file found under an input: `given` when the user named the file itself (not a folder holding it). */
interface Found {
  path: string;
  role: SourceRole;
  given: boolean;
  /** How a note names it. */
  shown: string;
}

/** Why `p` cannot be read, in words: a symbolic link whose target is gone is named as such, with its target. */
function unreadable(p: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const link = code === 'ENOENT' ? danglingLinkTarget(p) : null;
  if (link !== null) return `a symbolic link to ${link}, which does not exist`;
  if (code === 'ENOENT' && /[*?[]/.test(path.basename(p))) {
    // a quoted pattern, or a shell (cmd.exe) that passes it on as written
    return 'ENOENT (no such file or folder); its name holds a wildcard, which is not expanded here: give the folder (every file in it is read), or the pattern unquoted for the shell to expand';
  }
  return code === 'ENOENT' ? `ENOENT (no such file or folder)${nearFileHint(p)}` : code === 'EACCES' ? 'EACCES (permission denied)'
    : code === 'ELOOP' ? 'ELOOP (a loop of symbolic links: it leads back to itself)' : code ?? (e as Error).message;
}

/**
 * `p`'s stats (symlinks followed), or undefined when there is nothing to read there: a path that does not exist, and a
 * symbolic link in a loop (a → b → a: ELOOP, which throwIfNoEntry does not cover), or one past the system's limit; and
 * a path inside a folder that may not be searched (EACCES: what is there cannot be known, and expand names the folder).
 */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EACCES') return undefined;
    throw e;
  }
}

/** Whether `p` is a symbolic link that leads back to itself (ELOOP): inside a folder, noted and not followed. */
function isLinkLoop(p: string): boolean {
  try {
    fs.statSync(p);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

/**
 * The files under `p`, depth first in sorted order. `ancestors` holds the real paths of the folders being
 * expanded above `p`: a symlink back to one of them is a loop, noted once and not followed.
 */
function expand(p: string, skip: string | null, ancestors: Array<{ real: string; p: string }>, notes: string[], shown: (p: string) => string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new UserError(`cannot read input: ${unreadable(p, e)}`, p);
  }
  if (st.isFile()) return [p];
  if (!st.isDirectory()) throw new UserError('not a file or a folder', p);
  const real = fs.realpathSync(p);
  const loop = ancestors.find((a) => a.real === real);
  if (loop !== undefined) {
    notes.push(`${shown(p)} is a symlink loop (it leads back to ${shown(loop.p)}): not followed`);
    return [];
  }
  const out: string[] = [];
  if (skip !== null && real === skip) throw new UserError('the output folder cannot be an input folder (its files would be read back)', p);
  ancestors.push({ real, p });
  const hidden: string[] = [], projectFiles: string[] = [], backups: string[] = [], systemFiles: string[] = [], specials: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(p).sort();
  } catch (e) {
    // a folder that may not be listed (chmod 000, another user's): one line naming it, not Node's stack trace
    throw new UserError(`cannot read input folder: ${unreadable(p, e)}`, p);
  }
  for (const name of names) {
    if (name.startsWith('.')) {
      hidden.push(name);
      continue;
    }
    const child = path.join(p, name);
    if (skip !== null && realOrResolved(child) === skip) continue; // the output folder inside an input folder
    if (isLinkLoop(child)) {
      notes.push(`${shown(child)} is a symlink loop (it leads back to itself): not followed`);
      continue;
    }
    if (PROJECT_FILE.test(name) && isFile(child)) {
      projectFiles.push(name);
      continue;
    }
    if (BACKUP_FILE.test(name) && isFile(child)) {
      backups.push(name);
      continue;
    }
    if (SYSTEM_FILE.test(name) && isFile(child)) {
      systemFiles.push(name);
      continue;
    }
    const outputs = prepareOutputOf(child);
    if (outputs !== null) {
      notes.push(`${shown(child)} holds the outputs of ${outputs.whose}: not read`);
      continue;
    }
    const made = madeByTool(child);
    if (made !== null) {
      notes.push(`${shown(child)} is ${made}: not read`);
      continue;
    }
    // inside a folder, a FIFO (whose read would block), a socket or a device holds no data: noted, not an error that
    // stops the run (named itself, it is one). A symbolic link to nothing stays an error: the data it stood for is missing
    if (isSpecialFile(child)) {
      specials.push(name);
      continue;
    }
    out.push(...expand(child, skip, ancestors, notes, shown));
  }
  const skipped = (names: string[], why: string, readable = true) => {
    if (names.length > 0) notes.push(`${shown(p) || '.'}: ${namesShown(names)} skipped: ${why}${readable ? ' (name a file to read it)' : ''}`);
  };
  skipped(hidden, 'hidden names, not read as data');
  skipped(projectFiles, "a project's own files, not data");
  skipped(backups, 'editor or backup copies, not data');
  skipped(systemFiles, "the operating system's folder files (Windows' desktop.ini, Thumbs.db), not data");
  skipped(specials, 'neither files nor folders (a FIFO, a socket or a device)', false);
  ancestors.pop();
  return out;
}

/** A folder's skipped names for a note: all of a few, else the first ones and how many in all. */
function namesShown(names: readonly string[]): string {
  return boundedItemsText(names, { shown: 5, total: true, keepEnd: true });
}

/**
 * A folder given itself that the tool wrote is not data: a prepare output (its report.json and rejected.jsonl would be
 * read as records, and as --val its train.jsonl would become the val split) or a run's folder. Inside a given folder
 * such folders are skipped with a note; named directly, the user meant one of their files.
 */
function refuseToolFolder(p: string, role: SourceRole, words: OptionWords): void {
  const flag = roleOption(role, words);
  const outputs = prepareOutputOf(p);
  if (outputs?.killed) {
    throw new UserError(`${flag}: ${p} holds the outputs of ${outputs.whose}, whose splits may mix two runs' records, not data to prepare: run that prepare again`, words.where);
  }
  if (outputs !== null) {
    const files = role === 'input' ? ['train', 'val', 'test'].map((s) => path.join(p, `${s}.jsonl`)).join(' ') : path.join(p, `${role}.jsonl`);
    throw new UserError(`${flag}: ${p} holds the outputs of ${outputs.whose}, not data to prepare: name its files (${flag} ${files})`, words.where);
  }
  const made = madeByTool(p);
  if (made !== null) throw new UserError(`${flag}: ${p} is ${made}, not data to prepare`, words.where);
}

/** No file to read: the folders are empty, or hold only what is not read (the first notes say what). */
function noInputFiles(skipped: string[]): UserError {
  if (skipped.length === 0) return new UserError('no input files (the folders given are empty)');
  return new UserError(`no input files: the folders given hold nothing that is read as data (${notesShown(skipped)}); name the data files or their folder`);
}

/** A folder's first notes (what it holds that is not read), and how many more. */
function notesShown(skipped: readonly string[]): string {
  return boundedItemsText(skipped, { shown: 3, separator: '; ', keepEnd: true });
}

/**
 * A --val or --test folder that holds no data file: its split would be empty (the input is not split into it), which
 * the run said only in a warning. The folder's notes say what it holds that is not read.
 */
function emptySplitFolder(given: { path: string; role: SourceRole }, skipped: string[], words: OptionWords): UserError {
  const flag = roleOption(given.role, words);
  const why = skipped.length === 0 ? '' : ` (${notesShown(skipped)})`;
  return new UserError(`${flag} names a folder that holds no data file${why}, so the ${given.role} split would be empty: name the ${given.role} files, or leave ${flag} out`, given.path);
}

/** An editor's or a tool's copy of a file (Emacs' data.jsonl~, .bak, .orig, Vim's .swp): read, the data would be there twice, as plain text. */
const BACKUP_FILE = /(?:~|\.(?:bak|orig|swp|swo))$/i;

/**
 * Files an operating system leaves in folders, hidden there by an attribute rather than by a leading dot (as macOS'
 * .DS_Store is): Windows Explorer's desktop.ini and thumbnail caches, macOS' custom-icon file `Icon\r`. Copied to
 * another system they are plain names; read, desktop.ini was kept as a text record and Thumbs.db rejected as binary.
 */
const SYSTEM_FILE = /^(?:desktop\.ini|thumbs\.db|ehthumbs(?:_vista)?\.db|Icon\r)$/i;

/** A dataset folder's own files that are not data (a hub repository's card, its licence, where its data came from: this project's examples/data/PROVENANCE.md). */
const PROJECT_FILE = /^(readme|license|licence|copying|notice|changelog|citation|authors|contributing|code_of_conduct|provenance)(\.[a-z0-9]+)?$/i;

function isFile(p: string): boolean {
  return statOf(p)?.isFile() ?? false;
}

/** Whether `p` is there and neither a file nor a folder (a FIFO, a socket, a device); false where it cannot be read (expand says why). */
function isSpecialFile(p: string): boolean {
  try {
    const st = statOf(p);
    return st !== undefined && !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whose outputs `dir` holds, in words, when it is a folder holding a prepare run's: its report.json beside its
 * rejected.jsonl, or beside it what a run killed while it renamed its outputs into place left (prepare-pending.ts's
 * interruptedPrepare; `killed`: splits that may mix two runs, which train and eval refuse to read); else null.
 */
function prepareOutputOf(dir: string): { whose: string; killed: boolean } | null {
  if (statOf(dir)?.isDirectory() !== true || !isFile(path.join(dir, 'rejected.jsonl'))) return null;
  const left = interruptedPrepare(dir);
  if (left !== null) return { whose: `a prepare run killed while it replaced them (its ${left})`, killed: true };
  return isPrepareReport(path.join(dir, PREPARE_REPORT)) ? { whose: `an earlier prepare run (its ${PREPARE_REPORT})`, killed: false } : null;
}

/**
 * What of the tool's `dir` is, by its marker: a training run's folder (its config.yaml, metrics and loss curve would be
 * read as text records, its weights refused as binary) or a quickstart's; else null.
 */
function madeByTool(dir: string): string | null {
  if (statOf(dir)?.isDirectory() !== true) return null;
  if (isFile(path.join(dir, RUN_LAYOUT.marker))) return `a training run's folder (its ${RUN_LAYOUT.marker})`;
  if (isFile(path.join(dir, QUICKSTART_LAYOUT.marker))) return `a quickstart's folder (its ${QUICKSTART_LAYOUT.marker})`;
  return null;
}

/** A path's real path (symlinks followed) when it exists, else its resolved path. */
function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The real paths the run's outputs will have (the folder's real path when it exists already). */
function outputPaths(outDir: string): Set<string> {
  const dir = realOrResolved(outDir); // not created yet: no existing file can be inside it, but a resolved path still compares
  return new Set(OUTPUT_FILES.map((f) => path.join(dir, f)));
}

/**
 * The input files, in order; `outDir` is skipped when it lies inside an input folder. A file reached a
 * second time through a symlink inside an input folder is read once (the repeat goes into `notes`), as is
 * a symlink loop; a file the user names twice, or that is both an evaluation file and an input, is an error.
 */
export function listSources(inputs: readonly { path: string; role: SourceRole }[], outDir?: string, notes: string[] = [], words: OptionWords = FLAG_WORDS): Source[] {
  const found: Found[] = [];
  const notesBefore = notes.length;
  const skip = outDir === undefined ? null : realOrResolved(outDir); // a symlink to an input folder is that folder
  const folders = new Map<string, { path: string; role: SourceRole }>(); // each input folder's real path: the first that named it
  const emptyFolders: string[] = []; // input folders that hold nothing, as named
  for (const i of inputs) {
    if (statOf(i.path)?.isDirectory() === true) {
      // a folder named twice, as a file named twice, is an error: its files were read once with a note that each was
      // "named twice, itself and through its folder", and `--input d --val d` made every record of d a val record
      const real = realOrResolved(i.path), first = folders.get(real);
      if (first !== undefined) throw new UserError(`this folder is given twice${first.path === i.path ? '' : ` (also as ${first.path})`}${twiceRoles(first.role, i.role, words)}`, i.path);
      folders.set(real, i);
    }
    // notes name paths from the input folder's own name down (no machine-specific folder in report.json)
    // a file given itself is named as given when that path is relative and inside the working folder (as source.file
    // names it), not by its base name alone: `x.jsonl is the same file as data/sub/x.jsonl` named another file, ./x.jsonl
    const asGiven = !path.isAbsolute(i.path) && !path.normalize(i.path).startsWith('..') ? path.normalize(i.path).split(path.sep).join('/') : null;
    const shown = (p: string): string => (path.relative(i.path, p) === '' && asGiven !== null ? asGiven
      : [path.basename(path.resolve(i.path)), path.relative(i.path, p)].filter(Boolean).join('/'));
    refuseToolFolder(i.path, i.role, words);
    const notesBeforeThis = notes.length;
    const files = expand(i.path, skip, [], notes, shown);
    if (files.length === 0 && i.role !== 'input') throw emptySplitFolder(i, notes.slice(notesBeforeThis), words);
    // an input folder with nothing in it (a folder named like a data file?), where other inputs give files: said, as an
    // empty file is (no input at all is the error below)
    if (files.length === 0 && notes.length === notesBeforeThis) emptyFolders.push(shown(i.path) || '.');
    const given = files.length === 1 && files[0] === i.path;
    for (const f of files) found.push({ path: f, role: i.role, given, shown: shown(f) });
  }
  if (found.length === 0) throw noInputFiles(notes.slice(notesBefore));
  for (const f of emptyFolders) notes.push(`${f}: an empty folder, no file in it to read`);
  const outputs = outDir === undefined ? new Set<string>() : outputPaths(outDir);
  const seen = new Map<string, Found>();
  const files: Found[] = [];
  for (const f of found) {
    const real = fs.realpathSync(f.path);
    if (outputs.has(real)) {
      throw new UserError(`this input is the output file ${path.basename(real)} of ${words.say('outDir')} ${outDir}, which prepare would overwrite; write the output to another folder`, f.path);
    }
    // the file itself, by its device and inode: a hard link is the same file under another name, as a symlink is. The
    // inode as a bigint: past 2^53 (Lustre's, NFS's, XFS's inode64) a Number rounds neighbouring files' to one
    const st = fs.statSync(real, { bigint: true });
    const same = st.ino === 0n ? real : `${st.dev}:${st.ino}`; // a file system without inodes (FAT) gives 0: by path then
    const first = seen.get(same);
    if (first !== undefined) {
      // a file found in an --input folder and also given as --val or --test (a hub dataset's own test split) is that split
      const specific = f.role !== first.role && (f.role === 'input' || first.role === 'input') && !(f.given && first.given);
      if ((f.given && first.given) || (f.role !== first.role && !specific)) {
        throw new UserError(`this file is given twice${first.path === f.path ? '' : ` (also as ${first.path})`}${twiceRoles(first.role, f.role, words)}`, f.path);
      }
      if (specific) {
        const [split, folder] = f.role === 'input' ? [first, f] : [f, first];
        // a fact, said alike to every caller (report.json's warnings name an option only where they advise setting one)
        notes.push(`${folder.shown} is also given as the ${split.role} file (${split.shown}): read as ${split.role} only`);
        if (split === f) files[files.indexOf(first)] = f;
        seen.set(same, split);
        continue;
      }
      const how = path.resolve(f.path) === path.resolve(first.path) ? 'named again through its folder'
        : real === fs.realpathSync(first.path) ? 'through a symlink' : 'a hard link to it';
      notes.push(f.shown === first.shown ? `${f.shown} is named twice, itself and through its folder: read once` : `${f.shown} is the same file as ${first.shown} (${how}): read once`);
      continue;
    }
    seen.set(same, f);
    try {
      fs.accessSync(f.path, fs.constants.R_OK);
    } catch (e) {
      throw new UserError(`cannot read input: ${unreadable(f.path, e)}`, f.path);
    }
    files.push(f);
  }
  const names = displayNames(files.map((f) => f.path));
  return files.map((f, i) => ({ path: f.path, role: f.role, name: names[i]!, bytes: fs.statSync(f.path).size, given: f.given }));
}

/**
 * The stat of a listed input as its read begins: one gone since the listing (moved, deleted), or no longer a file (a
 * folder or a FIFO put in its place), is a UserError naming it; it stopped the run with fs.statSync's stack trace.
 */
export function statListedSource(file: string): fs.Stats {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch (e) {
    throw ioError(e, file, 'read');
  }
  const what = st === undefined ? 'is gone' : st.isFile() ? null : `is now ${kindOf(st)}, not a file`;
  if (what !== null) throw new UserError(`${what}: it was listed as an input, then moved or changed before prepare read it; put it back and rerun`, file);
  return st!;
}

/**
 * Names for source.file: relative paths inside the working folder as given; others by the shortest tail
 * that no other input shares. Tails are counted per depth in a map, so this is linear in the inputs.
 */
export function displayNames(paths: readonly string[]): string[] {
  const cwd = process.cwd();
  const parts = paths.map((p) => {
    const rel = path.relative(cwd, path.resolve(p));
    const inside = !path.isAbsolute(p) && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    return { inside, rel: rel.split(path.sep).join('/'), segs: path.resolve(p).split(path.sep).filter(Boolean) };
  });
  const names = parts.map((p) => (p.inside ? p.rel : null));
  let pending = parts.flatMap((p, i) => (p.inside ? [] : [i]));
  const depth = Math.max(0, ...parts.map((p) => p.segs.length));
  for (let k = 1; k <= depth && pending.length > 0; k++) {
    const tails = parts.map((p) => p.segs.slice(-k).join('/'));
    const count = new Map<string, number>();
    for (const t of tails) count.set(t, (count.get(t) ?? 0) + 1);
    pending = pending.filter((i) => {
      if (count.get(tails[i]!) !== 1) return true;
      names[i] = tails[i]!;
      return false;
    });
  }
  for (const i of pending) names[i] = parts[i]!.segs.join('/');
  return names as string[];
}
