// CSV (RFC 4180) and TSV: the first row is the header; every later row is one record whose line is
// where the row starts. Quoted fields may hold delimiters, doubled quotes and newlines. A quote that does
// not start a field is a literal character (`the 5" screen`), as Python's csv module and pandas read it. A field that
// starts with a quote and goes on after its closing quote on the same line (`"Hello," she said.` in a TSV of dialogue)
// ends where Python's csv ends it, at the next delimiter, but is read as written, quotes included: Python's reader drops
// its first two quotes (`Hello, she said.`), text the file holds; `onNote` is told how many were read so. One whose
// quotes ran over lines before the text after them is `invalid_csv` (a stray quote that met another: lines not joined);
// when that closing quote is the first character of a line, it opens that line's first cell (a `"Bye," he said.` row),
// so the quote that opened the field was stray: its line alone is rejected and reading goes on at the next line
// (within QUOTED_LIMIT; past it, the lines were not kept and the row is one invalid_csv record, as below);
// blanks after a closing quote are the quoted cell's, as Python keeps them, wherever the cell opened. A quoted cell
// closed on a later line as rows end is one cell, as RFC 4180, Python and pandas read it; when its lines look like
// rows (a quote opened mid-row: `hello<TAB>"pos`), `onNote` is told where (csv-notes.ts).
// Blank lines between rows are skipped (a line of tabs in a TSV is a row of empty cells, not a blank line). A row
// whose field count differs from the header's, or that repeats the header (two files joined), is `bad_columns`; a
// malformed row (text after a closing quote, an unclosed quote) is `invalid_csv`; a row any of whose lines is not
// UTF-8 text is `invalid_utf8` or `binary`, whatever else is wrong with it. A header cell with no name is named
// `Unnamed: N` (N the 0-based column, pandas' name for the index column its to_csv writes); a row short of only
// such columns at the header's end (a header with trailing commas its rows lack) has them empty, as pandas pads them. A .csv file whose header
// line has no comma outside quotes but a `;` (European Excel) or a tab is read with that delimiter, which `onNote` is told.
// A first line `sep=X` (Excel's delimiter line, one character) is no row: the file is read with X as the
// delimiter, which `onNote` is told too. A first line `#TYPE …` (Windows PowerShell's Export-Csv type line) is no row
// either: the header is the next line, and `onNote` is told.
// A quoted field is bounded by size, not lines (a poem in one cell may have many). One still open at the end of the
// file is taken for a stray quote: only its starting line is rejected (invalid_csv, naming the line span and size),
// and reading goes on at the next line (readsOnFrom), so one stray quote never swallows the file. The lines read
// again are not scanned again inside a quoted field: they are known to leave it open, so a file of lines that each
// open a field is still read in linear time. A field still open after QUOTED_LIMIT bytes is read on, its text and
// lines not kept, to where it closes: a row that then ends as rows do is one too_long record (its lines were a
// cell's, never rows of their own: read again as rows, a 10 MB cell's lines became records), one followed by text is
// one invalid_csv record (as within the bound), and one that never closes is a stray quote as above, its lines read
// again from the file (once: every later line is then known to leave a quoted field open).
import { UserError } from '../../util/errors.ts';
import { asWrittenNote, HeaderAsData, joinedRowLines, joinedRowsNote } from './csv-notes.ts';
import { readLines, type Line } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { defectRejection, readAs, recordDefect, type RawItem, type ReadOptions } from './types.ts';

/** Raw text kept per row (prepare clips it further for rejected.jsonl). */
const RAW_LIMIT = 1 << 16;

/** How far a quoted field may run before it is taken for a stray quote. */
export const QUOTED_LIMIT = { bytes: 8 << 20 };

interface Row {
  line: number;
  fields: string[];
  raw: string;
  error?: string;
  /** A runaway quoted field's: the line the reader reads on from (RawItem.readsOnFrom). */
  readsOnFrom?: number;
  /** The first line of the row whose bytes are not UTF-8 text. */
  defect?: Rejection;
  /** With `error`: a quoted field longer than a cell may be (the error says so), not malformed CSV. */
  tooLong?: true;
  /** Cells that start with a quote and go on after its closing quote, read as written. */
  asWritten?: number;
}

export interface CsvRowOptions {
  onBytes?: (n: number) => void;
  limit?: { bytes: number };
  /** Called with the first line of the file (the header) and its number; returns the delimiter to read the file with. */
  sniff?: (firstLine: string, lineNo: number) => string;
  /** Called when the first line is Excel's `sep=X`, with X, the delimiter then read with (no sniffing). */
  onSepLine?: (delimiter: string) => void;
  /** Called when the first line is Windows PowerShell's `#TYPE …` line (skipped: the header is the next), with it. */
  onTypeLine?: (line: string) => void;
}

/** Windows PowerShell's Export-Csv (without -NoTypeInformation) writes the objects' type as a first line before the header. */
const POWERSHELL_TYPE_LINE = /^#TYPE \S+$/;

/** The delimiter an Excel `sep=X` line names (one character, no quote), or undefined for any other line. */
export function excelSepLine(line: string): string | undefined {
  const m = /^sep=([^"\r\n])$/.exec(line);
  return m === null ? undefined : m[1];
}

/** The parse of one row so far; a quoted field may go on over the next line. */
class RowState {
  fields: string[] = [];
  field = '';
  inQuotes = false;
  afterQuote = false;
  quotedField = 0;
  error: string | undefined;
  /** Whether the fields' text is kept: not once a quoted field runs past the size a cell may have (only its end is looked for). */
  keep = true;
  /** Cells read as written: a quoted field followed by text on the line it opened on. */
  asWritten = 0;
  /**
   * Whether a field opened on an earlier line was closed by the quote that starts the line just read, text after it: a
   * quote where a row's first cell opens (`"Bye," he said.`), so the one that opened the field was stray.
   */
  closedByLineStart = false;

  constructor(private readonly d: number) {}

  /**
   * Reads one physical line of the row (the line break before it is in the field when inside quotes). A field's text
   * is added a run at a time (to the closing quote inside quotes, its doubled quotes undone at once; to the next
   * delimiter outside), never a character or a doubled quote at a time: a string built of small pieces takes tens of
   * bytes a character, and a 150 MB cell ran out of memory.
   */
  scan(text: string): void {
    let atFieldStart = !this.inQuotes && this.field === '' && !this.afterQuote;
    const delimiter = String.fromCharCode(this.d);
    let i = 0;
    /** Where on this line the quoted field now open or just closed opened (−1: on an earlier line). */
    let openedAt = -1;
    /** Whether the field just closed was closed by this line's first character, a quote, having opened on an earlier line. */
    let closedAtStart = false;
    while (i < text.length) {
      if (this.inQuotes) {
        // the closing quote: the first that is not one of a doubled pair (a pair cannot straddle a line break)
        let q = text.indexOf('"', i);
        while (q >= 0 && text.charCodeAt(q + 1) === 0x22) q = text.indexOf('"', q + 2);
        if (this.keep) this.field += text.slice(i, q < 0 ? text.length : q).replaceAll('""', '"');
        if (q < 0) return;
        closedAtStart = q === 0 && openedAt < 0;
        this.inQuotes = false;
        this.afterQuote = true;
        i = q + 1;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === this.d) {
        this.fields.push(this.field);
        this.field = '';
        this.afterQuote = false;
        atFieldStart = true;
        i++;
        continue;
      }
      if (this.afterQuote) {
        // text after a closing quote: the cell runs to the next delimiter (Python's bounds); blanks only are a quoted
        // cell's (kept, as Python keeps them); else, for a field opened on this line, the quote was the cell's text
        const end = text.indexOf(delimiter, i);
        const to = end < 0 ? text.length : end;
        const tail = text.slice(i, to), blank = tail.trim() === '';
        if (blank || openedAt >= 0) {
          if (!blank) {
            this.field = text.slice(openedAt, to);
            this.asWritten++;
          } else if (this.keep) this.field += tail;
          this.afterQuote = false;
          i = to;
          continue;
        }
        if (this.error === undefined && closedAtStart) this.closedByLineStart = true;
        this.error ??= `text after a closing quote in field ${this.fields.length + 1}`;
      } else if (c === 0x22 && atFieldStart) {
        openedAt = i;
        this.inQuotes = true;
        this.quotedField = this.fields.length + 1;
        atFieldStart = false;
        i++;
        continue;
      }
      // the rest of an unquoted field, to the next delimiter: a quote that does not start a field is a character like any other
      atFieldStart = false;
      const end = text.indexOf(delimiter, i + 1);
      const to = end < 0 ? text.length : end;
      if (this.keep) this.field += text.slice(i, to);
      i = to;
    }
  }
}

/** Streams the rows of a delimited file, with the line where each starts. */
export function* readCsvRows(file: string, delimiter: string, opts: CsvRowOptions = {}): Generator<Row> {
  const limit = opts.limit ?? QUOTED_LIMIT;
  let d = delimiter;
  let sniffed = opts.sniff === undefined, firstRow = true;
  let source = readLines(file)[Symbol.iterator]();
  // The lines from the start of the current row on, kept to be read again after a runaway quoted field:
  // line k (absolute, 0-based) is buf[k - base] and starts at byte offset at[k - base] of the file.
  let buf: Line[] = [], at: number[] = [];
  let base = 0, pos = 0, readBytes = 0;
  /** Bytes told to onBytes: lines read again from the file are not counted twice. */
  let counted = 0;
  /** The file's last line (index and number) and size, once its end was reached. */
  let fileEnd: { index: number; lineNo: number; bytes: number } | null = null;
  let lastLineNo = 0;
  const next = (): number | undefined => {
    if (pos - base < buf.length) return pos++;
    const r = source.next();
    if (r.done) {
      fileEnd ??= { index: pos - 1, lineNo: lastLineNo, bytes: readBytes };
      return undefined;
    }
    const n = Buffer.byteLength(r.value.text) + 1;
    if (readBytes + n > counted) {
      opts.onBytes?.(readBytes + n - counted);
      counted = readBytes + n;
    }
    lastLineNo = r.value.lineNo;
    buf.push(r.value);
    at.push(readBytes);
    readBytes += n;
    return pos++;
  };
  /** Reads the file again from line `from` (at byte `fromByte`) on: a runaway field's lines were not kept. */
  const readAgainFrom = (from: number, fromByte: number): void => {
    source = readLines(file)[Symbol.iterator]();
    for (let i = 0; i < from; i++) source.next();
    buf = [];
    at = [];
    base = pos = from;
    readBytes = fromByte;
  };
  const line = (k: number): Line => buf[k - base]!;
  const offset = (k: number): number => (k - base < at.length ? at[k - base]! : readBytes);
  /** Lines known to leave a quoted field open when read inside one: those of the last runaway field but its first. */
  let openFrom = -1, openTo = -1;
  /** The header row's line (its index). */
  let headerAt = -1;
  for (;;) {
    const k = next();
    if (k === undefined) return;
    const first = line(k);
    // a blank line between rows; but a line of tabs in a TSV is a row of empty cells (a spreadsheet's empty row), as ",,"
    // is in a CSV: a record, rejected and counted, as pandas and Python's csv read it
    if (first.text.trim() === '' && !(sniffed && first.text.includes(d))) continue;
    if (k - base === buf.length - 1) {
      // the lines before this row are never read again
      buf[0] = first;
      at[0] = at[k - base]!;
      buf.length = at.length = 1;
      base = k;
    } else if (2 * (k - base) >= buf.length) {
      // dropped when that is at most half the lines kept to be read again, so in linear time
      buf = buf.slice(k - base);
      at = at.slice(k - base);
      base = k;
    }
    if (firstRow) {
      firstRow = false;
      const sep = excelSepLine(first.text);
      if (sep !== undefined) {
        d = sep;
        sniffed = true;
        opts.onSepLine?.(sep);
        continue;
      }
      if (POWERSHELL_TYPE_LINE.test(first.text.trimEnd())) {
        opts.onTypeLine?.(first.text.trimEnd());
        continue;
      }
    }
    if (!sniffed) {
      sniffed = true;
      d = opts.sniff!(first.text, first.lineNo);
    }
    if (headerAt < 0) headerAt = k;
    const firstDefect = first.defect && defectRejection(first.defect, first.lineNo);
    if (first.text.indexOf('"') < 0) {
      // fast path: no quoting on this line
      const fields = first.text.split(d);
      yield firstDefect ? { line: first.lineNo, fields, raw: first.text, defect: firstDefect } : { line: first.lineNo, fields, raw: first.text };
      continue;
    }
    const st = new RowState(d.charCodeAt(0));
    st.scan(first.text);
    const openField = st.quotedField; // the field still open at the end of the row's first line
    /** pastBound: the field ran past limit.bytes, its text and lines no longer kept; toEnd: it stays open to the end of the file. */
    let last = k, pastBound = false, toEnd = false, strayOpen = false;
    const start = offset(k);
    let defect = firstDefect, rowLastLineNo = first.lineNo;
    let errorLineNo = first.lineNo; // the line where st.error arose (a quoted cell may run on past it)
    while (st.inQuotes) {
      if (!pastBound && offset(last + 1) - start >= limit.bytes) {
        // past what a cell may hold: read on to the field's end without keeping its text or its lines
        pastBound = true;
        st.keep = false;
        st.field = '';
        for (let j = k + 1; j <= last; j++) defect = recordDefect(defect, line(j).defect, line(j).lineNo);
      }
      if (pastBound && pos - base === buf.length) {
        buf = [];
        at = [];
        base = pos;
      }
      const j = next();
      // the end of the file, or a line read inside a quoted field before that left it open to the end of the file
      if (j === undefined || (j >= openFrom && j <= openTo)) {
        toEnd = true;
        break;
      }
      if (st.keep) st.field += '\n';
      const clean = st.error === undefined;
      st.scan(line(j).text);
      last = j;
      rowLastLineNo = line(j).lineNo;
      if (clean && st.error !== undefined) errorLineNo = rowLastLineNo;
      if (pastBound) defect = recordDefect(defect, line(j).defect, rowLastLineNo);
      // (not the header's: a malformed header stops the read whatever it is)
      if (st.closedByLineStart && !pastBound && k !== headerAt) {
        strayOpen = true;
        break;
      }
    }
    if (toEnd) {
      // a quoted field left open at the end of the file: reject its first line only, and read the lines after it again
      const from = first.lineNo, end = fileEnd!;
      yield {
        line: from, fields: [], raw: first.text.slice(0, RAW_LIMIT), defect: firstDefect,
        error: `a quoted field (field ${openField}) opened on line ${from} is not closed before the end of the file (it runs over lines ${from}–${end.lineNo}, ${end.bytes - start} bytes): a stray quote?`,
        readsOnFrom: from + 1,
      };
      [openFrom, openTo] = [k + 1, end.index];
      // the lines after the first are in buf, but not those of a field read past the bound
      if (pastBound) readAgainFrom(k + 1, start + Buffer.byteLength(first.text) + 1);
      else pos = k + 1;
      continue;
    }
    if (strayOpen) {
      // the quote that closed the field starts a later line and text follows it: it opens that line's first cell (a
      // `"Bye," he said.` row), so the quote that opened the field was stray: its line alone is rejected, and the lines
      // after it (kept in buf) are read again as rows
      yield {
        line: first.lineNo, fields: [], raw: first.text.slice(0, RAW_LIMIT), defect: firstDefect, readsOnFrom: first.lineNo + 1,
        error: `a quoted field (field ${openField}) opened on line ${first.lineNo} would be closed by the quote that starts line ${rowLastLineNo}, which is followed by text: that quote opens the line's first cell, so this one is a stray quote?`,
      };
      pos = k + 1;
      continue;
    }
    if (pastBound) {
      const span = `a quoted field (field ${openField}) opened on line ${first.lineNo} runs over lines ${first.lineNo}–${rowLastLineNo} (${offset(pos) - start} bytes)`;
      // one followed by text after its closing quote is malformed, as within the bound; one that ends as rows do, too long
      yield {
        line: first.lineNo, fields: [], raw: first.text.slice(0, RAW_LIMIT), defect, ...(st.error === undefined ? { tooLong: true as const } : {}),
        error: st.error === undefined ? `${span}, more than the ${limit.bytes} bytes a CSV cell is read up to: shorten or split it`
          : `${st.error}, after ${span}: a stray quote?`,
      };
      continue;
    }
    // the row's first defective line
    for (let j = k + 1; j <= last; j++) defect = recordDefect(defect, line(j).defect, line(j).lineNo);
    st.fields.push(st.field);
    // a row of several lines that is malformed where its quoted field closed: say where, not only what
    const error = st.error !== undefined && last > k ? `${st.error} on line ${errorLineNo}, of a row that a quoted field opened on line ${first.lineNo} runs over (lines ${first.lineNo}–${rowLastLineNo}): a stray quote?` : st.error;
    yield { line: first.lineNo, fields: st.fields, raw: rawOf(buf, k - base, last - base), error, defect, ...(st.asWritten > 0 ? { asWritten: st.asWritten } : {}) };
  }
}

/** The lines from..to joined, clipped to RAW_LIMIT characters without joining more than that. */
function rawOf(lines: Line[], from: number, to: number): string {
  let raw = lines[from]!.text;
  for (let i = from + 1; i <= to && raw.length < RAW_LIMIT; i++) raw += '\n' + lines[i]!.text;
  return raw.slice(0, RAW_LIMIT);
}

/** Lines sampled after the header to check a sniffed delimiter against. */
const SNIFF_SAMPLE = 10;

/**
 * For a .csv file: `;` or a tab when the header line holds no comma outside quotes but one of them, else a comma —
 * unless the header holds a comma and `;` or a tab too (a comma inside a column name, as `Text;Label, category`), and
 * that other one splits more of the `rows` after the header into as many fields as the header than the comma does.
 */
export function sniffDelimiter(header: string, rows: readonly string[] = []): string {
  const outside = new Set<string>();
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted) outside.add(ch);
  }
  if (!outside.has(',')) return outside.has(';') ? ';' : outside.has('\t') ? '\t' : ',';
  let best = ',', bestScore = agreeing(',', header, rows);
  for (const d of [';', '\t']) {
    if (!outside.has(d)) continue;
    const score = agreeing(d, header, rows);
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}

/** How many of `rows` `d` splits into as many fields as `header` (counted outside quotes, line by line). */
function agreeing(d: string, header: string, rows: readonly string[]): number {
  const fields = (line: string): number => {
    let n = 1, quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === d && !quoted) n++;
    }
    return n;
  };
  const want = fields(header);
  return rows.filter((r) => fields(r) === want).length;
}

/** Up to SNIFF_SAMPLE non-blank lines of `file` after line `lineNo`. */
function linesAfter(file: string, lineNo: number): string[] {
  const out: string[] = [];
  for (const { text, lineNo: n } of readLines(file)) {
    if (n <= lineNo || text.trim() === '') continue;
    out.push(text);
    if (out.length >= SNIFF_SAMPLE) break;
  }
  return out;
}

const delimiterName = (d: string): string => (d === '\t' ? 'tab' : JSON.stringify(d));

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
  const onSepLine = (sep: string) => { used = sep; opts.onNote?.(`read with ${delimiterName(sep)} as the delimiter (its first line, ${JSON.stringify(`sep=${sep}`)}, is Excel's delimiter line, not a row)`); };
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
        throw new UserError(`the header row is a JSON ${json}, not column names: the file is JSON Lines, not CSV; read it as such (${readAs('jsonl', opts)})`, `${file}:${row.line}`);
      }
      headerCells = row.fields.map((h) => h.trim());
      asData.header(headerCells, row.line, row.raw);
      // pandas' to_csv writes its index column with no name: named as pandas reads it back
      header = headerCells.map((h, i) => (h === '' ? `Unnamed: ${i}` : h));
      const seen = new Set<string>();
      for (const h of header) {
        if (seen.has(h)) throw new UserError(`header column "${h}" appears twice`, `${file}:${row.line}`);
        seen.add(h);
      }
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
      yield { line: row.line, raw: row.raw, error: { reason: row.tooLong ? 'too_long' : 'invalid_csv', detail: row.error }, ...(row.readsOnFrom ? { readsOnFrom: row.readsOnFrom } : {}) };
      continue;
    }
    // short of only unnamed columns at the header's end: those cells are empty, as pandas reads them
    if (row.fields.length < header.length && headerCells.slice(row.fields.length).every((h) => h === '')) {
      row.fields.push(...Array<string>(header.length - row.fields.length).fill(''));
    }
    if (row.fields.length !== header.length) {
      yield {
        line: row.line, raw: row.raw,
        error: { reason: 'bad_columns', detail: `${row.fields.length} field${row.fields.length === 1 ? '' : 's'} where the header has ${header.length}${row.fields.length > header.length ? `: a ${delimiterName(sniffedAs)} in a cell that is not quoted? Quote a cell that holds one` : ''}` },
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
