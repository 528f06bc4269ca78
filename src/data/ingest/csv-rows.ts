// The rows of a delimited file (csv.ts's readCsv makes them records), with the line where each starts, read by the
// rules csv.ts's header states; each row's lines are parsed by csv-row-state.ts's RowState.
// A quoted field is bounded by size, not lines (a poem in one cell may have many). One still open at the end of the
// file is taken for a stray quote: only its starting line is rejected (invalid_csv, naming the line span and size),
// and reading goes on at the next line (readsOnFrom), so one stray quote never swallows the file — unless no line
// after it (one at least) is a row of its own (as many fields as the header, read alone) nor opens a field left open: then the file was cut short inside the
// cell, and its lines are one record (cutShort: truncated); so is a field that opens on the file's last line, no line end
// after it. The lines read
// again are not scanned again inside a quoted field: they are known to leave it open, so a file of lines that each
// open a field is still read in linear time. A field still open after QUOTED_LIMIT bytes is read on, its text and
// lines not kept, to where it closes: a row that then ends as rows do is one too_long record (its lines were a
// cell's, never rows of their own: read again as rows, a 10 MB cell's lines became records), one followed by text is
// one invalid_csv record (as within the bound), and one that never closes is a stray quote as above, its lines read
// again from the file (once: every later line is then known to leave a quoted field open).
// A lone CR in a line of an LF file (CR-ended rows appended to it) ends a row outside quotes, as Python's csv and pandas
// read it, and is the cell's own inside them (lines.ts cutAtLoneCrs): read as a character, two rows ran together into one
// record, or into one bad_columns rejection. A quoted cell's line breaks are the file's (CRLF, LF, a lone CR), as Python's
// csv, pandas and datasets keep them: cleaning makes them \n in a record's text, as it does every line break.
import { cutAtLoneCrs, lineBreakBetween, readDataLines, withoutLineEnd, type CutLine } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { RowState } from './csv-row-state.ts';
import { defectRejection, recordDefect } from './types.ts';

/** Raw text kept per row (prepare clips it further for rejected.jsonl). */
const RAW_LIMIT = 1 << 16;

/** How far a quoted field may run before it is taken for a stray quote. */
export const QUOTED_LIMIT = { bytes: 8 << 20 };

export interface Row {
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
  /** With `error`: the file ends inside the row's quoted field, no line after it a row of its own (a file cut short). */
  cutShort?: true;
  /** Cells that start with a quote and go on after its closing quote, read as written. */
  asWritten?: number;
}

export interface CsvRowOptions {
  onBytes?: (n: number) => void;
  limit?: { bytes: number };
  /** Called with the first line of the file (the header) and its number; returns the delimiter to read the file with. */
  sniff?: (firstLine: string, lineNo: number) => string;
  /** Called when the first line is Excel's `sep=X` (any case: `SEP=X`), with X, the delimiter then read with (no sniffing), and the line. */
  onSepLine?: (delimiter: string, line: string) => void;
  /** Called when the first line is Windows PowerShell's `#TYPE …` line (skipped: the header is the next), with it. */
  onTypeLine?: (line: string) => void;
}

/** A line pandas' reader skips as blank (skip_blank_lines): empty, or spaces and tabs only. */
const BLANK_LINE = /^[ \t]*$/;

/** Windows PowerShell's Export-Csv (without -NoTypeInformation) writes the objects' type as a first line before the header. */
const POWERSHELL_TYPE_LINE = /^#TYPE \S+$/;

/**
 * The delimiter an Excel `sep=X` line names (one character, no quote), or undefined for any other line. Its case is
 * not read (`SEP=;`), as LibreOffice Calc reads the line Excel writes (pandas reads none: a header "sep=;").
 */
export function excelSepLine(line: string): string | undefined {
  const m = /^sep=([^"\r\n])$/i.exec(line);
  return m === null ? undefined : m[1];
}

/** Streams the rows of a delimited file, with the line where each starts. */
export function* readCsvRows(file: string, delimiter: string, opts: CsvRowOptions = {}): Generator<Row> {
  const reading: { lines?: Iterator<CutLine> } = {};
  try {
    yield* csvRows(file, delimiter, opts, reading);
  } finally {
    reading.lines?.return?.(undefined); // left before the end (its consumer threw, or stopped): the file closed, not its descriptor kept
  }
}

/** readCsvRows, the lines it reads in `reading` (to be closed). */
function* csvRows(file: string, delimiter: string, opts: CsvRowOptions, reading: { lines?: Iterator<CutLine> }): Generator<Row> {
  const limit = opts.limit ?? QUOTED_LIMIT;
  let d = delimiter;
  let sniffed = opts.sniff === undefined, firstRow = true;
  let source = reading.lines = cutAtLoneCrs(readDataLines(file))[Symbol.iterator]();
  // The lines from the start of the current row on, kept to be read again after a runaway quoted field:
  // line k (absolute, 0-based) is buf[k - base] and starts at byte offset at[k - base] of the file.
  let buf: CutLine[] = [], at: number[] = [];
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
    const n = r.value.bytes;
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
    source.return?.(undefined); // the reading left is closed
    source = reading.lines = cutAtLoneCrs(readDataLines(file))[Symbol.iterator]();
    for (let i = 0; i < from; i++) source.next();
    buf = [];
    at = [];
    base = pos = from;
    readBytes = fromByte;
  };
  const line = (k: number): CutLine => buf[k - base]!;
  const offset = (k: number): number => (k - base < at.length ? at[k - base]! : readBytes);
  /** Lines known to leave a quoted field open when read inside one: those of the last runaway field but its first. */
  let openFrom = -1, openTo = -1;
  /** The header row's line (its index), and its cells once read. */
  let headerAt = -1, header: readonly string[] | undefined;
  /** The rows read, by whether they start with a quote (a one-column file's rows all written quoted tell its cells' lines from rows). */
  const rowsQuoted = { quoted: 0, bare: 0 };
  for (;;) {
    const k = next();
    if (k === undefined) return;
    const first = line(k);
    // a blank line between rows; but a line of tabs in a TSV is a row of empty cells (a spreadsheet's empty row), as ",,"
    // is in a CSV: a record, rejected and counted, as pandas and Python's csv read it. Blank is pandas' (and so datasets')
    // blank: spaces and tabs only; a line of other white space (NBSP, U+3000, a form feed) is a row to them, and skipped
    // here it was a record lost without a word. In a file of one column a line of spaces or tabs is a row: a cell of
    // them is so written bare by Python's csv writer and pandas' to_csv (which reads its own file a row short), a record
    // (rejected as empty, counted) as Python's csv reads it, not a line lost uncounted
    if (BLANK_LINE.test(first.text) && !(sniffed && first.text.includes(d)) && !(first.text !== '' && header?.length === 1)) continue;
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
        opts.onSepLine?.(sep, first.text);
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
    if (k !== headerAt) rowsQuoted[first.text.startsWith('"') ? 'quoted' : 'bare']++;
    if (first.text.indexOf('"') < 0) {
      // fast path: no quoting on this line
      const fields = first.text.split(d);
      if (k === headerAt) header = fields;
      yield firstDefect ? { line: first.lineNo, fields, raw: first.text, defect: firstDefect } : { line: first.lineNo, fields, raw: first.text };
      continue;
    }
    const st = new RowState(d.charCodeAt(0));
    st.scan(first.text);
    const openField = st.quotedField; // the field still open at the end of the row's first line
    /** pastBound: the field ran past limit.bytes, its text and lines no longer kept; toEnd: it stays open to the end of the file. */
    let last = k, pastBound = false, toEnd = false, atEnd = false, strayOpen = false, binaryAt = -1;
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
      // the end of the file, or a line read inside a quoted field before that left it open to the end of the file, or
      // the binary data that ends the file (readLines: its quotes would close the field, its rows lost in one rejection)
      if (j === undefined || (j >= openFrom && j <= openTo) || line(j).binary !== undefined) {
        if (j !== undefined && line(j).binary !== undefined) binaryAt = j;
        atEnd = j === undefined;
        toEnd = true;
        break;
      }
      if (st.keep) st.field += lineBreakBetween(line(last), line(j));
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
    // the file ends inside the field, and no line after it is a row of its own, or it opened on the file's last line with
    // no line end after it (as jsonl-unclosed.ts's cutLastLine reads a JSON Lines record so): a file cut short, not a stray
    // quote (whose rows after it are rows; one on a last line closed by its line end was written whole): one record, not
    // its first line and then each line after it as a row
    const linesAfterIt = atEnd && fileEnd!.index > k;
    if (atEnd && !pastBound && k !== headerAt && (linesAfterIt ? !rowOfItsOwn(buf.slice(k + 1 - base, fileEnd!.index + 1 - base), d, header, rowsQuoted.quoted > 1 && rowsQuoted.bare === 0)
      : !first.defect && withoutLineEnd(first))) {
      for (let j = k + 1; j <= fileEnd!.index; j++) defect = recordDefect(defect, line(j).defect, line(j).lineNo);
      yield {
        line: first.lineNo, fields: [], raw: rawOf(buf, k - base, fileEnd!.index - base), defect, cutShort: true,
        error: `the file ends inside a quoted field (field ${openField}) opened on line ${first.lineNo} ` + (linesAfterIt
          ? `(it runs over lines ${first.lineNo}–${fileEnd!.lineNo}, ${fileEnd!.bytes - start} bytes), no line after it a row of its own: the file cut short?`
          : `(its last line, ${fileEnd!.bytes - start} bytes), no line end after it: the file cut short?`),
      };
      return;
    }
    if (toEnd) {
      // a quoted field left open at the end of the file: reject its first line only, and read the lines after it again
      const from = first.lineNo;
      const end = binaryAt < 0 ? fileEnd! : { index: binaryAt - 1, lineNo: line(binaryAt).lineNo - 1, bytes: offset(binaryAt) };
      const where = binaryAt < 0 ? 'the end of the file' : `the binary data that ends the file (line ${line(binaryAt).lineNo})`;
      const linesAfter = binaryAt >= 0 || end.lineNo > from; // none when it opens on the file's last line: no line to read on from
      binaryAt = -1;
      yield {
        line: from, fields: [], raw: first.text.slice(0, RAW_LIMIT), defect: firstDefect,
        error: `a quoted field (field ${openField}) opened on line ${from} is not closed before ${where} (it runs over lines ${from}–${end.lineNo}, ${end.bytes - start} bytes): a stray quote?`,
        ...(linesAfter ? { readsOnFrom: from + 1 } : {}),
      };
      [openFrom, openTo] = [k + 1, end.index];
      // the lines after the first are in buf, but not those of a field read past the bound
      if (pastBound) readAgainFrom(k + 1, start + first.bytes);
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
    if (k === headerAt) header = st.fields;
    // a row of several lines that is malformed where its quoted field closed: say where, not only what
    const error = st.error !== undefined && last > k ? `${st.error} on line ${errorLineNo}, of a row that a quoted field opened on line ${first.lineNo} runs over (lines ${first.lineNo}–${rowLastLineNo}): a stray quote?` : st.error;
    yield { line: first.lineNo, fields: st.fields, raw: rawOf(buf, k - base, last - base), error, defect, ...(st.asWritten > 0 ? { asWritten: st.asWritten } : {}) };
  }
}

/**
 * Whether one of `lines`, read alone, is a row of the header's fields (closing every quote it opens; short of only
 * unnamed columns at the header's end too, as csv.ts reads such a row), or opens a quoted field of its own that it leaves
 * open (another stray quote: lines that each open one are rejected each, in linear time); true while no header was read.
 * In a file of one column every line is one field: there, when the rows before were all written quoted (`quoted`: a
 * writer that quotes every cell), only a line that starts with a quote is one, and lines of text are the cell's.
 */
function rowOfItsOwn(lines: readonly CutLine[], d: string, header: readonly string[] | undefined, quoted: boolean): boolean {
  if (header === undefined) return true;
  let named = header.length; // a row needs the fields up to the header's last named one
  while (named > 0 && header[named - 1]!.trim() === '') named--;
  const oneColumn = named <= 1 && quoted;
  return lines.some((l) => {
    const st = new RowState(d.charCodeAt(0));
    st.scan(l.text);
    const n = st.fields.length + 1;
    return st.inQuotes || (st.error === undefined && n >= named && n <= header.length && (!oneColumn || l.text.startsWith('"')));
  });
}

/** The lines from..to joined, clipped to RAW_LIMIT characters without joining more than that. */
function rawOf(lines: CutLine[], from: number, to: number): string {
  let raw = lines[from]!.text;
  for (let i = from + 1; i <= to && raw.length < RAW_LIMIT; i++) raw += lineBreakBetween(lines[i - 1]!, lines[i]!) + lines[i]!.text;
  return raw.slice(0, RAW_LIMIT);
}
