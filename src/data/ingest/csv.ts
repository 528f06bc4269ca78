// CSV (RFC 4180) and TSV: the first row is the header; every later row is one record whose line is
// where the row starts. Quoted fields may hold delimiters, doubled quotes and newlines. Blank lines
// between rows are skipped. A row whose field count differs from the header's is `bad_columns`; a
// malformed row (a stray quote, text after a closing quote, an unclosed quote at the end) is `invalid_csv`;
// a row any of whose lines is not UTF-8 text is `invalid_utf8` or `binary`, whatever else is wrong with it.
import { UserError } from '../../util/errors.ts';
import { readLines } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { defectRejection, type RawItem, type ReadOptions } from './types.ts';

/** Raw text kept per row (prepare clips it further for rejected.jsonl); bounds memory on a runaway quote. */
const RAW_LIMIT = 1 << 16;

interface Row {
  line: number;
  fields: string[];
  raw: string;
  error?: string;
  /** The first line of the row whose bytes are not UTF-8 text. */
  defect?: Rejection;
}

/** Streams the rows of a delimited file, with the line where each starts. */
export function* readCsvRows(file: string, delimiter: string, onBytes?: (n: number) => void): Generator<Row> {
  const d = delimiter.charCodeAt(0);
  let fields: string[] = [];
  let field = '';
  let inQuotes = false, afterQuote = false;
  let startLine = 0;
  let rawParts: string[] = [];
  let rawLen = 0;
  let error: string | undefined;
  let defect: Rejection | undefined;
  for (const { text, lineNo, defect: lineDefect } of readLines(file)) {
    onBytes?.(Buffer.byteLength(text) + 1);
    if (!inQuotes) {
      if (text.trim() === '') continue; // a blank line between rows
      startLine = lineNo;
      fields = [];
      field = '';
      afterQuote = false;
      error = undefined;
      defect = lineDefect && defectRejection(lineDefect, lineNo);
      rawParts = [];
      rawLen = 0;
      if (text.indexOf('"') < 0) {
        // fast path: no quoting on this line
        yield defect ? { line: lineNo, fields: text.split(delimiter), raw: text, defect } : { line: lineNo, fields: text.split(delimiter), raw: text };
        continue;
      }
    } else {
      if (lineDefect) defect ??= defectRejection(lineDefect, lineNo);
      field += '\n';
    }
    if (rawLen < RAW_LIMIT) {
      rawParts.push(text);
      rawLen += text.length + 1;
    }
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
    yield { line: startLine, fields, raw: rawParts.join('\n').slice(0, RAW_LIMIT), error, defect };
  }
  if (inQuotes) {
    yield { line: startLine, fields, raw: rawParts.join('\n').slice(0, RAW_LIMIT), error: `a quoted field opened on line ${startLine} is never closed`, defect };
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
    const value: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) value[header[i]!] = row.fields[i]!;
    yield { line: row.line, raw: row.raw, value };
  }
}
