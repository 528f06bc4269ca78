// JSON files: a top-level array is streamed element by element (json-array.ts: each element is one record, whose line
// is where it starts), so a large array never sits in memory whole; so is the array of an object that wraps the
// records (`{"version": "1.0", "data": [...]}`: json-object-scan.ts finds it, json-layout.ts decides). An object
// followed by more text is JSON Lines (found by that scan, not by parsing the file whole), and so is an array that
// closes at the end of the file's first line with more lines after it, the next not another array (`[{"text": "a"}]`
// then one record a line: the lines after it are records, not one broken element; jsonl.ts reads array lines as their
// records). Another file whose first
// character is not "[" is one JSON value (one record) when it parses as a whole, else it is read as JSON Lines; a
// Python dict (python-literal.ts, a `#` header allowed), which the scan cannot follow, is judged by its parsed members
// as a JSON object by the scan's: one wrapping the records gives them, each at the dict's line.
// A raw newline cannot be inside a JSON string: a string the next line closes is a line break typed into it (the
// element goes on, one invalid_json record), else the string was left open and its element ends with the line
// (one invalid_json record) instead of swallowing the elements after it. Several arrays one after another are
// all read, and JSON Lines after an array (json-array.ts). A comment (JSONC, as hand-edited files have: `//` to the end of its line, `/* ... */`) before the "[" (a
// header), between elements or inside one is skipped (inside, as whitespace) and counted in a note; one never closed is a
// UserError at its line. An object wrapping the records may hold comments too (json-object-scan.ts skips them; the
// array's reading counts those around it), and so may a file of one record (blanked before it is parsed, and counted).
// An element (or the single value) touching bytes that are not UTF-8 text is rejected as invalid_utf8 or binary, each
// element of a line by its own bytes.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { HeldLines } from '../../util/held-lines.ts';
import type { Line } from '../../util/lines.ts';
import { lineDefect } from '../../util/utf8-defects.ts';
import type { Rejection } from '../record.ts';
import { emptyListNote, recordListsNote, recordTextKey, refuseTableLayouts, valueMembers, wrappedRecords } from './json-layout.ts';
import { readJsonArray } from './json-array.ts';
import { closeIndex, commentAt, commentsNote, scanObjectMembers, unclosedComment, withoutComments, type CommentTally } from './json-object-scan.ts';
import { readJsonl } from './jsonl.ts';
import { parseJsonText, pythonReadingNote, TooDeepLiteral, type JsonReading } from './python-json.ts';
import { literalLine } from './python-literal.ts';
import { recordDefect, withinMaxChars, type RawItem, type ReadOptions } from './types.ts';
import { isViewerRow } from './viewer-rows.ts';

/** Files up to this size that do not start with "[" are tried as one JSON value. */
const WHOLE_VALUE_LIMIT = 256 << 20;

/**
 * `jsonl`: the file is a JSON Lines one (by its extension or --format) that starts with "[": when it is JSON Lines after
 * all (firstLineThenMore), a comment line is no comment but a record that does not parse (invalid_json), as in any
 * other JSON Lines file, not skipped as a .json file's JSONC comments are.
 */
export function* readJson(file: string, opts: ReadOptions = {}, jsonl = false, lines = new HeldLines(file)): Generator<RawItem> {
  try {
    yield* readJsonFrom(file, opts, jsonl, lines);
  } finally {
    lines.close();
  }
}

/**
 * A JSON Lines file (by its extension or --format): read as JSON Lines, or by readJson when it starts with "[" (HF's
 * load_dataset("json") reads both), its lines read from disk once.
 */
export function* readJsonLinesFile(file: string, opts: ReadOptions = {}): Generator<RawItem> {
  const lines = new HeldLines(file);
  try {
    yield* firstCharIn(lines)?.ch === '[' ? readJson(file, opts, true, lines) : readJsonl(file, opts, false, lines.all());
  } finally {
    lines.close();
  }
}

function* readJsonFrom(file: string, opts: ReadOptions, jsonl: boolean, lines: HeldLines): Generator<RawItem> {
  const first = firstCharIn(lines);
  if (first === null) {
    for (const l of lines.all()) opts.onBytes?.(l.bytes); // blanks and comments: no record, their bytes read
    return;
  }
  if (first.unclosed) throw unclosedComment(file, first.line);
  if (first.ch === '[') {
    yield* (firstLineThenMore(lines, first.line) ? readJsonl(file, opts, !jsonl, lines.all()) : readJsonArray(file, opts, undefined, lines.all()));
    return;
  }
  lines.close(); // an object, or one value: read otherwise
  const commentBytes = { bytes: 0 }; // an object's comments (JSONC), which no record's length counts
  const scan = first.ch === '{' ? scanObjectMembers(file, commentBytes) : null;
  if (scan === 'lines') {
    yield* readJsonl(file, opts, true);
    return;
  }
  const wrapped = scan === null ? null : wrappedRecords(scan, `${file}:${first.line}`, opts.textField, opts.words);
  if (wrapped !== null) {
    opts.onWrapped?.(wrapped.key);
    // beside the list read, other lists of objects (a viewer answer's "features") are not records: said when its
    // records are not viewer rows (viewer-rows.ts says what a viewer answer's are)
    const ignored = scan!.filter((m) => m.kind === 'records' && m !== wrapped).map((m) => JSON.stringify(m.key));
    let read = 0, plain = 0;
    for (const it of readJsonArray(file, opts, wrapped)) {
      read++;
      if (it.value !== undefined && !isViewerRow(it.value)) plain++;
      yield it;
    }
    if (ignored.length > 0 && plain > 0) {
      opts.onNote?.(`the file's one object wraps the records: records read from its ${JSON.stringify(wrapped.key)} (${read} object${read === 1 ? '' : 's'}); ` +
        `its ${ignored.join(', ')}, not records, ignored (save the records alone as JSON Lines if that is not the list to train on)`);
    }
    return;
  }
  const size = fs.statSync(file).size;
  const json = size - commentBytes.bytes; // the bytes of its JSON, not of its comments
  const maxRaw = opts.maxRawChars ?? Infinity;
  // its comments too are bounded: a small record under 200 MB of them was read whole (up to WHOLE_VALUE_LIMIT)
  if (scan !== null && (json > 3 * maxRaw || size > 6 * maxRaw)) {
    // one object, whose text (a UTF-16 unit per 3 bytes at least) is longer than any record within --max-chars; one
    // holding lists of records is said to, as a shorter one is (prepare refuses it, naming them); or one whose JSON is
    // within that, but whose comments make the file more than twice that long
    opts.onBytes?.(size);
    const lists = recordListsNote(scan, undefined, file);
    const detail = json <= 3 * maxRaw ? `the file is ${size} bytes, ${commentBytes.bytes} of them comments: more than twice what ${withinMaxChars(opts)} can take (its comments made it long); rejected unparsed`
      : lists ? `${lists}; as one record it is ${json} bytes, more than ${withinMaxChars(opts)} can take: rejected unparsed`
      : `the record's JSON is ${json} bytes, more than ${withinMaxChars(opts)} can take; rejected unparsed`;
    yield { line: first.line, raw: head(file, 1 << 16), error: { reason: 'too_long', detail } };
    return;
  }
  if (size <= WHOLE_VALUE_LIMIT) {
    const bytes = fs.readFileSync(file);
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    let value: unknown, reading: JsonReading = 'json', duplicate: string | undefined, pyComments: number | undefined;
    // an object's comments (JSONC: a hand-edited record, or its header) are skipped, as scanObjectMembers skipped them
    const comments: CommentTally = { count: 0, first: 0, kinds: new Set() };
    try {
      ({ value, reading, duplicate, comments: pyComments } = parseJsonText(scan === null ? text : withoutComments(text, comments)));
    } catch (e) {
      if (e instanceof TooDeepLiteral) {
        // one value, too deep to read: one record so rejected, not each of its lines with JSON's message
        opts.onBytes?.(bytes.length);
        yield { line: literalLine(text), raw: text.trim(), error: { reason: 'invalid_json', detail: e.message } };
        return;
      }
      value = undefined; // not one value: JSON Lines
    }
    if (value !== undefined) {
      opts.onBytes?.(bytes.length);
      const note = commentsNote(comments);
      if (note) opts.onNote?.(note);
      const bad = bytes.indexOf(0) >= 0 || !isUtf8(bytes) ? firstDefect(bytes) : duplicate === undefined ? null : { reason: 'invalid_json' as const, detail: duplicate };
      if (reading !== 'json' && !bad) opts.onNote?.(pythonReadingNote(reading, 'file', pyComments)!);
      const line = first.ch === '#' ? literalLine(text) : first.line; // a Python dict's, past its `#` header
      if (!bad) refuseTableLayouts(value, `${file}:${line}`);
      // a Python dict, which the scan cannot follow: its members as the scan finds a JSON object's, read as they are
      const members = bad ? null : scan ?? (reading === 'python-literal' ? valueMembers(value, line) : null);
      const wrapped = scan === null && members !== null ? wrappedRecords(members, `${file}:${line}`, opts.textField, opts.words) : null;
      if (wrapped !== null) {
        opts.onWrapped?.(wrapped.key);
        for (const record of (value as Record<string, unknown[]>)[wrapped.key]!) yield { line, raw: JSON.stringify(record), value: record };
        return;
      }
      // a Python literal's nan or inf (maybe only in a string: the longer command then is still right), which ast.literal_eval refuses
      const nanOrInf = reading === 'python-literal' && /\b(?:nan|inf)\b/.test(text);
      const recordLists = members === null ? undefined : recordListsNote(members, value, file, { reading, nanOrInf });
      const noRecords = members === null ? undefined : emptyListNote(members, value);
      // a record by its text key (wrappedRecords) that holds lists of records: said, though it is kept, for they are not read
      const textKey = members === null ? undefined : recordTextKey(members, opts.textField);
      const unread = textKey === undefined ? undefined : recordListsNote(members!, value, file, { textKey, reading, nanOrInf });
      if (unread) opts.onNote?.(unread);
      yield bad ? { line, raw: text.trim(), error: bad }
        : { line, raw: text.trim(), value, ...(recordLists ? { recordLists } : {}), ...(noRecords ? { noRecords } : {}), ...(unread ? { unreadLists: unread } : {}) };
      return;
    }
  }
  yield* readJsonl(file, opts, true);
}

/**
 * Whether the line `from` of `file` (its first "[", past blank lines and comments: firstCharIn) is a whole bracketed value
 * (it closes at the line's end), as are the lines after it that start with "[", and the next character past blanks
 * and comments (firstCharOf) after them is other than "[" and "]": JSON Lines whose first lines are batches (`[{…}]` a line).
 * Arrays one after another (one not closing at its line's end among them) are streamed element by element, and so is
 * the array when only comments follow it. A header comment before it is not that line: `// export [v2]` ends in "]".
 */
function firstLineThenMore(held: HeldLines, from: number): boolean {
  // one walk of the lines held, which the reader then reads (not the file read anew: a one-line array may be GBs)
  const lines = held.look();
  try {
    let text: string | undefined;
    for (let l = lines.next(); !l.done; l = lines.next()) {
      if (l.value.lineNo < from) continue;
      text = l.value.text;
      break;
    }
    let comma = false, arrays = 0;
    while (text !== undefined) {
      // a comment after it (`[...] // first`) is no more text on its line
      const t = withoutComments(text, { count: 0, first: 0, kinds: new Set() }).trim();
      // a comma after it (`[…],`: lines cut from an array of batches) is no more text either: readJsonl reads the record before it
      const close = closeIndex({ depth: 0, inString: false, escape: false }, t);
      if (close < 0 || (close !== t.length - 1 && t.slice(close + 1).trim() !== ',')) return false;
      comma ||= close !== t.length - 1;
      arrays++;
      const next = firstCharOf(lines);
      if (next?.unclosed === true) return false;
      // arrays a line to the end, one followed by a comma among them: an array's body pasted without its brackets (one
      // such line alone is an array with a stray comma after it, rejected as text after its "]")
      if (next === null) return comma && arrays > 1;
      // a "]" alone after it closes nothing: the array reader says so (a note), as after a multi-line array
      if (next.ch === ']') return false;
      if (next.ch !== '[') return true;
      text = next.rest;
    }
    return false;
  } finally {
    lines.return(undefined);
  }
}

/** The first `bytes` bytes of `file`, as text. */
function head(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0)).toString('utf8').trim();
  } finally {
    fs.closeSync(fd);
  }
}

/** The rejection of a value whose `bytes` are not all UTF-8 text: its first such line's, or its first binary line's (recordDefect). */
function firstDefect(bytes: Buffer): Rejection | null {
  let start = 0, found: Rejection | undefined;
  for (let line = 1; found?.reason !== 'binary'; line++) {
    const nl = bytes.indexOf(0x0a, start);
    found = recordDefect(found, lineDefect(bytes.subarray(start, nl < 0 ? bytes.length : nl)), line);
    if (nl < 0) break;
    start = nl + 1;
  }
  return found ?? null;
}

/**
 * The first non-blank character of the lines `held` (looked at: held to be read again) outside comments (JSONC's `//`
 * and `/* ... *\/`, as a hand-edited file may start with) and its line, or null for a file of blanks (and comments). A
 * `/*` never closed is that character (`unclosed`).
 */
function firstCharIn(held: HeldLines): { ch: string; line: number; unclosed?: true } | null {
  const lines = held.look();
  try {
    const first = firstCharOf(lines);
    // not its `rest`: a slice of its line, which would keep a one-line array's whole text while the reader reads it
    return first === null ? null : { ch: first.ch, line: first.line, ...(first.unclosed ? { unclosed: true as const } : {}) };
  } finally {
    lines.return(undefined);
  }
}

/** firstCharIn of the lines that `lines` has left. */
function firstCharOf(lines: Iterator<Line>): { ch: string; line: number; rest?: string; unclosed?: true } | null {
  let blockFrom = 0; // the line of the `/*` whose `*\/` is not yet found (0: none)
  for (let l = lines.next(); !l.done; l = lines.next()) {
    const { text, lineNo } = l.value;
    for (let i = 0; i < text.length; i++) {
      if (blockFrom > 0) {
        const end = text.indexOf('*/', i);
        if (end < 0) break;
        blockFrom = 0;
        i = end + 1;
        continue;
      }
      // a comment as the readers after this one tell it (no ":" can come before the first character)
      const comment = commentAt(text, i);
      if (comment === 'line') break;
      if (comment === 'block') {
        blockFrom = lineNo;
        i++;
      } else if (!/\s/.test(text[i]!)) {
        return { ch: text[i]!, line: lineNo, rest: text.slice(i) };
      }
    }
  }
  return blockFrom > 0 ? { ch: '/', line: blockFrom, unclosed: true } : null;
}
