// prepare's --out folder: refused when it holds files named like prepare's outputs that no earlier prepare run
// wrote, or that were changed since it wrote them (unless --overwrite; what each is, is recorded again by the run that
// replaces or leaves it: prepare-pending.ts, report.json's files), made with its parents, and locked (the run lock, named as the --out folder) while one
// prepare writes there: two would mix their splits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioError, withIo } from '../util/atomic.ts';
import { danglingLinkTarget } from '../util/dangling-link.ts';
import { acquireRunLock, releaseOwnLock, type RunLock } from '../train/run-lock.ts';
import { lockTaker } from '../train/lock-command.ts';
import { UserError } from '../util/errors.ts';
import { setOption, type OptionWords } from '../util/option-words.ts';
import { removeOwnTemps, removeStaleTemps } from './out-file.ts';
import { interruptedPrepare, PENDING, readPending, type OutputEntry } from './prepare-pending.ts';
import { PREPARE_REPORT, prepareReportIn } from './prepare-report.ts';
import { OUTPUT_FILES } from './sources.ts';
import { makeFolders } from '../util/made-folders.ts';
import { openRegularFile } from '../util/regular-file.ts';
import { fileSha256, writtenFileChange } from '../util/written-record.ts';

/** A claimed --out: its lock (the caller releases it), and what each output there is, as a prepare run wrote it (vouchedOutputs). */
export interface ClaimedOutDir {
  lock: RunLock;
  vouched: Record<string, OutputEntry>;
}

/**
 * Makes, locks and checks `dir` for one prepare run, and removes the temporaries of the files `temps` names (its outputs,
 * its scratch files) that killed prepare runs left there (out-file.ts removeStaleTemps): once its outputs are judged (an older
 * version's temporary of report.json may say that its run was stopped between its renames: prepare-pending.ts), whether
 * or not the folder is refused then.
 */
export function claimOutDir(dir: string, overwrite: boolean, words: OptionWords, temps: readonly string[] = []): ClaimedOutDir {
  const out = words.say('outDir');
  makeOutDir(dir, out); // made only when missing, where none of the checks below can fail
  refuseFolderOutputs(dir, out);
  // locked before its outputs are read: another run putting its own in place meanwhile would make what is read here
  // stale (its train.jsonl refused as edited, or a run that keeps nothing vouching for the splits it replaced)
  const lock = acquireRunLock(dir, { name: `the ${out} folder`, instead: `give another ${out}`, ...lockTaker(words, 'prepare') });
  try {
    let vouched: Record<string, OutputEntry>;
    try {
      vouched = vouchedOutputs(dir, out, overwrite ? null : setOption(words, 'overwrite'));
    } finally {
      // refused or not, those killed prepares left (prepare's namings of processes gone: another command's write, classify
      // --out DIR/test.jsonl, holds no prepare lock)
      removeStaleTemps(dir, temps);
    }
    return { lock, vouched };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * Removes what this process's prepare, stopped by Ctrl-C or SIGTERM (its thread stopped midway), left in `dir`: its
 * temporary files and its lock. Stopped while it put its outputs in place, its record of them (prepare-pending.ts)
 * stays: the next prepare takes the folder as its own, as after a kill.
 */
export function removeStoppedPrepare(dir: string): void {
  // its outputs' and its record's (.NAME.PID.N.tmp, one naming: out-file.ts, writeFileAtomic), and those of an older
  // version's run of this pid (.NAME.PID.tmp: a container's pid 1 again after a restart)
  removeOwnTemps(dir);
  releaseOwnLock(dir);
}

/**
 * The record in force in `dir` of what prepare wrote there: each output's possible contents, by the record of a run
 * stopped while it put its outputs in place (prepare-pending.ts), else by report.json; 'unchecked' where what was
 * written cannot be told (a report of a version before it recorded its files, or that version's run killed between
 * its renames); `{ file, error }` for a record that cannot be read; null when none is there.
 */
function recordInForce(dir: string): { files: Record<string, OutputEntry[]>; named: string } | 'unchecked' | { file: string; error: string } | null {
  const pending = readPending(dir);
  if (pending !== null) return 'error' in pending ? pending : { files: pending.files, named: PENDING };
  const report = prepareReportIn(dir);
  if (report !== null && !('error' in report)) {
    if (report.files === null) return 'unchecked';
    return { files: Object.fromEntries(Object.entries(report.files).map(([n, e]) => [n, [e]])), named: PREPARE_REPORT };
  }
  if (interruptedPrepare(dir) !== null) return 'unchecked';
  return report;
}

/**
 * What each output in `dir` is, as the record in force says a prepare run wrote it: the outputs a run replaces or
 * leaves are recorded so (prepare-pending.ts, report.json's files). Unless --overwrite (`setOverwrite` null), refuses
 * an output that is not what the last prepare run wrote (a split the user edited since, or put there after: theirs
 * now, and replacing it lost their work), and a folder holding outputs that no prepare run wrote there.
 */
function vouchedOutputs(dir: string, out: string, setOverwrite: string | null): Record<string, OutputEntry> {
  const present = OUTPUT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (present.length === 0) return {};
  const outputs = present.filter((f) => f !== PREPARE_REPORT);
  const record = recordInForce(dir);
  if (record === 'unchecked') return Object.fromEntries(outputs.map((n) => [n, hashOf(path.join(dir, n))]));
  if (record !== null && 'files' in record) {
    const vouched: Record<string, OutputEntry> = {};
    for (const name of outputs) {
      const file = path.join(dir, name);
      const m = matchOf(file, Object.hasOwn(record.files, name) ? record.files[name]! : [], record.named, setOverwrite !== null);
      if ('entry' in m) Object.defineProperty(vouched, name, { value: m.entry, enumerable: true });
      else if (setOverwrite !== null) throw new UserError(`${m.why}, so it may be yours: move it away, or ${setOverwrite} to replace it`, file);
    }
    return vouched;
  }
  if (setOverwrite === null) return {};
  if (record !== null) { // a record there that cannot be read is not "no record": said, with why
    const others = present.filter((f) => f !== path.basename(record.file));
    throw new UserError(`cannot be read (${record.error}), so whether an earlier prepare run wrote ${others.length ? others.join(', ') + ' beside it' : 'it'} ` +
      `cannot be told: fix or remove it, choose another folder, or ${setOverwrite} to replace ${present.length === 1 ? 'it' : 'them'}`, record.file);
  }
  throw new UserError(`${out} already holds ${present.join(', ')}, which no earlier prepare run wrote there (no prepare report.json beside ${present.length === 1 ? 'it' : 'them'}); choose another folder, or ${setOverwrite} to replace ${present.length === 1 ? 'it' : 'them'}`, dir);
}

/** The size and SHA-256 of `file` as it is, read through. */
function hashOf(file: string): OutputEntry {
  const fd = openRegularFile(file);
  try {
    return withIo(file, 'read', () => fileSha256(fd));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Which of `entries`, what the record `named` says the last prepare run wrote at `file` (none: nothing), the file is;
 * else how it differs. Sizes first; the file is hashed only when its size is one recorded, and, unless `hash`, only
 * when that size is more than one entry's (--overwrite: a file recorded as an entry it is not is refused next time).
 */
function matchOf(file: string, entries: readonly OutputEntry[], named: string, hash: boolean): { entry: OutputEntry } | { why: string } {
  if (entries.length === 0) return { why: `the last prepare run did not write it (its ${named} does not list it)` };
  const fd = openRegularFile(file); // a FIFO put at the name is refused, not read (it blocked)
  try {
    return withIo(file, 'read', () => {
      const sized = entries.filter((e) => e.bytes === fs.fstatSync(fd).size);
      const changed = (what: string): { why: string } => ({ why: `changed since the last prepare run wrote it (${what})` });
      if (sized.length === 0) return changed(writtenFileChange(fd, entries[0]!)!);
      if (sized.length === 1) {
        if (!hash) return { entry: sized[0]! };
        const what = writtenFileChange(fd, sized[0]!);
        return what === null ? { entry: sized[0]! } : changed(what);
      }
      const read = fileSha256(fd);
      const entry = sized.find((e) => e.bytes === read.bytes && e.sha256 === read.sha256);
      return entry !== undefined ? { entry } : changed('its SHA-256 is not the one recorded');
    });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Refuses an --out folder where an output's name is taken by something other than a file (a folder named train.jsonl),
 * whatever --overwrite says: prepare replaces files, and its rename onto the first such name would fail only after
 * the outputs before it were put in place, a new rejected.jsonl beside no report.json.
 */
function refuseFolderOutputs(dir: string, out: string): void {
  for (const f of OUTPUT_FILES) {
    const st = fs.lstatSync(path.join(dir, f), { throwIfNoEntry: false });
    if (st !== undefined && !st.isFile() && !st.isSymbolicLink()) {
      throw new UserError(`${out} holds ${st.isDirectory() ? 'a folder' : 'something other than a file'} named ${f}, where prepare writes its ${f}: move it, or choose another ${out}`, dir);
    }
  }
}

/** Creates --out (and its parents); a path that is a file, or cannot be created, stops the run. */
function makeOutDir(dir: string, out: string): void {
  try {
    makeFolders(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const link = danglingLinkTarget(dir);
    if (link === null && code !== 'EEXIST' && code !== 'ENOTDIR') throw ioError(e, dir, `create the output folder ${out}`); // in words, as other writes say it
    const why = link !== null ? `it is a symbolic link to ${link}, which does not exist: create that folder, or give another ${out}`
      : `it (or a folder above it) is a file, not a folder: give ${out} a folder's path (one that does not exist is made)`;
    throw new UserError(`cannot create the output folder ${out}: ${why}`, dir);
  }
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${out} names a file, not a folder: give ${out} a folder's path (one that does not exist is made)`, dir);
}
