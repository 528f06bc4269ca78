// What every input reader yields: one item per input record (the counting rule of docs/data.md), with
// the physical line where it starts, its raw text (for rejected.jsonl), and the parsed value or the
// reason it could not be parsed (a record any of whose lines is not UTF-8 text is never parsed).
import * as fs from 'node:fs';
import type { LineDefect } from '../../util/utf8-defects.ts';
import { UserError } from '../../util/errors.ts';
import { FLAG_WORDS, optionIs, type OptionWords } from '../../util/option-words.ts';
import type { Rejection } from '../record.ts';
import type { JsonReading } from './python-json.ts';

export interface RawItem {
  /** 1-based physical line where the record starts. */
  line: number;
  /** Where other records start on its line too (a one-line JSON array): its 1-based place among the file's records (record-index.ts). */
  record?: number;
  /** The record's text as it was in the file (prepare clips it to 4 KB in rejected.jsonl). */
  raw: string;
  /** The parsed value, when parsing succeeded. */
  value?: unknown;
  /** Why the record could not be parsed (invalid_json, invalid_csv, bad_columns, invalid_utf8, binary). */
  error?: Rejection;
  /**
   * Classification: the label is a cell of a CSV column pandas reads as text (label-column.ts), so that it is the class
   * it spells ("007" stays "007", not the class 7), as HF datasets' csv loader keeps it (labels.ts textColumnReading).
   */
  labelAsText?: true;
  /**
   * With `error`: the line the reader goes on from when the record's lines after its first are read again as rows
   * (a CSV quoted field that never closes: a stray quote). What that means is the caller's to say: prepare rejects
   * the one line and reads on; a reader that stops at the first error (train, eval, classify) does not.
   */
  readsOnFrom?: number;
  /**
   * A JSON file's one object that was read as a record though members of it are lists of records (json-layout.ts
   * recordListsNote): what to say when it is no record after all, instead of taking a dataset for one rejected record.
   */
  recordLists?: string;
  /**
   * A JSON file's one object that was read as a record though its one list is empty (`{"data": []}`, json-layout.ts
   * emptyListNote): what to say when it is no record after all — the file holds no records, as an empty file holds none.
   */
  noRecords?: string;
  /**
   * A JSON file's one object read as a record by its text key though lists of it hold records (json-layout.ts
   * recordListsNote with its text key): said with the record's rejection, for the lists' records are not read.
   */
  unreadLists?: string;
  /**
   * JSON Lines: read while a line holding only "[" is open (no "]" line has closed it yet). A "[" that none closes is
   * rejected at the end of the file, after the items read since: prepare holds their rejections to write them in line order.
   */
  inOpenArray?: true;
  /** How Python wrote it, when that is not JSON (python-json.ts): NaN or Infinity in JSON, or a Python literal. */
  python?: Exclude<JsonReading, 'json'>;
}

/** Where a record is, as reports and errors say it: `FILE:LINE`, and `(record N)` where its line holds others (RawItem.record). */
export function recordPlace(file: string, at: RecordAt): string {
  return at.record === undefined ? `${file}:${at.line}` : `${file}:${at.line} (record ${at.record})`;
}

/** A record's place in its file, as an error names it beside another's: its line, and its place where the line holds others (a one-line JSON array). */
export function recordLine(at: RecordAt): string {
  return at.record === undefined ? `line ${at.line}` : `line ${at.line} (record ${at.record})`;
}

/** A record's line, and its place in the file where the line holds others (RawItem.record). */
export interface RecordAt {
  line: number;
  record?: number;
}

/** The place of `item`, as a record's `source` in the outputs holds it (with the file). */
export function recordAt(item: RecordAt): RecordAt {
  return item.record === undefined ? { line: item.line } : { line: item.line, record: item.record };
}

/**
 * Said of a NUL byte on a line whose NULs fall at every other byte (LineDefect.everyOtherNul): a short UTF-16 file
 * without a byte-order mark, too short for notUtf8Text to tell from data, reads so; or of a file of one line that
 * reads as Chinese, Japanese or Korean text in one UTF-16 byte order (LineDefect.readsAs), a NUL byte among its
 * characters (一 is 00 4E).
 */
const UTF16_HINT = ' — or UTF-16 text without a byte-order mark, as its NUL bytes fall at every other byte: then convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8 FILE > FILE.utf8, or -f UTF-16BE)';
const utf16Hint = (order: string): string => ` — or ${order} text without a byte-order mark, as it reads as Chinese, Japanese or Korean text so: then convert it to UTF-8 first (iconv -f ${order} -t UTF-8 FILE > FILE.utf8)`;

/** The rejection of a record that holds a line whose bytes are not UTF-8 text (see readLines), with the encodings it reads as. */
export function defectRejection(d: LineDefect, line: number): Rejection {
  const readsAs = d.readsAs === undefined ? {} : { readsAs: d.readsAs };
  if (d.cutShort) return { reason: 'truncated', detail: d.detail!, cutShort: true, ...(d.latin1 === undefined ? {} : { latin1: d.latin1 }) }; // the file ends inside a character: no other encoding
  if (d.detail !== undefined) return { reason: d.kind, detail: d.detail, ...readsAs };
  if (d.kind === 'invalid_utf8') return { reason: 'invalid_utf8', detail: `invalid UTF-8 at byte ${d.byte} of line ${line}`, ...readsAs };
  const utf16 = d.readsAs?.length === 1 && d.readsAs[0]!.startsWith('UTF-16') ? utf16Hint(d.readsAs[0]!) : d.everyOtherNul ? UTF16_HINT : '';
  return { reason: 'binary', detail: `a NUL byte at byte ${d.byte} of line ${line}: binary data, not text${utf16}`, ...readsAs };
}

/**
 * The rejection of a record of several lines, given the one so far and the next line's defect: the first line's, but a
 * NUL byte on a later line makes an invalid_utf8 record binary, as lineDefect reports a NUL first within a line ("binary"
 * says more: a PNG's first line holds a byte that is not UTF-8, its NULs come after, and no iconv makes text of it).
 */
export function recordDefect(sofar: Rejection | undefined, d: LineDefect | undefined, line: number): Rejection | undefined {
  if (d === undefined) return sofar;
  return sofar === undefined || (d.kind === 'binary' && sofar.reason === 'invalid_utf8') ? defectRejection(d, line) : sofar;
}

export type Format = 'jsonl' | 'json' | 'csv' | 'tsv' | 'text';
/**
 * The most characters a reader reads again, all together in one file, after records that a bracket left open:
 * json-array.ts's elements below a "[" not closed, jsonl.ts's lines below a "{" line not closed (a file of many such
 * records, each read again to the end, would take time in proportion to their number times the file).
 */
export const REPLAY_LIMIT = 1 << 26;

export const FORMATS: readonly Format[] = ['jsonl', 'json', 'csv', 'tsv', 'text'];

/**
 * Refuses a YAML file (.yaml, .yml) as the one data file a command reads, unless `format` is given: most likely a training
 * config given in the data's place, which was scored as one plain-text example. Here, beside the formats, so that the
 * commands' flag parsers check it before a backend starts.
 */
export function refuseYamlData(file: string, format: Format | undefined, opts: Pick<ReadOptions, 'words' | 'formatFlag'> = {}): void {
  const ext = /\.ya?ml$/i.exec(file)?.[0].toLowerCase();
  if (format !== undefined || ext === undefined) return;
  // JSON Lines saved as .yaml: "--format text" would make its records one example
  if (firstLineIsJsonObject(file)) throw new UserError(`a ${ext} file whose first line is a JSON object: JSON Lines? read it as such (${readAs('jsonl', opts)})`, file);
  const option = opts.formatFlag === false ? '' : ` (or ${optionIs(opts.words ?? FLAG_WORDS, 'format', 'text')} to read it as plain text)`;
  throw new UserError(`a ${ext} file is YAML (a training config?), not data: give a JSON Lines, JSON, CSV, TSV or plain-text file of records${option}`, file);
}

/** Whether the first non-blank line of `file` (read in its first 64 KiB) is a JSON object; false where it cannot be read. */
function firstLineIsJsonObject(file: string): boolean {
  let fd: number | undefined;
  try {
    if (fs.statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return false; // a FIFO's open would wait for a writer
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(1 << 16), n = fs.readSync(fd, buf, 0, buf.length, 0);
    const lines = buf.toString('utf8', 0, n).split(/\r\n|\r|\n/);
    const k = lines.findIndex((l) => l.trim() !== '');
    if (k < 0) return false;
    const line = lines[k]!.replace(/^\uFEFF/, '');
    // a first record longer than the window (a long document) is cut: its start says it, a quoted key ({"text": …),
    // which a YAML flow mapping ({model: m}) does not have
    if (k === lines.length - 1 && n === buf.length) return /^\s*\{\s*"/.test(line);
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** How plain text is cut into records: the whole file, each block of non-blank lines, or each non-blank line. */
export type TextSplit = 'file' | 'blank-lines' | 'lines';
export const TEXT_SPLITS: readonly TextSplit[] = ['file', 'blank-lines', 'lines'];

export interface ReadOptions {
  /** Plain text: one record per file ('file', default), per blank-line-separated block, or per non-blank line. */
  textSplit?: TextSplit;
  /** The field name that plain-text records are stored under (the remapped "text"). */
  textField?: string;
  /** JSON records whose text is longer than this are rejected as too_long without being parsed. */
  maxRawChars?: number;
  /** The most characters read again after records a bracket left open, all together (default REPLAY_LIMIT; jsonl.ts). */
  replayChars?: number;
  /** Called with the approximate number of bytes consumed, for progress bars. */
  onBytes?: (n: number) => void;
  /** Called with a note on how the file was read (a CSV read with `;` as its delimiter), for the report's warnings. */
  onNote?: (note: string) => void;
  /**
   * Called once a file is read, when it looks written in another format than it was read as (a CSV file read as JSON
   * Lines, every line rejected as invalid_json): what to do. prepare says it in the warnings and in the error of a run
   * that keeps nothing, where each record's rejection does not.
   */
  onOtherFormat?: (hint: string) => void;
  /** Called with the key of the one list a JSON object wraps its records under (`{"test": [...]}`: prepare warns of an evaluation split's). */
  onWrapped?: (key: string) => void;
  /** false where the command reading the file has no --format (train's data files): its notes say only to rename. */
  formatFlag?: boolean;
  /**
   * How a note or a rejection names the options of prepare it points to (maxChars, format, val/test): the caller's
   * words, `options.maxChars` for a library call; the CLI's flags (--max-chars) when not given.
   */
  words?: OptionWords;
}

/** What a record's length limit is said as: "any record within --max-chars" (options.maxChars), in the caller's words. */
export function withinMaxChars(opts: Pick<ReadOptions, 'words'>): string {
  return `any record within ${(opts.words ?? FLAG_WORDS).say('maxChars')}`;
}

/**
 * How to read a file as `format` (the file is in it, though named or read as another): a name with its extension, or,
 * where the caller has a format option (formatFlag), that option set so (--format jsonl, options.format 'jsonl').
 */
export function readAs(format: Format, opts: Pick<ReadOptions, 'words' | 'formatFlag'>): string {
  return `a .${format} name${opts.formatFlag === false ? '' : `, or ${optionIs(opts.words ?? FLAG_WORDS, 'format', format)}`}`;
}
