// prepare's --out folder: refused when it holds files named like prepare's outputs that no earlier prepare run
// wrote, or that were changed since it wrote them (unless --overwrite), made with its parents, and locked (the run lock, named as the --out folder) while one
// prepare writes there: two would mix their splits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioError, withIo } from '../util/atomic.ts';
import { danglingLinkTarget } from '../util/dangling-link.ts';
import { acquireRunLock, releaseOwnLock, type RunLock } from '../train/run-lock.ts';
import { UserError } from '../util/errors.ts';
import { setOption, type OptionWords } from '../util/option-words.ts';
import { deadTempOf, removeOwnTemps, tempOf } from './out-file.ts';
import { PREPARE_REPORT, prepareReportIn } from './prepare-report.ts';
import { OUTPUT_FILES } from './sources.ts';
import { makeFolders } from '../util/made-folders.ts';
import { openRegularFile } from '../util/regular-file.ts';
import { fileSha256, writtenFileChange, type WrittenFile } from '../util/written-record.ts';

/** Checks, makes and locks `dir` for one prepare run; the caller releases the lock. */
export function claimOutDir(dir: string, overwrite: boolean, words: OptionWords): RunLock {
  const out = words.say('outDir');
  makeOutDir(dir, out); // made only when missing, where none of the checks below can fail
  refuseFolderOutputs(dir, out);
  if (!overwrite) checkOutDir(dir, out, setOption(words, 'overwrite'));
  return acquireRunLock(dir, { name: `the ${out} folder`, instead: `give another ${out}` });
}

/**
 * The report.json temporary that a prepare run killed while it put its outputs in place left in `dir`, or null. prepare
 * removes the old report.json before its renames and puts the new one last, so such a folder holds no report.json and
 * may hold new splits beside old ones: the next prepare takes it as its own, and nothing reads its data meanwhile.
 */
export function interruptedPrepare(dir: string): string | null {
  return deadTempOf(dir, PREPARE_REPORT);
}

/**
 * Removes what this process's prepare, stopped by Ctrl-C or SIGTERM (its thread stopped midway), left in `dir`: its
 * temporary files and its lock. Stopped while it put its outputs in place (the old report.json removed, the new one's
 * temporary written), the report's temporary stays: it marks the folder as an interrupted prepare's (interruptedPrepare),
 * which the next prepare takes as its own, as after a kill.
 */
export function removeStoppedPrepare(dir: string): void {
  const report = path.join(dir, PREPARE_REPORT);
  const placing = !fs.existsSync(report) && (fs.statSync(tempOf(report, process.pid), { throwIfNoEntry: false })?.size ?? 0) > 0;
  removeOwnTemps(dir, (name) => placing && name === PREPARE_REPORT);
  releaseOwnLock(dir);
}

/**
 * Refuses an --out folder that holds files named like prepare's outputs unless an earlier prepare run
 * wrote them (its report.json is beside them, or the temporary of one it was killed before putting in place)
 * and they are still what it wrote: prepare replaces only what it made itself.
 */
function checkOutDir(dir: string, out: string, setOverwrite: string): void {
  const present = OUTPUT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (present.length === 0) return;
  const report = prepareReportIn(dir);
  if (report !== null && !('error' in report)) return refuseChanged(dir, report.files, present, setOverwrite);
  if (interruptedPrepare(dir) !== null) return; // the new report's temporary records the new files, not the old ones beside them
  if (report !== null) { // a report.json there that cannot be read is not "no report": said, with why
    const others = present.filter((f) => f !== PREPARE_REPORT);
    throw new UserError(`cannot be read (${report.error}), so whether an earlier prepare run wrote ${others.length ? others.join(', ') + ' beside it' : 'it'} ` +
      `cannot be told: fix or remove it, choose another folder, or ${setOverwrite} to replace ${present.length === 1 ? 'it' : 'them'}`, report.file);
  }
  throw new UserError(`${out} already holds ${present.join(', ')}, which no earlier prepare run wrote there (no prepare report.json beside ${present.length === 1 ? 'it' : 'them'}); choose another folder, or ${setOverwrite} to replace ${present.length === 1 ? 'it' : 'them'}`, dir);
}

/**
 * What the report.json in `dir` records writing of the outputs `names` that are there (their size and SHA-256): a run
 * that keeps nothing leaves the earlier run's splits in place, and its report records them as that run's did. A report
 * of a version before the record vouched for its files (refuseChanged): they are recorded as they are now, hashed once.
 */
export function recordedOutputs(dir: string, names: readonly string[]): Record<string, Pick<WrittenFile, 'bytes' | 'sha256'>> {
  const report = prepareReportIn(dir);
  if (report === null || 'error' in report) return {};
  const recorded = (name: string): Pick<WrittenFile, 'bytes' | 'sha256'> | null => {
    const file = path.join(dir, name);
    if (report.files !== null) return Object.hasOwn(report.files, name) ? report.files[name]! : null;
    if (!fs.existsSync(file)) return null;
    const fd = openRegularFile(file);
    try {
      return withIo(file, 'read', () => fileSha256(fd));
    } finally {
      fs.closeSync(fd);
    }
  };
  return Object.fromEntries(names.flatMap((n) => {
    const r = recorded(n);
    return r === null ? [] : [[n, r]];
  }));
}

/**
 * Refuses an output among `present` that is not what the last prepare run wrote, by the size and SHA-256 its report.json
 * records of each (`files`): a split the user edited since, or put there after, is theirs now, and replacing it lost
 * their work. Sizes first; a file hashed only when its size is the one recorded. A report of a version before it
 * recorded them (`files` null) vouches for its folder's files as it did: what was written there cannot be told.
 */
function refuseChanged(dir: string, files: Record<string, Pick<WrittenFile, 'bytes' | 'sha256'>> | null, present: readonly string[], setOverwrite: string): void {
  if (files === null) return;
  for (const name of present) {
    if (name === PREPARE_REPORT) continue;
    const file = path.join(dir, name);
    const why = changeFrom(file, Object.hasOwn(files, name) ? files[name]! : null);
    if (why !== null) throw new UserError(`${why}, so it may be yours: move it away, or ${setOverwrite} to replace it`, file);
  }
}

/** How `file` differs from `entry`, what the last prepare run recorded writing there (null: nothing), or null when it is that. */
function changeFrom(file: string, entry: Pick<WrittenFile, 'bytes' | 'sha256'> | null): string | null {
  if (entry === null) return `the last prepare run did not write it (its ${PREPARE_REPORT} does not list it)`;
  const fd = openRegularFile(file); // a FIFO put at the name is refused, not read (it blocked)
  try {
    const what = withIo(file, 'read', () => writtenFileChange(fd, entry));
    return what === null ? null : `changed since the last prepare run wrote it (${what})`;
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
    const why = link !== null ? `it is a symbolic link to ${link}, which does not exist` : 'it (or a folder above it) is a file, not a folder';
    throw new UserError(`cannot create the output folder ${out}: ${why}`, dir);
  }
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${out} names a file, not a folder`, dir);
}
