// The write-ahead record of a prepare run putting its outputs in place: .prepare-pending.json in --out, written before
// the first output is renamed into place and removed after the last. For each output it lists what the file of that
// name may be while the renames go on: what was there (as the record in force vouched for it) and what replaces it.
// A run killed between two renames leaves a folder whose outputs mix two runs; the record vouches for each of them, so
// the next prepare takes every file as its own (and refuses one edited since), and while it is there train and eval
// refuse to read the mixed splits (interruptedPrepare). Before it, the old report.json was the only record, and it
// was removed before the renames: the old files' sizes and SHA-256 were lost, and a later run refused the tool's own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, withIo, writeFileAtomic } from '../util/atomic.ts';
import type { WrittenFile } from '../util/written-record.ts';
import { olderKilledRenaming, type OutFile } from './out-file.ts';
import { PREPARE_REPORT } from './prepare-report.ts';

/** The record's name in --out (hidden: a folder read as input skips it). */
export const PENDING = '.prepare-pending.json';

/** What a record says of one output: its size and SHA-256. */
export type OutputEntry = Pick<WrittenFile, 'bytes' | 'sha256'>;

/** The largest record read: a few entries per output, never this much. */
const MAX_PENDING_BYTES = 1 << 20;

/** The record in `dir`: each output's possible contents; `{ file, error }` when it cannot be read; null when there is none. */
export function readPending(dir: string): { files: Record<string, OutputEntry[]> } | { file: string; error: string } | null {
  const file = path.join(dir, PENDING);
  let value: unknown;
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return null;
    if (!st.isFile() || st.size > MAX_PENDING_BYTES) return { file, error: st.isFile() ? `${st.size} bytes` : 'not a file' };
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { file, error: (e as Error).message };
  }
  const r = value as { version?: unknown; files?: unknown } | null;
  if (typeof r !== 'object' || r === null || r.version !== 1 || typeof r.files !== 'object' || r.files === null || Array.isArray(r.files)) {
    return { file, error: 'not {version: 1, files}' };
  }
  const files: Record<string, OutputEntry[]> = {};
  for (const [name, list] of Object.entries(r.files)) {
    const ok = Array.isArray(list) && list.every((e: Partial<OutputEntry> | null) => typeof e === 'object' && e !== null && Number.isSafeInteger(e.bytes) && typeof e.sha256 === 'string');
    if (!ok) return { file, error: `the entry of ${name} is not a list of {bytes, sha256}` };
    Object.defineProperty(files, name, { value: (list as OutputEntry[]).map((e) => ({ bytes: e.bytes, sha256: e.sha256 })), enumerable: true });
  }
  return { files };
}

/**
 * What says that a prepare run was stopped while it put its outputs in place in `dir` (its splits may mix two runs'
 * records), in words naming the file left, or null. The record (PENDING), or from a version before it: the temporary
 * of the new report.json beside no report.json (that version removed the old one before its renames), its
 * rejected.jsonl renamed (out-file.ts's olderKilledRenaming). A temporary of report.json alone says nothing: every
 * prepare writes it from its start, and a run killed before its renames (a fresh --out, or one whose files were the
 * user's: --overwrite) leaves it beside no report.json, with nothing replaced.
 */
export function interruptedPrepare(dir: string): string | null {
  if (fs.existsSync(path.join(dir, PENDING))) return `${PENDING} is left`;
  if (fs.existsSync(path.join(dir, PREPARE_REPORT))) return null;
  const temp = olderKilledRenaming(dir, PREPARE_REPORT, 'rejected.jsonl');
  return temp === null ? null : `${temp} is left, ${PREPARE_REPORT} is not there`;
}

/**
 * Puts the finished outputs `outs` in place in `dir`, report.json last: the record first (each output's entry in
 * `vouched`, what the file there now is, and the new file's), then the old report.json removed (a folder that will not
 * let it go, another user's in a sticky folder, stops the run before any output is replaced), the renames, and the
 * record removed.
 */
export function placeOutputs(dir: string, outs: readonly OutFile[], vouched: Readonly<Record<string, OutputEntry>>): void {
  const files: Record<string, OutputEntry[]> = {};
  const add = (name: string, e: OutputEntry): void => {
    const list = Object.hasOwn(files, name) ? files[name]! : [];
    if (!list.some((x) => x.bytes === e.bytes && x.sha256 === e.sha256)) list.push(e);
    Object.defineProperty(files, name, { value: list, enumerable: true, writable: true, configurable: true });
  };
  for (const [name, e] of Object.entries(vouched)) add(name, e);
  for (const f of outs) {
    const name = path.basename(f.target);
    if (name !== PREPARE_REPORT) add(name, f.written());
  }
  const record = path.join(dir, PENDING);
  writeFileAtomic(record, JSON.stringify({ version: 1, files }, null, 1) + '\n');
  const oldReport = path.join(dir, PREPARE_REPORT);
  try {
    withIo(oldReport, 'remove', () => removeFile(oldReport));
  } catch (e) {
    // nothing replaced yet: the folder is as the last run left it, and train may read it (the error said is the removal's)
    try {
      fs.rmSync(record, { force: true });
    } catch {
      // a folder made read-only: the record stays, vouching for the files as they are, for the next prepare
    }
    throw e;
  }
  for (const f of outs) f.rename();
  withIo(record, 'remove', () => removeFile(record));
  fsyncDir(dir);
}

/**
 * Removes `file` where it is there. Node's rmSync, denied the unlink of a file (EPERM: another user's report.json in a
 * sticky folder such as /tmp), tries it as a folder and throws that attempt's ENOTDIR ("a path component is not a
 * folder", which names no cause); the unlink's own error says why.
 */
function removeFile(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    fs.unlinkSync(file);
  }
}
