// CSV (RFC 4180) and TSV: the first row is the header; every later row is one record whose line is
// where the row starts. Quoted fields may hold delimiters, doubled quotes and newlines. A quote that does
// not start a field is a literal character (`the 5" screen`), as Python's csv module and pandas read it. A field that
// starts with a quote and goes on after its closing quote on the same line (`"Hello," she said.` in a TSV of dialogue)
// ends where Python's csv ends it, at the next delimiter, but is read as written, quotes included: Python's reader drops
// its first two quotes (`Hello, she said.`), text the file holds; `onNote` is told how many were read so. One whose
// quotes ran over lines before the text after them is `invalid_csv` (a stray quote that met another: lines not joined);
// when that closing quote is the first character of a line, it opens that line's first cell (a `"Bye," he said.` row),
// so the quote that opened the field was stray: its line alone is rejected and reading goes on at the next line
// (within QUOTED_LIMIT; past it, the lines were not kept and the row is one invalid_csv record, as csv-rows.ts says);
// blanks after a closing quote are the quoted cell's, as Python keeps them, wherever the cell opened. A quoted cell
// closed on a later line as rows end is one cell, as RFC 4180, Python and pandas read it; when its lines look like
// rows (a quote opened mid-row: `hello<TAB>"pos`), `onNote` is told where (csv-notes.ts).
// Blank lines between rows are skipped: empty, or spaces and tabs only, as pandas (and so datasets) skips them (a line of
// tabs in a TSV is a row of empty cells, not a blank line; a line of other white space, NBSP or U+3000, is a row; in a
// file of one column a line of spaces or tabs is a row too, a cell Python's csv and pandas write so, as Python reads it). A row
// whose field count differs from the header's, or that repeats the header (two files joined), is `bad_columns`; a
// malformed row (text after a closing quote, an unclosed quote) is `invalid_csv`; a row any of whose lines is not
// UTF-8 text is `invalid_utf8` or `binary`, whatever else is wrong with it. A header cell with no name is named
// `Unnamed: N` (N the 0-based column, pandas' name for the index column its to_csv writes; `Unnamed: N.1` where another
// column is named `Unnamed: N`: unnamedColumns); a row short of only
// such columns at the header's end (a header with trailing commas its rows lack) has them empty, as pandas pads them. A .csv file whose header
// line has no comma outside quotes but a `;` (European Excel) or a tab is read with that delimiter, which `onNote` is told.
// A first line `sep=X` (Excel's delimiter line, one character; `SEP=X` too) is no row: the file is read with X as the
// delimiter, which `onNote` is told too; where another delimiter splits the header it reads as one column, and the
// rows, the file is refused, naming the line. A first line `#TYPE …` (Windows PowerShell's Export-Csv type line) is no row
// either: the header is the next line, and `onNote` is told.
// Rows are read by csv-rows.ts (a quoted field's bound, stray quotes), the delimiter sniffed by csv-delimiter.ts.
import { UserError } from '../../util/errors.ts';
import { boundedJsonText } from '../../util/bounded-json.ts';
import { asWrittenNote, HeaderAsData, joinedRowLines, joinedRowsNote } from './csv-notes.ts';
import { delimiterName, linesAfter, otherDelimiter, sniffDelimiter } from './csv-delimiter.ts';
import { QUOTED_LIMIT, readCsvRows } from './csv-rows.ts';
import { readAs, type RawItem, type ReadOptions } from './types.ts';
import { codePoint } from '../../util/code-point.ts';

export { sniffDelimiter } from './csv-delimiter.ts';
export { QUOTED_LIMIT, excelSepLine, readCsvRows, type CsvRowOptions } from './csv-rows.ts';

/** One record per data row: an object from header names to cell text. */
export function* readCsv(file: string, delimiter: ',' | '\t', opts: ReadOptions = {}, limit = QUOTED_LIMIT): Generator<RawItem> {
  let header: string[] | null = null;
  let headerCells: string[] = [];
  let sniffedAs = delimiter as string;
  let used = sniffedAs; // the delimiter read with: sniffed, or an Excel sep= line's
  let byRows = false; // the header alone reads as a comma CSV; the rows after it chose another delimiter
  const sniff = delimiter === ',' ? (first: string, lineNo: number) => {
    const alone = sniffDelimiter(first);
    sniffedAs = alone === ',' && /[;\t]/.test(first) ? sniffDelimiter(first, linesAfter(file, lineNo)) : alone;
    byRows = sniffedAs !== alone;
    return (used = sniffedAs);
  } : undefined;
  const asWritten = { cells: 0, line: 0 }, asData = new HeaderAsData();
  const joined = { rows: 0, line: 0, lines: 0 }; // rows with a cell of lines that look like rows (joinedRowLines)
  let sepLine: string | undefined; // an Excel sep= line, as written
  const onSepLine = (sep: string, line: string) => { used = sep; sepLine = line; opts.onNote?.(`read with ${delimiterName(sep)} as the delimiter (its first line, ${JSON.stringify(line)}, is Excel's delimiter line, not a row)`); };
  const onTypeLine = (line: string) => opts.onNote?.(`its first line, ${JSON.stringify(line)}, is Windows PowerShell's Export-Csv type line, not the header: skipped`);
  for (const row of readCsvRows(file, delimiter, { onBytes: opts.onBytes, limit, sniff, onSepLine, onTypeLine })) {
    if (row.asWritten !== undefined && !row.error && !row.defect) {
      asWritten.cells += row.asWritten;
      asWritten.line ||= row.line;
    }
    if (header === null) {
      if (row.defect) throw new UserError(`the header row is not UTF-8 text (${row.defect.detail})`, `${file}:${row.line}`);
      if (row.error) throw new UserError(`the header row is malformed: ${row.error}`, `${file}:${row.line}`);
      const json = jsonKind(row.raw);
      if (json !== null) {
        // JSON Lines read as CSV: each record would be keyed by the first one's text
        throw new UserError(`the header row is a JSON ${json}, not column names: the file is JSON Lines, not ${delimiter === '\t' ? 'TSV' : 'CSV'}; read it as such (${readAs('jsonl', opts)})`, `${file}:${row.line}`);
      }
      headerCells = row.fields.map((h) => h.trim());
      if (sepLine !== undefined && headerCells.length === 1) refuseWrongSepLine(file, row.line, row.raw, sepLine, used);
      asData.header(headerCells, row.line, row.raw);
      const seen = new Set<string>();
      for (const h of headerCells) {
        if (h === '') continue;
        if (seen.has(h)) throw new UserError(`header column "${h}" appears twice`, `${file}:${row.line}`);
        seen.add(h);
      }
      header = unnamedColumns(headerCells, seen, (note) => opts.onNote?.(note));
      if (sniffedAs !== delimiter) {
        opts.onNote?.(`read with ${delimiterName(sniffedAs)} as the delimiter (` + (byRows
          ? `its header line has a comma too, but ${delimiterName(sniffedAs)} splits it and the rows after it into the same number of fields more often than the comma does)`
          : `its header line has no comma, but a ${delimiterName(sniffedAs)})`));
      }
      continue;
    }
    if (row.defect) {
      yield { line: row.line, raw: row.raw, error: row.defect };
      continue;
    }
    if (row.error) {
      yield { line: row.line, raw: row.raw, error: { reason: row.tooLong ? 'too_long' : row.cutShort ? 'truncated' : 'invalid_csv', detail: row.error }, ...(row.readsOnFrom ? { readsOnFrom: row.readsOnFrom } : {}) };
      continue;
    }
    // short of only unnamed columns at the header's end: those cells are empty, as pandas reads them
    if (row.fields.length < header.length && headerCells.slice(row.fields.length).every((h) => h === '')) {
      row.fields.push(...Array<string>(header.length - row.fields.length).fill(''));
    }
    if (row.fields.length !== header.length) {
      yield {
        line: row.line, raw: row.raw,
        error: { reason: 'bad_columns', detail: `${row.fields.length} field${row.fields.length === 1 ? '' : 's'} where the header has ${header.length}${row.fields.length > header.length ? `: a ${delimiterName(sniffedAs)} in a cell that is not quoted? Quote a cell that holds one` : whiteSpaceLine(row.fields, row.raw)}` },
      };
      continue;
    }
    if (row.fields.every((f, i) => f.trim() === headerCells[i])) {
      yield { line: row.line, raw: row.raw, error: { reason: 'bad_columns', detail: 'a repeated header row (files joined together?), not data' } };
      continue;
    }
    // defined, not assigned: a column named "__proto__" is a field like any other
    const value: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) Object.defineProperty(value, header[i]!, { value: row.fields[i]!, enumerable: true, writable: true, configurable: true });
    asData.see(row.fields, row.line);
    const lines = joinedRowLines(row.fields, used, header.length);
    if (lines > 0 && joined.rows++ === 0) [joined.line, joined.lines] = [row.line, lines];
    yield { line: row.line, raw: row.raw, value };
  }
  if (asWritten.cells > 0) opts.onNote?.(asWrittenNote(asWritten.cells, asWritten.line));
  if (joined.rows > 0) opts.onNote?.(joinedRowsNote(joined.rows, joined.line, joined.lines));
  asData.tell(opts.onNote);
}

/**
 * A header read as one column with the delimiter an Excel `sep=X` first line names, where another delimiter splits it and
 * the rows after it alike (`sep=;` above comma data): every record would be one field named by the whole header line
 * (unknown_shape). Refused, naming the sep= line, rather than read so; the header quoted cut (a 10^5-column one was echoed whole).
 */
function refuseWrongSepLine(file: string, line: number, header: string, sepLine: string, used: string): void {
  const other = otherDelimiter(header, linesAfter(file, line), used);
  if (other === undefined) return;
  throw new UserError(`the header row is one column, ${boundedJsonText(header.trim())}, read with ${delimiterName(used)} as the first line ${JSON.stringify(sepLine)} says, but ${delimiterName(other)} splits it and the rows after it into columns: that sep= line does not match the data; delete it, or write ${JSON.stringify(`sep=${other}`)} (or, if the file is one column whose name holds ${delimiterName(other)}, quote the header)`, `${file}:${line}`);
}

/**
 * The header's names, each empty cell named as pandas names it, `Unnamed: N` (N its 0-based column: pandas' to_csv writes
 * its index column with no name). Where the header also names a column so itself (a file pandas wrote twice: `,Unnamed:
 * 0,text`), the written name stays that column's and the empty cell takes pandas' suffix for a repeated name, `Unnamed:
 * 0.1` (the next one free), which `onNote` is told: named alike, one column's cells silently took the other's place, or
 * the header was refused as naming "Unnamed: 0" twice, which it does not.
 */
function unnamedColumns(cells: readonly string[], named: Set<string>, onNote: (note: string) => void): string[] {
  return cells.map((h, i) => {
    if (h !== '') return h;
    let name = `Unnamed: ${i}`;
    if (named.has(name)) {
      const taken = name;
      for (let k = 1; named.has(name); k++) name = `${taken}.${k}`;
      onNote(`header column ${i + 1} has no name, and another column is named ${JSON.stringify(taken)}, pandas' name for it: named ${JSON.stringify(name)}`);
    }
    named.add(name);
    return name;
  });
}

/**
 * For a row of one cell that is a line of white space not blank (csv-rows.ts: NBSP, U+3000, a form feed), what it is:
 * pandas reads it as a row too (its other cells NaN), so it is rejected and counted, not skipped as a blank line; else
 * ''. The line as written (`raw`), not the cell: a quoted cell of white space or nothing (`" "`, `""`) is no such line.
 */
function whiteSpaceLine(fields: readonly string[], raw: string): string {
  if (fields.length !== 1 || fields[0]!.trim() !== '' || raw.trim() !== '') return '';
  const chars = [...new Set(raw)].map(codePoint);
  return `: a line of white space only (${chars.join(', ')}), a row to pandas too, not a blank line`;
}

/** 'object' or 'array' when `raw` (a row's text) is a JSON object or array, else null. */
function jsonKind(raw: string): 'object' | 'array' | null {
  const t = raw.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return null;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) ? 'array' : typeof v === 'object' && v !== null ? 'object' : null;
  } catch {
    return null;
  }
}
