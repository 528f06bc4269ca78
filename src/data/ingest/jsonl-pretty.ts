// A pretty-printed object among JSON Lines records (what `jq .` writes): the lines from a line holding only "{" to the
// one that closes it, read as one record's text for jsonl.ts, or the lines read ahead and why it did not close.
import type { Line } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { closeIndex, uncounted, withoutComments, type JsonScan } from './json-object-scan.ts';
import { startsText } from './json-seq.ts';
import { lineBreakRejection, stringAhead } from './jsonl-line-break.ts';
import { recordDefect, withinMaxChars, type ReadOptions } from './types.ts';

/** The longest record text a reader parses (maxRawChars), and the caller's words to name the limit it comes from. */
export type RawLimit = Pick<ReadOptions, 'maxRawChars' | 'words'>;

/**
 * The pretty-printed object that `open` (a line holding only "{", `indent` characters in) starts: its lines read with
 * `next` up to the one that closes it (strings and nesting tracked), as one record's text (`bad`: the rejection of its
 * bytes that are not text); or, when it does not close within `maxRaw` characters, before the end of the file or before
 * a line holding only "{" indented no more than its own (the next record's: a nested one is indented more), the lines
 * read ahead and why.
 */
export function prettyObject(open: Line, indent: number, next: () => Line | undefined, limit: RawLimit, jsonc: boolean): PrettyObject | ReadAhead {
  const lines: Line[] = [];
  let closing = ''; // the text of the line that closes it, up to its "}": the rest may open the next object (`}{`)
  let reopen: Line | undefined;
  let recordAt: number | undefined;
  let afterKey = false; // the last line that holds text ends with a key's colon: its value may start the next line
  const scan: JsonScan = { depth: 1, inString: false, escape: false };
  const block = { open: false }; // in a block comment that a line before opened (jsonc): `{ /* note` the first
  if (jsonc) lineWithoutComments(open.text, block);
  const maxRaw = limit.maxRawChars ?? Infinity;
  let chars = 1, commentChars = 0;
  let lineBreakAt = 0; // the line of the first line break typed into a string
  let pending: Line | undefined; // the line that a string broken by a line break goes on on
  for (;;) {
    const l = pending ?? next();
    pending = undefined;
    if (l === undefined) return { readAhead: lines, why: 'before the end of the file', ...atEnd(recordAt) };
    // RFC 7464: an RS starts the next text, whatever is open (json-seq.ts): this one ends before it, cut short
    if (startsText(l)) return { readAhead: lines, why: `before the RS on line ${l.lineNo}`, ...atEnd(recordAt), resume: l };
    const opens = objectIndent(l.text, jsonc);
    if (opens >= 0 && opens <= indent) {
      lines.push(l);
      return { readAhead: lines, why: `before the next object opens on line ${l.lineNo}` };
    }
    lines.push(l);
    // a comment's brackets and quotes are none (JSONC: `"text": "a" // ends with }`); counted once the record is read
    const aligned = !block.open; // the scanned text's characters at the line's places (none cut off before them)
    // a line a string goes on to (a line break typed into it) starts inside it: its opening quote put back for the look
    const noted = { chars: 0 };
    const scanned = !jsonc ? l.text : scan.inString ? lineWithoutComments(`"${l.text}`, block, noted).slice(1) : lineWithoutComments(l.text, block, noted);
    // maxRawChars counts the JSON's characters, not its comments' (kept, for raw, up to as many again), as json-array.ts does
    chars += l.text.length + 1 - noted.chars;
    commentChars += noted.chars;
    if (chars > maxRaw || commentChars > maxRaw) return { readAhead: lines, why: `within ${maxRaw} characters${chars > maxRaw ? '' : ' of comments'}, more than ${withinMaxChars(limit)} can take`, tooLong: true };
    // (or a line holding only "{", indented more: records pasted below a stray "{" as `jq .` writes them; not a value
    // whose key ends the line before, `"meta":` then `{`)
    if (recordAt === undefined && scan.depth === 1 && !scan.inString && aligned && !afterKey && (opens >= 0 || looksLikeRecord(l.text))) recordAt = l.lineNo;
    if (scanned.trim() !== '') afterKey = !scan.inString && scanned.trimEnd().endsWith(':');
    const close = closeIndex(scan, scanned);
    if (close >= 0) {
      // `}{` (objects written with no line break between them): the "{" opens the next, read as a line of its own
      if (aligned && l.text.slice(close + 1).trim() === '{') {
        closing = l.text.slice(0, close + 1);
        reopen = { ...l, text: '{' };
      }
      break;
    }
    // a raw line break cannot be inside a JSON string: the object is broken here, as a stray "{" would be
    if (scan.inString) {
      const { between, after, goesOn } = stringAhead(next, maxRaw - chars, jsonc);
      if (goesOn && !startsText(after!)) {
        // unless the next line is the string's rest (jsonl-line-break.ts): a line break typed into the value, the
        // string going on there, the object one record (rejected as broken)
        lineBreakAt ||= l.lineNo;
        lines.push(...between);
        for (const b of between) chars += b.text.length + 1;
        pending = after;
        continue;
      }
      // the file's last line but for blank ones (and lines of text): cut short inside the string, not a line break in
      // it (the lines after it, read once here, are read again as lines, where blank ones are skipped)
      if (after === undefined || startsText(after)) return { readAhead: [...lines, ...between], why: after ? `before the RS on line ${after.lineNo}` : 'before the end of the file', ...atEnd(recordAt), ...(after ? { resume: after } : {}) };
      return { readAhead: [...lines, ...between, after], why: `(a string on line ${l.lineNo} runs to the end of its line)` };
    }
  }
  const texts = [open, ...lines].map((l) => l.text);
  if (reopen) texts[texts.length - 1] = closing;
  const raw = texts.join('\n').trim();
  const bad = lines.reduce<Rejection | undefined>((sofar, l) => recordDefect(sofar, l.defect, l.lineNo), undefined) ?? (lineBreakAt > 0 ? lineBreakRejection(lineBreakAt) : undefined);
  return { raw, lines, ...(bad ? { bad } : {}), ...(reopen ? { reopen } : {}), ...(recordAt === undefined ? {} : { recordAt }) };
}

/**
 * An object that did not close: the lines read ahead for it, and why (`atEnd`: the file, or the next text, ended inside
 * it; `recordAt`: the first line at its top level that is a record of its own, where a key belongs; `tooLong`: given
 * up past maxRawChars of JSON or of comments).
 */
interface ReadAhead { readAhead: Line[]; why: string; atEnd?: boolean; resume?: Line; recordAt?: number; tooLong?: boolean }

/** What the end of the file (or of the text) inside an object says of it, given the first record at its top level. */
function atEnd(recordAt: number | undefined): Pick<ReadAhead, 'atEnd' | 'recordAt'> {
  return recordAt === undefined ? { atEnd: true } : { atEnd: false, recordAt };
}

/**
 * A pretty-printed object's text and the lines read for it (`bad`: the rejection of its bytes that are not text;
 * `reopen`: the "{" after its closing brace; `recordAt`: the first line at its top level that is a record of its own,
 * `{"text": "a"}`, or a line holding only "{", where a key belongs).
 */
interface PrettyObject { raw: string; lines: Line[]; bad?: Rejection; reopen?: Line; recordAt?: number; readAhead?: undefined }

/** Whether a line starts with a whole object, `{…}` (a JSON Lines record; `{…},` a batch's element pasted; `{…}}`). */
function looksLikeRecord(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('{') && closeIndex({ depth: 0, inString: false, escape: false }, t) > 0;
}

/**
 * How far in a line holding only "{" (which opens a pretty-printed object: no JSON Lines record is that) has it, or −1
 * for any other line: an array's body pasted without its brackets has its objects indented. With `jsonc` (a .json
 * file), a comment after it is none of its text (`{ // first`, or `{ /* note` that a later line closes; counted once
 * the record is read).
 */
export function objectIndent(text: string, jsonc: boolean): number {
  const m = /^([ \t]*)\{[ \t]*(\/[/*])?/.exec(text); // a comment is looked for only right after the "{" (a record's line has none)
  if (m === null) return -1;
  const t = jsonc && m[2] !== undefined ? lineWithoutComments(text, { open: false }) : text; // a `/*` left open, to its end
  return t.trimEnd().length === m[1]!.length + 1 ? m[1]!.length : -1;
}

/**
 * A line of a pretty-printed object, its comments blanked for a scan of its brackets: the rest of a `/* *\/` comment that
 * a line before opened (`block.open`) included, and one opened here and left open (then `block.open`). `noted.chars` is
 * told how many of its characters are comments'.
 */
function lineWithoutComments(text: string, block: { open: boolean }, noted = { chars: 0 }): string {
  const out = blankedLine(text, block, noted);
  noted.chars += text.length - out.length; // the comments cut off it
  return out;
}

/** lineWithoutComments' text, `blank.chars` told the characters blanked in it. */
function blankedLine(text: string, block: { open: boolean }, blank: { chars: number }): string {
  let rest = text;
  if (block.open) {
    const end = text.indexOf('*/');
    if (end < 0) return '';
    block.open = false;
    rest = text.slice(end + 2);
  }
  const unclosed = { at: -1 };
  const out = withoutComments(rest, uncounted(), 1, unclosed, blank);
  if (unclosed.at < 0) return out;
  block.open = true;
  return withoutComments(rest.slice(0, unclosed.at), uncounted(), 1, undefined, blank);
}
