// The report.json a prepare run writes beside its train/val/test.jsonl, as the other commands read it: one
// reader for "is this folder a prepare output" (sources.ts, prepare.ts), the class list and split counts the
// trainer takes from beside data.train (train/config.ts, load-rows.ts). A report.json that is not a prepare
// run's (another tool's, a run folder's) is never taken for one: it must have the fields prepare writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors.ts';
import type { WrittenFile } from '../util/written-record.ts';
import { readClassNames, type LabelValue } from './labels.ts';

/** prepare's report in --out (a prepare output folder is known by it; not a run folder's report, run/layout.ts). */
export const PREPARE_REPORT = 'report.json';

/** The largest report.json read: a prepare report lists inputs and reasons, never this much. */
const MAX_REPORT_BYTES = 64 << 20;

/** What the readers use of a prepare report. */
export interface PrepareReport {
  /** The report's path. */
  file: string;
  /** Records per split, as written. */
  splits: Partial<Record<'train' | 'val' | 'test', number>>;
  /** The class list in index order (classification), as written (strings or integers); null when absent. */
  labels: unknown[] | null;
  /** The --max-chars the run kept records within (options.max_chars), when the report says it. */
  maxChars: number | null;
  /**
   * The size and SHA-256 of each output as the run wrote it, by name (report.ts's files); null for a report of a version
   * before it recorded them, or whose record is not {bytes, sha256} each.
   */
  files: Record<string, Pick<WrittenFile, 'bytes' | 'sha256'>> | null;
}

/**
 * The prepare report beside a data file (its folder's report.json): the report; `{ file, error }` when a
 * report.json is there that cannot be read or parsed (a caller that needs the class list says so); null
 * when there is none, or it is not a prepare run's.
 */
export function prepareReportBeside(dataFile: string): PrepareReport | { file: string; error: string } | null {
  return readPrepareReport(path.join(path.dirname(dataFile), PREPARE_REPORT));
}

/**
 * The report's class list as the class names they are (readClassNames: "-1" and "007" of a CSV column of words as
 * written, a "None" --labels named a class), or null where it has none; a name that is no class is refused at the report.
 */
export function reportClassNames(report: PrepareReport): LabelValue[] | null {
  if (report.labels === null) return null;
  const read = readClassNames(report.labels.map(String));
  if ('problem' in read) throw new UserError(`"labels": ${read.problem}`, report.file);
  return read.labels;
}

/** The prepare report in folder `dir` (its report.json), as prepareReportBeside reads it. */
export function prepareReportIn(dir: string): PrepareReport | { file: string; error: string } | null {
  return readPrepareReport(path.join(dir, PREPARE_REPORT));
}

/** Whether `file` is the report.json of a prepare run. */
export function isPrepareReport(file: string): boolean {
  const r = readPrepareReport(file);
  return r !== null && !('error' in r);
}

/** `stat()`, or undefined where a file on the path stands for a folder (ENOTDIR): no report is there, as with none at all. */
function noReportThere(stat: () => fs.Stats | undefined): fs.Stats | undefined {
  try {
    return stat();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

function readPrepareReport(file: string): PrepareReport | { file: string; error: string } | null {
  let value: unknown;
  try {
    const stat = noReportThere(() => fs.statSync(file, { throwIfNoEntry: false }));
    if (!stat?.isFile() || stat.size > MAX_REPORT_BYTES) return null;
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { file, error: (e as Error).message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const r = value as Record<string, unknown>;
  const isReport = typeof r.input_records === 'number' && typeof r.kept === 'number' && typeof r.rejected === 'number' &&
    typeof r.splits === 'object' && r.splits !== null && Array.isArray(r.inputs) && typeof r.options === 'object';
  if (!isReport) return null;
  const splits: PrepareReport['splits'] = {};
  for (const split of ['train', 'val', 'test'] as const) {
    const n = (r.splits as Record<string, unknown>)[split];
    if (typeof n === 'number') splits[split] = n;
  }
  const maxChars = (r.options as Record<string, unknown>).max_chars;
  return { file, splits, labels: Array.isArray(r.labels) ? r.labels : null,
    maxChars: typeof maxChars === 'number' && Number.isSafeInteger(maxChars) && maxChars > 0 ? maxChars : null, files: writtenFiles(r.files) };
}

/** A report's files record (name → {bytes, sha256}), or null where there is none or it is not one. */
function writtenFiles(value: unknown): PrepareReport['files'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const files: NonNullable<PrepareReport['files']> = {};
  for (const [name, e] of Object.entries(value)) {
    const f = e as Partial<WrittenFile> | null;
    if (typeof f !== 'object' || f === null || !Number.isSafeInteger(f.bytes) || typeof f.sha256 !== 'string') return null;
    Object.defineProperty(files, name, { value: { bytes: f.bytes!, sha256: f.sha256 }, enumerable: true });
  }
  return files;
}
