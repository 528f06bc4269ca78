// Streams a text file line by line (synchronously, in 1 MiB chunks), with 1-based line numbers and each line's size in the file.
// CRLF and a UTF-8 BOM at the start of a line are removed; a file whose first MiB has more lone CRs than LFs ends
// its lines with a lone CR too (classic Mac, Excel's "CSV (Macintosh)", an LF typed into a cell there), and so does
// any file read with `anyLineEnd`. Memory is bounded by the longest line, and a line longer than V8's longest string
// (~512 MiB) is an error naming it.
// Every line is checked as strict UTF-8: a line that is not valid UTF-8, or that holds a NUL byte (binary
// data), still comes out — decoded with U+FFFD, so line numbers and counts stay exact — but carries a
// `defect` saying what and at which byte (utf8-defects.ts; a last line that ends inside a character: the file cut short),
// so that no caller takes it for text without knowing; asked to, the lines
// from where the file turns into binary data (an 8 KiB window of control bytes: BinaryWatch) to its end are one line,
// its start, with a binary defect saying so (the rest is not read). A file
// that starts with a UTF-16 (or UTF-32) byte-order mark is refused as a whole, and so is a compressed file (gzip, zip, xz,
// zstd, 7z: by its first bytes, whatever its name) and anything but a regular file.
import { constants, isAscii, isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { UserError } from './errors.ts';
import { openRegularFile } from './regular-file.ts';
import { BINARY_SAMPLE_BYTES, BinaryWatch, notUtf8Text } from './text-encoding.ts';
import { cutShortText, endsInsideCharacter, firstDefect, latin1Reading, lineDefects, type LineDefect } from './utf8-defects.ts';

/** How much of the binary data that ends a file its one line holds (readLines with `watchBinary`): enough to show. */
const TAIL_CHARS = 1 << 16;

export interface Line {
  text: string;
  lineNo: number;
  /**
   * The line's size in the file: its bytes, its BOM and its line end (LF, CRLF, a lone CR, a DOS Ctrl-Z after the last)
   * included, so that a file's lines add up to its size (a reader's progress, a span of lines said in bytes). The binary
   * data that ends a file (`binary`), one line, is the bytes from its start to the end of the file.
   */
  bytes: number;
  /**
   * The line ended with CRLF, whose CR `text` leaves out (cleanLine), or with the CR that ends the file: a reader that
   * keeps a line break as the file has it (a CSV's quoted cell, as Python's csv reads it) puts it back.
   */
  crlf?: true;
  /**
   * The line ended with a lone CR that the reading made a line end (a file of classic-Mac line ends, or `anyLineEnd`):
   * a reader that keeps a line break as the file has it puts it back.
   */
  cr?: true;
  /**
   * The column (0-based) of `text`'s first character on the file's line, where a reader cut characters before it (an
   * RS, a comment before a record): details that say where on the line count from the line's start. Absent: 0.
   */
  from?: number;
  /** Present when the line's bytes are not clean UTF-8 text (then `text` holds U+FFFD replacements): the first defect. */
  defect?: LineDefect;
  /** With `defect`: every defect of the line, in order (a line of a minified JSON array holds many records). */
  defects?: LineDefect[];
  /**
   * On this line and every one after it, where the file has turned into binary data (text-encoding.ts BinaryWatch: an
   * 8 KiB window of NUL and control bytes, an image appended to a text): why, in binaryData's words.
   */
  binary?: string;
}

/** Where a stream of chunks stands for lfLineEnds: the last chunk ended with a CR, so an LF the next one starts with is its CRLF's. */
export interface LineEndState {
  afterCr: boolean;
}

/**
 * Makes every line end of `chunk` an LF, in place, so that a reader splits at LF alone: a lone CR (classic Mac, a
 * tool that writes \r) becomes one, and a CRLF stays as it is (cleanLine drops its CR). A CR that ends the chunk
 * becomes one at once, and the LF the next chunk may start with (the second half of that CRLF) is left out of the
 * view returned. The one splitter of every reader of lines that may end either way: readLines with `anyLineEnd`
 * (a run's metrics.jsonl, the dashboard's tail of it). `madeAt` is given the index of each CR made an LF (Line.cr).
 */
export function lfLineEnds(chunk: Buffer<ArrayBuffer>, state: LineEndState, madeAt?: number[]): Buffer<ArrayBuffer> {
  let start = 0;
  if (state.afterCr && chunk.length > 0) {
    state.afterCr = false;
    if (chunk[0] === 0x0a) start = 1;
  }
  for (let i = chunk.indexOf(0x0d, start); i >= 0; i = chunk.indexOf(0x0d, i + 1)) {
    if (i + 1 === chunk.length) {
      chunk[i] = 0x0a;
      state.afterCr = true;
      madeAt?.push(i);
    } else if (chunk[i + 1] !== 0x0a) {
      chunk[i] = 0x0a;
      madeAt?.push(i);
    }
  }
  return chunk.subarray(start);
}

/** The Line of one line's text as read (cleanLine) and its size in the file, saying whether it ended with a CR. */
function lineOf(s: string, lineNo: number, bytes: number): Line {
  const text = cleanLine(s);
  return s.charCodeAt(s.length - 1) === 0x0d ? { text, lineNo, bytes, crlf: true } : { text, lineNo, bytes };
}

/** One line as read: without its CR before the newline, and without a BOM at its start. */
export function cleanLine(s: string): string {
  let t = s.endsWith('\r') ? s.slice(0, -1) : s;
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  return t;
}

/** The longest line read: V8's longest string (a longer line is an error naming it; bytes ≥ its UTF-16 units). */
export const MAX_LINE_BYTES = constants.MAX_STRING_LENGTH;

/**
 * The lines of `file`. With `anyLineEnd` every LF, CRLF and lone CR ends a line (lfLineEnds: a run's metrics.jsonl,
 * whatever rewrote it); without, a lone CR does only in a file whose first chunk has CRs and no LF (data files,
 * where a CR inside a CSV's quoted cell is the data's own: the readers of records cut at the others themselves, JSON
 * Lines at one outside its records, CSV rows and lines of text with cutAtLoneCrs).
 */
/** Ctrl-Z (SUB), which DOS tools write after a text file's last line as its end. */
const DOS_EOF = 0x1a;

/** A line of a file, or the part of one after a lone CR (`afterCr`: cutAtLoneCrs), which has the line's number. */
export interface CutLine extends Line {
  afterCr?: true;
}

/** The line break between two lines of a file as the file has it: a lone CR, CRLF or LF (a CSV's quoted cell keeps it, as Python's csv does). */
export function lineBreakBetween(before: CutLine, after: CutLine): string {
  return after.afterCr || before.cr ? '\r' : before.crlf ? '\r\n' : '\n';
}

/**
 * Whether `l`, a line as read (its text not cut), has no line end after it in the file (only the file's last line may
 * not: a file cut short in it, as jsonl-unclosed.ts and csv-rows.ts read such a line): its bytes are its text's, with at
 * most a BOM before (3 bytes; an LF, CRLF or lone CR is 1 or 2, and 4 or 5 with a BOM).
 */
export function withoutLineEnd(l: Line): boolean {
  const extra = l.bytes - Buffer.byteLength(l.text);
  return !l.crlf && !l.cr && (extra === 0 || extra === 3);
}

/**
 * The lines cut at their lone CRs (readDataLines ends lines at LF, and at CR only in a file of lone-CR line ends: CR-ended
 * lines appended to an LF file stay in one), each part a line of its own with the line's number, as Python's csv and
 * pandas end a CSV row and its universal newlines a line of text. A line that is not UTF-8 text is left whole, rejected as
 * one (as jsonl-cr.ts leaves it). Each part's bytes are its own and its CR's (the last part's, its line end's): they add up to the line's.
 */
export function* cutAtLoneCrs(lines: Iterable<Line>): Generator<CutLine> {
  for (const l of lines) {
    if (l.defect !== undefined || l.binary !== undefined || !l.text.includes('\r')) yield l;
    else yield* partsOfLine(l, l.text.split('\r'));
  }
}

/**
 * `line` cut into `parts` at lone CRs of its text (cutAtLoneCrs, jsonl-cr.ts), each a line with its number, each but the
 * first after a CR (afterCr); the line's end (crlf, cr) ends its last. Each part's bytes are its own and its CR's (a BOM's
 * too for the first, the line end's for the last): they add up to the line's.
 */
export function partsOfLine(line: Line, parts: readonly string[]): CutLine[] {
  const { crlf, cr, from, ...rest } = line; // (`from`: the first part's; a part after a CR starts a line of its own)
  // (the text is UTF-8: its bytes are its characters'; past them and a CRLF, a line has at most 2 of line end, an LF or a
  // lone CR and the file's last Ctrl-Z, so 3 more are a BOM)
  let left = line.bytes;
  const bom = left - Buffer.byteLength(line.text) - (crlf ? 2 : 0) >= 3 ? 3 : 0;
  return parts.map((text, i) => {
    const last = i === parts.length - 1;
    const bytes = last ? left : (i === 0 ? bom : 0) + Buffer.byteLength(text) + 1;
    left -= bytes;
    return { ...rest, text, bytes, ...(i > 0 ? { afterCr: true as const } : from !== undefined ? { from } : {}), ...(last && crlf ? { crlf } : {}), ...(last && cr ? { cr } : {}) };
  });
}

/**
 * The lines of a data file a reader of records takes (JSON Lines, a JSON array, CSV, plain text): readLines watching for
 * binary data (from where the file turns into it, one line to its end).
 */
export function readDataLines(file: string): Generator<Line> {
  return readLines(file, undefined, undefined, false, true);
}

export function* readLines(file: string, chunkBytes = 1 << 20, maxLineBytes = MAX_LINE_BYTES, anyLineEnd = false, watchBinary = false): Generator<Line> {
  // a FIFO, folder or device in the file's place is a one-line error, never a read that blocks forever
  const fd = openRegularFile(file);
  const buf = Buffer.alloc(chunkBytes);
  let parts: Buffer[] = []; // bytes of the line still open at the end of the last chunk
  let open = 0; // their length
  let lineNo = 0;
  let first = true;
  let crOnly = anyLineEnd; // a lone CR ends a line: asked for, or classic Mac line ends found in the first chunk
  const ends: LineEndState = { afterCr: false };
  // with crOnly, the file offsets of the lone CRs lfLineEnds made line ends that no line split off has passed yet (Line.cr)
  const madeEnds: number[] = [];
  let madeNext = 0;
  let readAt = 0; // the file offset of the chunk read
  let lineAt = 0; // the file offset of the next line split off
  let yielded = 0; // the bytes of the lines yielded (the binary data that ends a file is the rest)
  // the offset of a Ctrl-Z that ends the file after a line end (DOS's copy /a: `…\r\n\x1a`), which no line holds: the
  // line before it takes it (Line.bytes), as the last line takes one that follows its text; else -1
  let dosEofAt = -1;
  const takeDosEof = (line: Line): void => {
    if (lineAt !== dosEofAt) return;
    line.bytes++;
    lineAt++;
  };
  let size = 0; // the file's, where a line whose bytes end inside a character is the file cut short (LineDefect.cutShort)
  let defective = false; // a line taken so far holds a defect: the file's encoding is in question, not where it ends
  let cutAt: Line | undefined; // the last line taken that may be where the file was cut short (no line before it defective)
  /**
   * Keeps count of a line split off: its number, where the next starts; says whether its end was a lone CR made an LF,
   * and whether it is where the file was cut short.
   */
  const took = (line: Line): Line => {
    lineNo = line.lineNo;
    lineAt += line.bytes;
    if (madeNext < madeEnds.length) {
      while (madeNext < madeEnds.length && madeEnds[madeNext]! < lineAt - 1) madeNext++;
      if (madeEnds[madeNext] === lineAt - 1) {
        line.cr = true;
        madeNext++;
      }
      if (madeNext === madeEnds.length) madeEnds.length = madeNext = 0;
    }
    takeDosEof(line);
    if (line.defect?.cutShort) {
      if (!defective) cutAt = line;
      cutShort(line, lineAt === size && !defective, fd, size);
    }
    defective ||= line.defect !== undefined;
    return line;
  };
  // watchBinary: where the file turns into binary data (BinaryWatch), each byte judged as it is read; the lines of a
  // chunk's last 8 KiB are held until the next chunk is judged too, so that a blob that starts there marks its first line
  const watch = watchBinary ? new BinaryWatch() : null;
  let binaryFrom = Infinity, binaryWhy = ''; // the line where the file turns into binary data, and why
  let endsBefore = 0; // line ends (0x0A) in the bytes before the chunk being read
  let held: Line[] = [];
  // from binaryFrom on, the lines are one: its start, joined (TAIL_CHARS), carrying a binary defect that says so; the
  // rest of the file is not read. A reader rejects it as one record, not each line as binary or invalid_utf8 (the
  // warning then said to convert the file from Windows-1252)
  const tail: Line = { text: '', lineNo: 0, bytes: 0 };
  const marked = (line: Line): Line | null => {
    if (line.lineNo < binaryFrom) {
      yielded += line.bytes;
      return line;
    }
    if (tail.lineNo === 0) tail.lineNo = line.lineNo;
    else if (tail.text.length < TAIL_CHARS) tail.text += '\n';
    if (tail.text.length < TAIL_CHARS) tail.text += line.text.slice(0, TAIL_CHARS - tail.text.length);
    return null;
  };
  try {
    size = fs.fstatSync(fd).size;
    dosEofAt = dosEofOffset(fd, size);
    for (;;) {
      if (tail.lineNo > 0) break; // binary data to the end: the rest is not read
      const n = fs.readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      let chunk = buf.subarray(0, n);
      if (first) {
        first = false;
        const notText = notUtf8Text(chunk, file);
        if (notText) throw new UserError(notText, file);
        crOnly ||= crLineEnds(chunk);
      }
      if (crOnly) {
        const made = madeEnds.length;
        const view = lfLineEnds(chunk, ends, madeEnds);
        for (let i = made; i < madeEnds.length; i++) madeEnds[i]! += readAt;
        const last = held[held.length - 1];
        if (view.length < chunk.length && last !== undefined) {
          // the LF of the CRLF whose CR ended the last chunk: the line it ends waited for it (held)
          last.bytes++;
          lineAt++;
          delete last.cr;
          last.crlf = true;
          takeDosEof(last);
          // its line end now ends the file: the line that ends inside a character was where the file was cut short
          if (last === cutAt && lineAt === size) cutShort(last, true, fd, size);
        }
        chunk = view;
      }
      readAt += n;
      if (chunk.length === 0) continue;
      if (watch !== null) {
        const found = binaryFrom === Infinity ? watch.judge(chunk) : null;
        // the line holding the byte where it starts: counted back from the chunk's start when it is before it
        if (found !== null) [binaryFrom, binaryWhy] = [endsBefore + 1 + (found.at < 0 ? -found.endsBack : lineEndsBefore(chunk, found.at)), found.why];
        endsBefore += lineEndsBefore(chunk, chunk.length);
      }
      for (const line of held) {
        const out = marked(line);
        if (out !== null) yield out;
      }
      held = [];
      if (chunk.lastIndexOf(0x0a) < 0) {
        parts.push(Buffer.from(chunk)); // no line ends in this chunk: keep a copy, concatenate once
        open += chunk.length;
        if (open > maxLineBytes) {
          throw new UserError(`a line of more than ${maxLineBytes} bytes, longer than a string can be: split it (one record a line, or a pretty-printed JSON array)`, `${file}:${lineNo + 1}`);
        }
        continue;
      }
      if (parts.length > 0) {
        parts.push(chunk);
        chunk = Buffer.concat(parts);
        parts = [];
      }
      const end = chunk.lastIndexOf(0x0a);
      // the lines up to the chunk's last newline, the last of them being the one that newline ends
      // with a watch, the lines within its window of the chunk's end wait for the next chunk's judgement
      const safe = chunk.length - 1 - BINARY_SAMPLE_BYTES; // a line end here or before has a window of judged bytes after it
      let direct = watch === null || binaryFrom !== Infinity ? end : safe < 0 ? -1 : chunk.lastIndexOf(0x0a, Math.min(end, safe));
      // a lone CR that ends the chunk, made an LF, may be the CR of a CRLF: its line waits for the next chunk's first byte
      if (ends.afterCr && direct === end) direct = end > 0 ? chunk.lastIndexOf(0x0a, end - 1) : -1;
      if (direct >= 0) {
        for (const line of splitLines(chunk.subarray(0, direct), lineNo, 1)) {
          const out = marked(took(line));
          if (out !== null) yield out;
        }
      }
      if (direct < end) {
        for (const line of splitLines(chunk.subarray(direct + 1, end), lineNo, 1)) held.push(took(line));
      }
      open = 0;
      if (end + 1 < chunk.length) {
        parts.push(Buffer.from(chunk.subarray(end + 1)));
        open = chunk.length - end - 1;
      }
    }
    let rest = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    // a Ctrl-Z that ends the file is DOS's end-of-file mark (copy /a, old editors), not text: it made a last record of its
    // own; it ends the last line, as a line end would
    let restEnd = 0;
    if (rest.length > 0 && rest[rest.length - 1] === DOS_EOF) [rest, restEnd] = [rest.subarray(0, rest.length - 1), 1];
    // (the lines held are read: past where binary data began, they are its text, as a CR-ended last line is)
    for (const line of held) {
      const out = marked(line);
      if (out !== null) yield out;
    }
    if (tail.lineNo === 0) {
      // a Ctrl-Z that is the whole file (an empty file copy /a wrote) is one blank line of its byte: the lines add up to the size
      if (rest.length > 0 || (restEnd > 0 && lineNo === 0)) {
        for (const line of splitLines(rest, lineNo, restEnd, lineNo === 0)) {
          const out = marked(took(line));
          if (out !== null) yield out;
        }
      }
    }
    if (tail.lineNo > 0) {
      const detail = tail.lineNo === 1 ? `binary data, not text (${binaryWhy}): the whole file is one record, not cut at its line ends`
        : `binary data from line ${tail.lineNo} to the end of the file (${binaryWhy}): one record, not cut at its line ends`;
      const defect: LineDefect = { kind: 'binary', byte: 1, char: 0, detail };
      // its bytes are the file's from its start (the rest of the file is not read)
      yield { ...tail, bytes: fs.fstatSync(fd).size - yielded, defect, defects: [defect], binary: binaryWhy };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The offset of the file's last byte when it is a Ctrl-Z (DOS_EOF), else -1: one read of that byte, not of the file. */
function dosEofOffset(fd: number, size: number): number {
  if (size === 0) return -1;
  const b = Buffer.alloc(1);
  return fs.readSync(fd, b, 0, 1, size - 1) === 1 && b[0] === DOS_EOF ? size - 1 : -1;
}

/**
 * Makes the defect of `line`, whose bytes end inside a character (LineDefect.cutShort), say the file was cut short when
 * it `is` (the line ends the file, and no line before holds a defect): no encoding to convert from, which would garble
 * the file (unless it may be Latin-1 text: LineDefect.latin1, read from `fd`, of `size` bytes). Else it is an invalid_utf8
 * defect as any other.
 */
function cutShort(line: Line, is: boolean, fd: number, size: number): void {
  const d = line.defect!;
  if (!is) {
    delete d.cutShort;
    return;
  }
  d.cutShort = true;
  const at = size - line.bytes + d.byte - 1; // the lead byte's offset: the line ends the file
  const b = Buffer.alloc(2);
  const n = fs.readSync(fd, b, 0, 2, at);
  const latin1 = latin1Reading(b[0]!, n === 2 ? b[1] : undefined, () => asciiBefore(fd, at));
  if (latin1 !== undefined) d.latin1 = latin1;
  d.detail = cutShortText(d.byte, line.lineNo, 'Its last record is incomplete', latin1);
  delete d.readsAs;
}

/** Whether the file's bytes before offset `end` are all ASCII (read again in 1 MiB pieces: once, for a file cut short). */
function asciiBefore(fd: number, end: number): boolean {
  const buf = Buffer.alloc(Math.min(end, 1 << 20));
  for (let at = 0; at < end;) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
    if (n === 0 || !isAscii(buf.subarray(0, n))) return false;
    at += n;
  }
  return true;
}

/** How many line ends (0x0A) `chunk` holds before its index `at` (none when `at` ≤ 0). */
export function lineEndsBefore(chunk: Uint8Array, at: number): number {
  let n = 0;
  for (let i = chunk.indexOf(0x0a); i >= 0 && i < at; i = chunk.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Whether a file's first chunk ends its lines with lone CRs (classic Mac, Excel's "CSV (Macintosh)"): it holds more of
 * them than LFs. Not only when it holds no LF: a Mac CSV's cell may hold an LF typed into it, and read at LFs alone its
 * rows ran together into the header. A stray CR in an LF file, or a CRLF file, holds fewer. A CR that ends the chunk
 * may be the first half of a CRLF, and is not counted.
 */
function crLineEnds(chunk: Buffer): boolean {
  let lone = 0, lf = 0;
  for (let i = chunk.indexOf(0x0d); i >= 0 && i < chunk.length - 1; i = chunk.indexOf(0x0d, i + 1)) if (chunk[i + 1] !== 0x0a) lone++;
  if (lone === 0) return false;
  for (let i = chunk.indexOf(0x0a); i >= 0 && lf < lone; i = chunk.indexOf(0x0a, i + 1)) lf++;
  return lone > lf;
}

/**
 * The lines of `bytes` (which hold no final newline: n newlines give n + 1 lines), numbered from
 * `before` + 1, the last of them `endBytes` longer in the file (its line end, which `bytes` leaves out). Clean text is
 * decoded in one go; otherwise line by line, to find the defective ones. `wholeFile`: the bytes are a file's, one line
 * with no line end.
 */
function* splitLines(bytes: Buffer, before: number, endBytes: number, wholeFile = false): Generator<Line> {
  let lineNo = before;
  if (bytes.indexOf(0) < 0 && isUtf8(bytes)) {
    const text = bytes.toString('utf8');
    // a line's size: ASCII text's characters are its bytes; other text's line ends are found in its bytes too (memchr)
    const ascii = text.length === bytes.length;
    let start = 0, byteStart = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      lineNo++;
      if (nl < 0) {
        yield lineOf(text.slice(start), lineNo, bytes.length - byteStart + endBytes);
        return;
      }
      const byteNl = ascii ? nl : bytes.indexOf(0x0a, byteStart);
      yield lineOf(text.slice(start, nl), lineNo, byteNl + 1 - byteStart);
      start = nl + 1;
      byteStart = byteNl + 1;
    }
  }
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const seg = bytes.subarray(start, nl < 0 ? bytes.length : nl);
    lineNo++;
    const defects = seg.indexOf(0) < 0 && isUtf8(seg) ? [] : lineDefects(seg, wholeFile);
    // a line that ends inside a character may be where the file was cut short: readLines says so if it ends the file
    if (endsInsideCharacter(seg, defects)) defects[0]!.cutShort = true;
    const line = lineOf(seg.toString('utf8'), lineNo, seg.length + (nl < 0 ? endBytes : 1));
    yield defects.length > 0 ? { ...line, defect: firstDefect(defects)!, defects } : line;
    if (nl < 0) return;
    start = nl + 1;
  }
}
