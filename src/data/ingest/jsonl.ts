// JSON Lines: every non-blank line is one record. A BOM or RS (an RFC 7464 JSON text sequence: json-seq.ts) at the start of any line, CRLF endings and
// whitespace around the JSON are accepted (readLines strips the BOM and CR; the rest is trimmed here). Lone CRs in a
// line (records ended the classic-Mac way in a file readLines reads by LF) end its records where no bracket is open,
// and where one left open would swallow the next (jsonl-cr.ts).
// A line break typed into a string value (a line, or a pretty-printed record) makes the record's lines one invalid_json
// record at its first line (jsonl-line-break.ts), not one per line.
// A line that is not UTF-8 text is rejected as invalid_utf8 or binary without being parsed, and one longer
// than ReadOptions.maxRawChars as too_long (parsing it would take memory in proportion to it). Python's NaN and
// Infinity, and a line that is Python's str() of a dict, are read as Python reads them (python-json.ts). A record
// with a key twice (with different values), however it was read, is invalid_json: JSON.parse and ast.literal_eval
// would silently keep the last (duplicate-keys.ts).
// Pretty-printed objects one after another (what `jq .` writes, or json.dumps(indent=2) per record; jsonl-pretty.ts) are read too:
// a line holding only "{" (in a .json file a comment may follow it), which no JSON Lines record is, opens an object whose lines up to its closing
// brace are one record at that line (a "{" after that brace, `}{`, opens the next). One that does not close before the next such line (indented no more), within maxRawChars or before
// the end of the file (a stray "{") rejects its first line alone, and the lines after it are read again as
// lines: each line is scanned at most twice; one the file ends inside with no record of its own at its top level (a
// file cut short) is one record, rejected as truncated, and one a "}" indented as its "{" closes below it (a quote or bracket left
// open inside) is one invalid_json record of its lines (jsonl-unclosed.ts). So does one that closes but does not parse while a line at its top level
// is a record of its own, or a line holding only "{", where a key belongs (a stray "{" above records, indented too, and a stray "}" below them). A line that is a JSON array of objects (a batch written per line, or a
// one-line array as the first line: json.ts; as Python wrote it too, or with a trailing comma) holds its elements as records, each at the line, each parsed from its own
// text; an empty one holds none; `onNote` is told how many lines and records were read so. A record followed by a comma
// and nothing else (`{"text": "a"},`: the lines of a JSON array's body, pasted without its brackets) is read as the
// record, and `onNote` is told how many lines were; any other text after a record leaves the line invalid_json. In a .json
// file (JSONC, as json.ts reads it) comments are skipped and noted: those that start a line (a block up to the line where
// it closes), and those within a line (a record's, or one after it). The "[" and "]" lines of a JSON array pretty-printed
// among the records (after a first array's records, or between records) are no records: its elements between them are
// read as the lines they are; a "[" line that no "]" line closes, or a "]" line that closes none, is rejected saying so.
import { partsOfLine, readDataLines, type Line } from '../../util/lines.ts';
import { closeIndex, commentAt, commentsNote, countComment, isTurn, SingleQuotes, uncounted, unclosedComment, withoutComments, type CommentTally, type JsonScan } from './json-object-scan.ts';
import { crPieces } from './jsonl-cr.ts';
import { objectIndent, prettyObject, type RawLimit } from './jsonl-pretty.ts';
import { brokenRecord } from './jsonl-line-break.ts';
import { closedAtIndent, cutLastLine, cutShort, openAbove, unclosedArray } from './jsonl-unclosed.ts';
import { jsonSeqNote, startsText, withoutRecordSeparator, type SeqTally } from './json-seq.ts';
import { jsonErrorDetail, type JsonSource } from './json-error-detail.ts';
import { stringEnd } from './number-spellings.ts';
import { parseJsonText } from './python-json.ts';
import type { Rejection } from '../record.ts';
import { REPLAY_LIMIT, defectRejection, recordDefect, withinMaxChars, type RawItem, type ReadOptions } from './types.ts';
import { trimmedAlike } from './written-raw.ts';

/**
 * With `jsonc` (a .json file, where json.ts allows comments), comments that start a line are skipped and noted. With
 * `lines`, the file's lines from where they are read (json-array.ts: JSON Lines after an array), not from its start.
 */
export function* readJsonl(file: string, opts: ReadOptions = {}, jsonc = false, lines?: Iterator<Line>): Generator<RawItem> {
  const source = lines ?? readDataLines(file);
  const arraysOpen: number[] = []; // the lines of the "[" whose "]" is not yet read, innermost last (an array of batches nests)
  try {
    // an item read while a "[" line is open is marked (RawItem.inOpenArray): that line is rejected after it if no "]" closes it
    for (const item of jsonlRecords(file, opts, jsonc, source, arraysOpen)) yield arraysOpen.length > 0 ? { ...item, inOpenArray: true } : item;
  } finally {
    source.return?.(undefined); // left before the end (its consumer threw, or stopped): the file closed, not its descriptor kept
  }
}

function* jsonlRecords(file: string, opts: ReadOptions, jsonc: boolean, source: Iterator<Line>, arraysOpen: number[]): Generator<RawItem> {
  // lines read ahead for an object that never closed, read again as lines from `at` (a queue: shift() and a spread
  // unshift() of hundreds of thousands of lines would be quadratic, or overflow the stack)
  let again: Line[] = [], at = 0;
  let replayed = 0; // characters of lines read ahead for objects not closed, read again (REPLAY_LIMIT)
  let lastRead: Line | undefined; // the line the source gave last, as read (an RS or a comment not cut from its text)
  const next = (): Line | undefined => {
    if (at < again.length) return again[at++];
    const r = source.next();
    if (r.done) return undefined;
    opts.onBytes?.(r.value.bytes);
    lastRead = r.value;
    return r.value;
  };
  const arrays = { lines: 0, records: 0, first: 0 };
  const commas = { lines: 0, first: 0 };
  const trailing = { count: 0, first: 0 }; // batch lines with a comma before their "]"
  const comments: CommentTally = { count: 0, first: 0, kinds: new Set() };
  const brackets = { arrays: 0, first: 0 }; // pretty-printed arrays among the records, the first's "[" line
  const seq: SeqTally = { lines: 0, first: 0 }; // lines that start with RS: an RFC 7464 JSON text sequence (json-seq.ts)
  /** The file's last line as read, when the file ends after the line read last (a line read to tell is read again); else undefined. */
  const fileEnd = (): Line | undefined => {
    const after = next();
    if (after === undefined) return lastRead;
    again = [after].concat(again.slice(at));
    at = 0;
    return undefined;
  };
  for (let l = next(); l !== undefined; l = next()) {
    if (!l.defect) l = withoutRecordSeparator(l, seq);
    if (jsonc && !l.defect && l.text.trimStart().startsWith('/')) {
      const rest = pastComments(l, next, comments, file);
      if (rest === null) continue;
      l = rest;
    }
    const { text, lineNo, defect } = l;
    // lone CRs between records (CR-ended lines appended to a file that readLines ends at LF): JSON has no raw CR in a
    // string, so one outside every bracket ends a record; the pieces are read as lines, at this line's number
    const pieces = defect ? null : crPieces(text);
    if (pieces !== null) {
      again = partsOfLine(l, pieces).concat(again.slice(at));
      at = 0;
      continue;
    }
    let t = text.trim();
    if (t === '') continue;
    const column = (l.from ?? 0) + text.length - text.trimStart().length; // of t's first character on the file's line
    const indent = objectIndent(text, jsonc);
    if (indent >= 0 && !defect) {
      const pretty = prettyObject(l, indent, next, opts, jsonc);
      if (pretty.readAhead) {
        const cut = pretty.atEnd ? cutShort(l, pretty.readAhead, pretty.resume) : null;
        // lines of its own before the record at its top level (`"n": {4`): a bracket in it left open, those lines one record
        const above = pretty.recordAt === undefined ? null : openAbove(l, pretty.readAhead, pretty.recordAt, pretty.why, jsonc);
        const resume = pretty.resume ? [pretty.resume] : []; // the RS line that ended it: read again, as the next text
        // else a "}" indented as its "{" below it, the lines between deeper: a quote or bracket left open in it, those lines one record
        const closed = cut ?? above ?? pretty.resume ? null : closedAtIndent(l, indent, pretty.readAhead, next, pretty.why, 2 * (opts.maxRawChars ?? Infinity), pretty.tooLong, jsonc); // its JSON and comments each within maxRawChars
        const rest = cut ? [] : above?.rest ?? closed?.rest ?? pretty.readAhead;
        const one = cut ?? above?.item ?? closed?.item;
        // the lines read ahead are read again as lines, REPLAY_LIMIT characters in all (opts.replayChars): past it, the object's lines one rejection
        replayed += rest.reduce((n, r) => n + r.text.length + 1, 0);
        const spent = !one && replayed > (opts.replayChars ?? REPLAY_LIMIT) && rest.length > 0;
        again = (spent ? resume : rest.concat(resume)).concat(again.slice(at));
        at = 0;
        if (one) {
          yield one;
          continue;
        }
        const stray = pretty.recordAt === undefined ? '' : `, and line ${pretty.recordAt} inside it holds a record where a key belongs: a stray "{"?`
          + (spent ? '' : ' (the lines after it are read as lines)');
        const unread = spent ? ` (its lines to line ${rest.at(-1)!.lineNo} are this record: more than ${(opts.replayChars ?? REPLAY_LIMIT).toLocaleString('en-US')} characters of the file were read again after such objects, which no data file needs)` : '';
        yield { line: lineNo, raw: spent ? [l, ...rest].map((r) => r.text).join('\n').trim() : t, error: { reason: 'invalid_json', detail: `a line holding only "{" opens an object that is not closed ${pretty.why}${stray}${unread}` } };
        continue;
      }
      if (pretty.recordAt !== undefined && strayOpen(pretty.raw, lineNo, opts, jsonc)) {
        // `{` left alone above records, and a stray `}` (or a record's extra one) below them: the object "closes" but
        // does not parse, and a line at its top level is a record where a key belongs; read its lines again as lines
        again = pretty.lines.concat(again.slice(at));
        at = 0;
        yield { line: lineNo, raw: t, error: { reason: 'invalid_json', detail: `a line holding only "{" opens an object that does not parse, and line ${pretty.recordAt} inside it holds a record where a key belongs: a stray "{"? (the lines after it are read as lines)` } };
        continue;
      }
      if (pretty.reopen) {
        // `}{`: the next object opens on the line this one closes
        again = [pretty.reopen].concat(again.slice(at));
        at = 0;
      }
      if (pretty.bad) {
        yield { line: lineNo, raw: pretty.raw, error: pretty.bad };
        continue;
      }
      t = pretty.raw;
    } else if (defect) {
      yield { line: lineNo, raw: t, error: defectRejection(defect, lineNo) };
      continue;
    } else {
      // a line break typed into a string value: the record's lines are one rejection (jsonl-line-break.ts)
      const broken = brokenRecord(l, next, opts.maxRawChars, jsonc);
      if (broken.ahead.length > 0) {
        again = broken.ahead.concat(again.slice(at));
        at = 0;
      }
      if (broken.item) {
        yield broken.item;
        continue;
      }
    }
    // a comment after the record, or inside it (a `/*` left open on it is left for the parse to reject): parsed blanked
    // (a place said in it is the file's), kept as written in raw (written-raw.ts); maxRawChars counts the JSON's characters
    let written = t, limit: RawLimit = opts;
    if (jsonc && t.includes('/')) {
      const blank = { chars: 0 };
      ({ text: t, written } = trimmedAlike(withoutComments(t, comments, lineNo, undefined, blank), t));
      if (blank.chars > 0 && written.length - blank.chars <= (opts.maxRawChars ?? Infinity)) limit = { ...opts, maxRawChars: Infinity };
    }
    const inWritten = written === t ? undefined : written; // the records' raw, where their text blanked comments
    // the "[" and "]" lines of a JSON array pretty-printed among the records (after an array's records, or between
    // records): no records themselves; the lines between them are its elements, read as the records they are
    if (t === '[') {
      arraysOpen.push(lineNo);
      continue;
    }
    if (t === ']' || /^\]\s*,$/.test(t)) {
      const open = arraysOpen.pop();
      if (open !== undefined) {
        brackets.arrays++;
        brackets.first = brackets.first === 0 ? open : Math.min(brackets.first, open);
      } else {
        yield { line: lineNo, raw: t, error: { reason: 'invalid_json', detail: 'a line holding only "]" closes no array (no line holding only "[" before it)' } };
      }
      continue;
    }
    // `{"text": "a"},`: the lines of a JSON array's body (pasted, or written by hand) are read as their records
    const body = recordBeforeComma(t);
    // `[{…}, {…},]`: a batch with a trailing comma (JavaScript's and Python's literals allow it) is read as its records;
    // anything else as written
    const trimmed = withoutTrailingComma(body ?? t);
    const batch = trimmed === null ? null : lineItem(trimmed, lineNo, limit, column, inWritten);
    const item = batch !== null && 'records' in batch ? batch : lineItem(body ?? t, lineNo, limit, column, inWritten);
    if (item === batch) {
      trailing.count++;
      trailing.first ||= lineNo;
    }
    if (body !== null && ('records' in item || item.error === undefined)) {
      commas.lines++;
      commas.first ||= lineNo;
    }
    if (!('records' in item)) {
      // a record rejected for what it holds keeps its comma in rejected.jsonl: the text as it is in the file
      const it = body !== null && item.error !== undefined && item.error.reason !== 'too_long' ? { ...item, raw: t } : item;
      // its raw as written (the same places as `t`: its text up to where the parsed text ends, its comma kept)
      const raw = it.error?.reason === 'too_long' ? written.slice(0, 1 << 16) : it.raw === t ? written : written.slice(0, it.raw.length);
      yield cutLastLine(raw === it.raw ? it : { ...it, raw }, l, t, fileEnd); // `{"text": "on` that ends the file: cut short (jsonl-unclosed.ts)
      continue;
    }
    arrays.lines++;
    arrays.first ||= lineNo;
    for (const r of item.records) {
      arrays.records++;
      yield r;
    }
  }
  for (const open of arraysOpen) yield unclosedArray(open);
  const note = commentsNote(comments);
  if (note) opts.onNote?.(note);
  const seqNote = jsonSeqNote(seq);
  if (seqNote) opts.onNote?.(seqNote);
  if (brackets.arrays > 0) {
    const n = brackets.arrays;
    const [its, a] = n === 1 ? ['its', 'a JSON array'] : ['their', `${n} JSON arrays`];
    opts.onNote?.(`${a} pretty-printed among the JSON Lines ("[" at line ${brackets.first}${n === 1 ? '' : ' first'}): the lines of ${its} "[" and "]" read as ` +
      `no record, those between them as the records they are (HF's load_dataset("json") refuses such a file: make it one JSON array, or one record a line)`);
  }
  if (arrays.lines > 0) {
    const lines = arrays.lines === 1 ? `1 line holds a JSON array of records, not one record (line ${arrays.first})` : `${arrays.lines} lines hold a JSON array of records, not one record (line ${arrays.first} first)`;
    opts.onNote?.(`${lines}: read as the ${arrays.records === 1 ? 'record' : `${arrays.records} records`} ${arrays.lines === 1 ? 'it holds' : 'they hold'}, each at its line (JSON Lines holds one record a line)`);
  }
  if (trailing.count > 0) opts.onNote?.(trailingCommaNote(trailing.count, trailing.first));
  if (commas.lines > 0) {
    const n = commas.lines;
    opts.onNote?.(`${n === 1 ? '1 line ends' : `${n} lines end`} with a comma after the record (line ${commas.first}${n === 1 ? '' : ' first'}; lines cut from a JSON array?): ` +
      `read as the record before it; JSON Lines holds one record a line with nothing after it: remove the comma${n === 1 ? '' : 's'}, or put [ ] around the lines to make the file a JSON array`);
  }
}

/**
 * Line `l` past the comments it starts with (JSONC: `//` to the end of its line, `/* ... *\/` up to the line where it
 * closes), counted into `tally`: what follows the last on its line, or null when nothing does. A `/*` never closed is a
 * UserError at its line, as in a JSON array (its records would be read though the writer took them for comment).
 */
function pastComments(l: Line, next: () => Line | undefined, tally: CommentTally, file: string): Line | null {
  let line = l, rest = l.text.trimStart();
  for (;;) {
    const kind = commentAt(rest, 0);
    if (kind === null) return rest === '' ? null : { ...line, text: rest, from: (line.from ?? 0) + line.text.length - rest.length };
    countComment(tally, kind, line.lineNo);
    if (kind === 'line') return null;
    const opened = line.lineNo;
    let end = rest.indexOf('*/', 2);
    while (end < 0) {
      const n = next();
      if (n === undefined) throw unclosedComment(file, opened);
      line = n;
      rest = n.text;
      end = rest.indexOf('*/');
    }
    rest = rest.slice(end + 2).trimStart();
  }
}

/**
 * The text of the object or array that `t` (a trimmed line, or a pretty-printed object) starts with, when all that
 * follows it is a comma (and whitespace): the lines of a JSON array's body, `{"text": "a"},`; else null. Anything else
 * after it (another value, more text) is left for parseJsonItem to reject.
 */
function recordBeforeComma(t: string): string | null {
  if (!t.endsWith(',') || !(t.startsWith('{') || t.startsWith('['))) return null;
  const i = closeIndex({ depth: 0, inString: false, escape: false }, t);
  return i >= 0 && t.slice(i + 1, -1).trim() === '' ? t.slice(0, i + 1) : null;
}

/**
 * `t` (a line's text) without the comma before the "]" that closes it, when it is an array whose last element is
 * followed by one (`[{…}, {…},]`: a trailing comma, which JSON does not allow); else null. `[,]` and `[a,,]` are empty
 * elements, not a trailing comma.
 */
export function withoutTrailingComma(t: string): string | null {
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  const body = t.slice(0, -1).trimEnd();
  if (!body.endsWith(',')) return null;
  const before = body.slice(0, -1).trimEnd();
  if (before.endsWith('[') || before.endsWith(',')) return null;
  // the "]" closes the array that the "[" opens (not a string's or an inner array's), so the comma is outside strings
  return closeIndex({ depth: 0, inString: false, escape: false }, t) === t.length - 1 ? `${before}]` : null;
}

/** The note on `n` arrays read past a comma before their "]" (line `first`, when said), as JavaScript reads them. */
export function trailingCommaNote(n: number, first?: number): string {
  const where = first === undefined ? '' : `; line ${first}${n === 1 ? '' : ' first'}`;
  return `${n === 1 ? 'a comma' : `${n} commas`} before "]" (a trailing comma, which JSON does not allow${where}) read as the end of the array`;
}

/** One item, or the records of a batch (an array of records) read one at a time: see batchItems. */
export type ItemOrBatch = RawItem | { records: Iterable<RawItem> };

/**
 * The record of a line's text `t` (`column` characters into the file's line), or the records it holds (a batch:
 * batchItems, longBatchItems; their raw from `written`, `t` as the file has it where `t` blanked its comments).
 */
function lineItem(t: string, line: number, limit: RawLimit, column: number, written?: string): ItemOrBatch {
  const item = parseJsonItem(t, line, limit, 'line', column);
  if (item.error?.reason !== 'too_long') return batchItems(item, limit, column, written);
  // a line too long to parse whole may still be a batch of records that each fit
  const records = longBatchItems(t, line, limit, column, written);
  return records === null ? item : { records };
}

/**
 * The records of `item` when its value is an array of objects (a batch of records: none when empty), each parsed from
 * its own text at the item's line as it is read, as longBatchItems gives them: all parsed at once, they would take as
 * much memory again as the value, which is let go once its shape is judged (the caller holds only what this returns);
 * else `item` itself (one value, judged by its shape). An array of chat turns (`role` and `content`, ShareGPT's `from`
 * and `value`) is one chat's, not a batch: one value. `column`: where on its line the item's text starts (0-based);
 * `written`: the item's text as the file has it where its raw blanked comments (a JSON array's element), each record's raw
 * taken from it.
 */
export function batchItems(item: RawItem, limit: RawLimit = {}, column = 0, written?: string): ItemOrBatch {
  const value = item.value;
  if (!Array.isArray(value)) return item;
  const objects = value.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
  if (!objects || (value.length > 0 && value.every((x: object) => isTurn(new Set(Object.keys(x)))))) return item;
  // a batch as Python wrote it (a str() of a list of dicts): its elements are found as a Python literal's strings are
  // told (SingleQuotes); where that walk does not find them all (a string prefix, r'…'), the line stays one value
  if (item.python !== undefined && count(elementTexts(item.raw)) !== value.length) return item;
  return { records: parsedOneByOne(item.raw, item.line, limit, column, written) };
}

/** How many items `items` gives. */
function count(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}

/**
 * The elements of `t`, a JSON array `column` characters into line `line`, each parsed there when it is read (its raw
 * from `written`, `t` as the file has it, where `t` blanked its comments: the same places).
 */
function* parsedOneByOne(t: string, line: number, limit: RawLimit, column: number, written?: string): Generator<RawItem> {
  for (const el of elementTexts(t)) {
    const item = parseJsonItem(el.text, line, limit, 'line', column + el.at);
    yield written === undefined ? item : { ...item, raw: written.slice(el.at, el.at + el.text.length) };
  }
}

/**
 * The records of `t`, a line longer than `maxRaw` (left unparsed whole), when it is an array of objects (a batch: every
 * element's text an object's, the array closing at the line's end), each parsed from its own text (too_long when it is
 * itself longer); else null (one too_long value). As in batchItems, an array of chat turns is one value. Such a line
 * may hold millions of records, which held parsed all at once would take many times its size (a 14 MB line of small
 * records, 250 MB): the shape is judged by a first walk that keeps no value, and the records are parsed again one at a
 * time as they are read, so memory stays within the line and its largest record.
 */
function longBatchItems(t: string, line: number, limit: RawLimit, column: number, written?: string): Iterable<RawItem> | null {
  if (!t.startsWith('[')) return null;
  const turn = (v: unknown) => typeof v === 'object' && v !== null && isTurn(new Set(Object.keys(v)));
  let n = 0, allTurns = true;
  const walk = elementTexts(t);
  let el = walk.next();
  for (; !el.done; el = walk.next()) {
    if (!el.value.text.startsWith('{') || !el.value.text.endsWith('}')) return null;
    const it = parseJsonItem(el.value.text, line, limit);
    allTurns &&= turn(it.value);
    n++;
  }
  if (el.value !== t.length - 1 || n === 0 || allTurns) return null;
  return parsedOneByOne(t, line, limit, column, written);
}

/**
 * The text of each element of `t`, a JSON array, and where in `t` it starts, by one walk that jumps over strings;
 * returns the index of its closing "]" (−1: it does not close).
 */
function* elementTexts(t: string): Generator<{ text: string; at: number }, number> {
  let depth = 0, start = 0;
  const single = new SingleQuotes(); // a Python literal's strings: their brackets and commas are text
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (single.step(c)) continue;
    if (c === 0x22) i = stringEnd(t, i);
    else if (c === 0x7b || c === 0x5b) {
      if (++depth === 1) start = i + 1;
    } else if ((c === 0x7d || c === 0x5d) && --depth === 0) {
      const last = elementAt(t, start, i);
      if (last.text !== '') yield last; // "[]" has no element
      return i;
    } else if (c === 0x2c && depth === 1) {
      yield elementAt(t, start, i);
      start = i + 1;
    }
  }
  return -1;
}

/** `t` from `start` to `end`, trimmed, and where in `t` that starts. */
function elementAt(t: string, start: number, end: number): { text: string; at: number } {
  const piece = t.slice(start, end), text = piece.trimStart();
  return { text: text.trimEnd(), at: start + piece.length - text.length };
}

/** Whether `raw`, a pretty-printed object's text with a record where a key belongs (line `line`), does not parse. */
function strayOpen(raw: string, line: number, limit: RawLimit, jsonc: boolean): boolean {
  const text = jsonc && raw.includes('/') ? withoutComments(raw, uncounted(), line).trim() : raw;
  return parseJsonItem(text, line, limit).error !== undefined;
}

/**
 * Parses one record's JSON text, read at file line `line` (`column` characters into it, 0-based: where its details
 * count from) from `source`; text longer than `limit.maxRawChars` is rejected as too_long unparsed (bounded memory).
 */
export function parseJsonItem(t: string, line: number, limit: RawLimit = {}, source: JsonSource = 'line', column = 0): RawItem {
  const maxRaw = limit.maxRawChars ?? Infinity;
  if (t.length > maxRaw) return { line, raw: t.slice(0, 1 << 16), error: { reason: 'too_long', detail: `the record's JSON is ${t.length} characters, more than the ${maxRaw} that ${withinMaxChars(limit)} can take; rejected unparsed` } };
  try {
    const { value, reading, duplicate } = parseJsonText(t);
    if (duplicate !== undefined) return { line, raw: t, error: { reason: 'invalid_json', detail: duplicate } };
    return reading === 'json' ? { line, raw: t, value } : { line, raw: t, value, python: reading };
  } catch (e) {
    const after = afterFirstValue(t);
    const detail = after?.rest.startsWith('{') || after?.rest.startsWith('[')
        ? `more than one JSON value (a second starts at character ${column + after.at + 1}): records written without a line break between them? Put each on its own line`
        : jsonErrorDetail(t, line, (e as Error).message, source, column);
    return { line, raw: t, error: { reason: 'invalid_json', detail } };
  }
}

/**
 * What may stand between two records glued on one line: whitespace, and the line breaks a JSON Lines reader does not cut
 * at that JavaScript's trimStart keeps (NEL U+0085, and the separators U+001C–U+001E that Python's splitlines cuts at too):
 * `{"a": 1}\u0085{"b": 2}` is as much two records as with U+2028 between them.
 */
const BETWEEN_VALUES = /^[\s\x1c-\x1e\x85]+/;

/**
 * When `t` is one JSON object or array followed by more text, that text (trimmed) and where it starts (0-based), else
 * null: said in the rejection when it is another value (`{"text": "a"}{"text": "b"}`: a writer that left out the newline,
 * the record holds several). A comma alone after it never gets here: readJsonl reads the record before it.
 */
function afterFirstValue(t: string): { rest: string; at: number } | null {
  const i = closeIndex({ depth: 0, inString: false, escape: false }, t);
  if (i < 0) return null;
  const rest = t.slice(i + 1).replace(BETWEEN_VALUES, '');
  if (rest === '') return null;
  try {
    JSON.parse(t.slice(0, i + 1));
  } catch {
    return null;
  }
  return { rest: rest.trimEnd(), at: t.length - rest.length };
}
