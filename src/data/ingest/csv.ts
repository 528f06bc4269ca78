// CSV (RFC 4180) and TSV: the first row is the header; every later row is one record whose line is
// where the row starts. Quoted fields may hold delimiters, doubled quotes and newlines. Blank lines
// between rows are skipped. A row whose field count differs from the header's is `bad_columns`; a
// malformed row (a stray quote, text after a closing quote) is `invalid_csv`; a row any of whose lines is
// not UTF-8 text is `invalid_utf8` or `binary`, whatever else is wrong with it.
// A quoted field is bounded: one that is still open after QUOTED_LIMIT lines or bytes, or at the end of
// the file, is taken for a stray quote. Only its starting line is rejected (invalid_csv, naming the line
// span and size), and reading resumes at the next line, so one stray quote never swallows the file.
import { UserError } from '../../util/errors.ts';
import { readLines, type Line } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { defectRejection, type RawItem, type ReadOptions } from './types.ts';

/** Raw text kept per row (prepare clips it further for rejected.jsonl). */
const RAW_LIMIT = 1 << 16;

/** How far a quoted field may run before it is taken for a stray quote. */
export const QUOTED_LIMIT = { lines: 10_000, bytes: 8 << 20 };

interface Row {
  line: number;
  fields: string[];
  raw: string;
  error?: string;
  /** The first line of the row whose bytes are not UTF-8 text. */
  defect?: Rejection;
}

/** Streams the rows of a delimited file, with the line where each starts. */
export function* readCsvRows(file: string, delimiter: string, onBytes?: (n: number) => void, limit = QUOTED_LIMIT): Generator<Row> {
  const d = delimiter.charCodeAt(0);
  const source = readLines(file)[Symbol.iterator]();
  let replay: Line[] = []; // lines to read again after a runaway quoted field was cut off
  let replayAt = 0;
  const next = (): Line | undefined => {
    if (replayAt < replay.length) return replay[replayAt++];
    const r = source.next();
    if (r.done) return undefined;
    onBytes?.(Buffer.byteLength(r.value.text) + 1);
    return r.value;
  };
  let fields: string[] = [];
  let field = '';
  let inQuotes = false, afterQuote = false;
  let startLine = 0, quotedField = 0;
  let rowLines: Line[] = []; // the lines of a row that is being parsed character by character
  let rowBytes = 0;
  let error: string | undefined;
  let defect: Rejection | undefined;
  for (;;) {
    const ln = next();
    if (ln === undefined && !inQuotes) break;
    if (inQuotes && (ln === undefined || rowLines.length >= limit.lines || rowBytes >= limit.bytes)) {
      // a runaway quoted field: reject its first line only, and read the lines after it again
      const last = rowLines[rowLines.length - 1]!.lineNo;
      const where = ln === undefined ? 'before the end of the file' : `within ${limit.lines} lines or ${limit.bytes} bytes`;
      const first = rowLines[0]!;
      yield {
        line: startLine, fields: [], raw: first.text.slice(0, RAW_LIMIT), defect: first.defect && defectRejection(first.defect, first.lineNo),
        error: `a quoted field (field ${quotedField}) opened on line ${startLine} is not closed ${where} (it runs over lines ${startLine}–${last}, ${rowBytes} bytes): a stray quote? Only line ${startLine} is rejected; reading resumes at line ${startLine + 1}`,
      };
      replay = [...rowLines.slice(1), ...(ln === undefined ? [] : [ln]), ...replay.slice(replayAt)];
      replayAt = 0;
      inQuotes = false;
      continue;
    }
    const { text, lineNo, defect: lineDefect } = ln!;
    if (!inQuotes) {
      if (text.trim() === '') continue; // a blank line between rows
      startLine = lineNo;
      fields = [];
      field = '';
      afterQuote = false;
      error = undefined;
      defect = lineDefect && defectRejection(lineDefect, lineNo);
      rowLines = [];
      rowBytes = 0;
      if (text.indexOf('"') < 0) {
        // fast path: no quoting on this line
        yield defect ? { line: lineNo, fields: text.split(delimiter), raw: text, defect } : { line: lineNo, fields: text.split(delimiter), raw: text };
        continue;
      }
    } else {
      if (lineDefect) defect ??= defectRejection(lineDefect, lineNo);
      field += '\n';
    }
    rowLines.push(ln!);
    rowBytes += Buffer.byteLength(text) + 1;
    let atFieldStart = !inQuotes && field === '' && !afterQuote;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inQuotes) {
        if (c === 0x22) {
          if (text.charCodeAt(i + 1) === 0x22) {
            field += '"';
            i++;
          } else {
            inQuotes = false;
            afterQuote = true;
          }
        } else {
          field += text[i];
        }
        continue;
      }
      if (c === d) {
        fields.push(field);
        field = '';
        afterQuote = false;
        atFieldStart = true;
        continue;
      }
      if (afterQuote) {
        error ??= `text after a closing quote in field ${fields.length + 1}`;
        field += text[i];
        continue;
      }
      if (c === 0x22) {
        if (atFieldStart) {
          inQuotes = true;
          quotedField = fields.length + 1;
          atFieldStart = false;
          continue;
        }
        error ??= `a quote inside an unquoted field (field ${fields.length + 1}); quote the field and double the quote`;
      }
      atFieldStart = false;
      field += text[i];
    }
    if (inQuotes) continue; // the quoted field goes on over the next line
    fields.push(field);
    yield { line: startLine, fields, raw: rowLines.map((l) => l.text).join('\n').slice(0, RAW_LIMIT), error, defect };
  }
}

/** One record per data row: an object from header names to cell text. */
export function* readCsv(file: string, delimiter: ',' | '\t', opts: ReadOptions = {}): Generator<RawItem> {
  let header: string[] | null = null;
  for (const row of readCsvRows(file, delimiter, opts.onBytes)) {
    if (header === null) {
      if (row.defect) throw new UserError(`the header row is not UTF-8 text (${row.defect.detail})`, `${file}:${row.line}`);
      if (row.error) throw new UserError(`the header row is malformed: ${row.error}`, `${file}:${row.line}`);
      header = row.fields.map((h) => h.trim());
      const seen = new Set<string>();
      for (const [i, h] of header.entries()) {
        if (h === '') throw new UserError(`header column ${i + 1} has no name`, `${file}:${row.line}`);
        if (seen.has(h)) throw new UserError(`header column "${h}" appears twice`, `${file}:${row.line}`);
        seen.add(h);
      }
      continue;
    }
    if (row.defect) {
      yield { line: row.line, raw: row.raw, error: row.defect };
      continue;
    }
    if (row.error) {
      yield { line: row.line, raw: row.raw, error: { reason: 'invalid_csv', detail: row.error } };
      continue;
    }
    if (row.fields.length !== header.length) {
      yield {
        line: row.line, raw: row.raw,
        error: { reason: 'bad_columns', detail: `${row.fields.length} fields where the header has ${header.length}` },
      };
      continue;
    }
    // defined, not assigned: a column named "__proto__" is a field like any other
    const value: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) Object.defineProperty(value, header[i]!, { value: row.fields[i]!, enumerable: true, writable: true, configurable: true });
    yield { line: row.line, raw: row.raw, value };
  }
}
