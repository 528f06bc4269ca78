// Reads any supported input file as a stream of RawItems, choosing the reader by --format or by the
// file's extension (.jsonl/.ndjson/.jsonlines, .json, .csv, .tsv/.tab; anything else is plain text). Compressed and
// binary containers (.gz, .parquet, …) are refused by extension whatever the format: read as text they
// would become training data made of bytes. JSON and JSON Lines records that are Hugging Face dataset-viewer rows are
// read as their rows (viewer-rows.ts). A CSV or TSV file read as JSON (Lines) is said to be one (notingCsv).
import * as path from 'node:path';
import { UserError, isUserError } from '../../util/errors.ts';
import { boundedItemsText } from '../../util/bounded-json.ts';
import { windows1252Hint } from '../../util/utf8-defects.ts';
import type { OptionWords } from '../../util/option-words.ts';
import { readCsv } from './csv.ts';
import { fieldCount } from './csv-delimiter.ts';
import { readJson, readJsonLinesFile } from './json.ts';
import { pythonReadingNote } from './python-json.ts';
import { readText } from './text.ts';
import { viewerRows } from './viewer-rows.ts';
import { FORMATS, readAs, refuseYamlData, type Format, type RawItem, type ReadOptions } from './types.ts';
import { numberedOnSharedLines } from './record-index.ts';

/** Extensions of containers that are not text, and what to do with them first. */
const BINARY_EXTENSIONS: Record<string, 'decompress' | 'convert'> = {
  '.gz': 'decompress', '.zip': 'decompress', '.bz2': 'decompress', '.xz': 'decompress', '.zst': 'decompress',
  '.tgz': 'decompress', '.tar': 'decompress', '.7z': 'decompress',
  '.parquet': 'convert', '.arrow': 'convert', '.bin': 'convert', '.safetensors': 'convert',
  '.feather': 'convert', '.pkl': 'convert', '.pickle': 'convert', '.npy': 'convert', '.h5': 'convert',
  // spreadsheets and documents: their text sits in a zip or a binary format
  '.xlsx': 'convert', '.xls': 'convert', '.ods': 'convert', '.docx': 'convert', '.doc': 'convert', '.odt': 'convert', '.pdf': 'convert',
};

/** Why `file` is refused by its extension (a container that is not text), else null. */
function containerRefusal(file: string): string | null {
  const container = path.extname(file).toLowerCase();
  const verb = BINARY_EXTENSIONS[container];
  return verb === undefined ? null : `a ${container} file is not text: ${verb} it first (to JSONL, JSON, CSV, TSV or plain text)`;
}

export function formatOf(file: string, override?: Format): Format {
  const refusal = containerRefusal(file);
  if (refusal !== null) throw new UserError(refusal, file);
  if (override) {
    if (!FORMATS.includes(override)) throw new UserError(`unknown format "${override}" (one of ${FORMATS.join(', ')})`);
    return override;
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.jsonlines') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  return 'text';
}

/**
 * formatOf for the one data file a command reads (train's data.*, eval's and classify's --data), a YAML file refused
 * (refuseYamlData). prepare reads a folder's files with formatsOf, noting those read as plain text.
 */
export function dataFileFormat(file: string, override: Format | undefined, opts: Pick<ReadOptions, 'words' | 'formatFlag'> = {}): Format {
  refuseYamlData(file, override, opts);
  return formatOf(file, override);
}

/**
 * formatOf of each file; where several are containers that are not text (a folder holding an .xlsx, a .pdf and a .gz
 * beside its data), the one error names the first and the others, not one a run, each found only once the one before it
 * was moved away. A YAML file among `named`, those named themselves, is refused (refuseYamlData); one found in a folder
 * given (a dataset's metadata) is read as plain text, as prepare notes.
 */
export function formatsOf(files: readonly string[], override?: Format, named: readonly string[] = [], words?: OptionWords): Format[] {
  for (const f of named) refuseYamlData(f, override, { words });
  const refused = files.filter((f) => containerRefusal(f) !== null);
  if (refused.length > 1) {
    const more = refused.slice(1);
    const shown = boundedItemsText(more, { shown: 5, keepEnd: true });
    throw new UserError(`${containerRefusal(refused[0]!)}; ${more.length} more input ${more.length === 1 ? 'file is' : 'files are'} not text either: ${shown}`, refused[0]);
  }
  return files.map((f) => formatOf(f, override));
}

export function readRecords(file: string, format: Format, opts: ReadOptions = {}): Generator<RawItem> {
  return notingCutShort(readAsFormat(file, format, opts), opts);
}

function readAsFormat(file: string, format: Format, opts: ReadOptions): Generator<RawItem> {
  switch (format) {
    // a JSON array saved as .jsonl (HF's load_dataset("json") reads both): its lines are no records
    // records that share a line (a one-line JSON array, a batch on a JSON Lines line) are numbered: record-index.ts
    case 'jsonl': return numberedOnSharedLines(viewerRows(notingPython(notingCsv(readJsonLinesFile(file, opts), 'JSON Lines', opts), opts), opts));
    case 'json': return numberedOnSharedLines(viewerRows(notingPython(notingCsv(readJson(file, opts), 'JSON', opts), opts), opts));
    case 'csv': return numberedOnSharedLines(readCsv(file, ',', opts)); // rows a lone CR ends share a line (lines.ts cutAtLoneCrs)
    case 'tsv': return numberedOnSharedLines(readCsv(file, '\t', opts));
    case 'text': return numberedOnSharedLines(readText(file, opts)); // lines a lone CR ends share a number (lines.ts cutAtLoneCrs)
  }
}

/**
 * The items as they come, noting the one where the file ends inside a UTF-8 character (Rejection.cutShort): a file cut
 * short, said once in the reader's notes, as its one rejection among many says it in rejected.jsonl alone.
 */
function* notingCutShort(items: Generator<RawItem>, opts: ReadOptions): Generator<RawItem> {
  for (const item of items) {
    const e = item.error;
    if (e?.cutShort) {
      opts.onNote?.(`the file ends inside a UTF-8 character: cut short? Its last record (line ${item.line}) is incomplete, rejected as truncated` +
        windows1252Hint(e.latin1, 'the file'));
    }
    yield item;
  }
}

/** The items as they come; once they are all read, a note on those read as Python wrote them (NaN, a str() of a dict). */
function* notingPython(items: Generator<RawItem>, opts: ReadOptions): Generator<RawItem> {
  const n = { 'python-floats': 0, 'python-literal': 0 };
  for (const item of items) {
    if (item.python) n[item.python]++;
    yield item;
  }
  for (const reading of ['python-floats', 'python-literal'] as const) {
    const note = pythonReadingNote(reading, n[reading]);
    if (note) opts.onNote?.(note);
  }
}

/**
 * The items as they come; once they are all read, when none was JSON and the first two lines read as a CSV or TSV
 * header row and a row of as many cells (`text,label`: a CSV file named .jsonl, or read with --format jsonl), what to
 * do, told once to onOtherFormat: each line is rejected with JSON.parse's message alone, which does not say it. (A JSON
 * Lines file read as CSV stops at its header row: csv.ts.)
 */
function* notingCsv(items: Generator<RawItem>, format: 'JSON' | 'JSON Lines', opts: ReadOptions): Generator<RawItem> {
  const first: string[] = []; // the raw text of the first two items, while none was JSON
  let json = false;
  for (const item of items) {
    if (item.error === undefined && !json) {
      json = true;
      first.length = 0; // not held while the rest of the file is read
    }
    if (!json && first.length < 2) first.push(item.raw);
    yield item;
  }
  const [header, row] = first;
  const hint = json || header === undefined || row === undefined ? null : csvHint('no line is JSON, and the first', header, row, format, opts);
  if (hint !== null) opts.onOtherFormat?.(hint);
}

/**
 * For a reader that stops at its first bad record (train's, eval's: load-rows.ts): when `first`, the first item of a
 * file read as `format`, is not JSON, and the next item of `rest` (read only then) is not JSON either, the hint
 * notingCsv gives when those two lines read as a CSV or TSV header row and a row; else null.
 */
export function firstLinesHint(first: RawItem, rest: Iterator<RawItem>, format: Format, opts: Pick<ReadOptions, 'words' | 'formatFlag'> = {}): string | null {
  if (first.error?.reason !== 'invalid_json' || (format !== 'jsonl' && format !== 'json')) return null;
  let row: IteratorResult<RawItem>;
  try {
    row = rest.next();
  } catch (e) {
    if (isUserError(e)) return null; // the second line's own trouble is not the error to show: the first line's is
    throw e;
  }
  if (row.done === true || row.value.error?.reason !== 'invalid_json') return null;
  return csvHint('the first line', first.raw, row.value.raw, format === 'jsonl' ? 'JSON Lines' : 'JSON', opts);
}

/** When `header` and `row` read as a CSV or TSV header row and a row of as many cells: `lead` (header quoted), and what to do. */
function csvHint(lead: string, header: string, row: string, format: 'JSON' | 'JSON Lines', opts: Pick<ReadOptions, 'words' | 'formatFlag'>): string | null {
  const d = headerDelimiter(header, row);
  if (d === null) return null;
  const [kind, ext] = d === '\t' ? (['TSV', 'tsv'] as const) : (['CSV', 'csv'] as const);
  const quoted = JSON.stringify(header.length > 80 ? `${header.slice(0, 80)}…` : header);
  return `${lead} (${quoted}) looks like a ${kind} header row: the file is ${kind}, not ${format}; ` +
    `read it as such (${readAs(ext, opts)})`;
}

/**
 * The delimiter (tab, comma or semicolon: csv.ts sniffs ";") by which `header` is two or more column names (one may be
 * empty: pandas' unnamed index column) holding no JSON brackets or quotes, and `row` as many cells, quotes kept whole;
 * else null.
 */
function headerDelimiter(header: string, row: string): '\t' | ',' | ';' | null {
  for (const d of ['\t', ',', ';'] as const) {
    const names = header.split(d).map((c) => c.trim().replace(/^"(.*)"$/, '$1')); // R's write.csv quotes them
    if (names.length < 2 || names.every((c) => c === '') || names.some((c) => /[{}[\]"]/.test(c))) continue;
    return fieldCount(d, row) === names.length ? d : null;
  }
  return null;
}
