// The rejections of what a JSON Lines file leaves open at its end (jsonl.ts): a pretty-printed object the file ends
// inside, its lines one record (a file cut short, where they were each rejected, the first as a stray "{"), a record
// line the file ends inside with no line end after it (cut short: `{"text": "on` at the end), and a line holding only
// "[" that no "]" line closes, and an object a bracket left open in it ends before a record of its own.
import { withoutLineEnd, type Line } from '../../util/lines.ts';
import { blanked, closeIndex, uncounted, withoutComments, type JsonScan } from './json-object-scan.ts';
import type { RawItem } from './types.ts';

/**
 * The one rejection of an object that the file ends inside, none of its lines at its top level a record of its own (a
 * file cut short: a stray "{" has records after it), its lines read as one record, not each as one; null when a line
 * of it is no text (each line is judged by its own bytes then), or none follows its "{". So is one that the RS of the
 * next text (`rs`, an RFC 7464 JSON text sequence: json-seq.ts) ends, the text cut short before it.
 */
export function cutShort(open: Line, lines: readonly Line[], rs?: Line): RawItem | null {
  if (lines.length === 0 || lines.some((l) => l.defect)) return null; // a "{" that ends the file: its line alone, as a stray one
  const last = lines.at(-1)!.lineNo;
  const raw = [open, ...lines].map((l) => l.text).join('\n').trim();
  const where = `the object that the line holding only "{" opens (lines ${open.lineNo}–${last})`;
  return { line: open.lineNo, raw, error: { reason: 'truncated', detail: rs ? `the next JSON text's RS (0x1E) on line ${rs.lineNo} comes inside ${where}: the text cut short?` : `the file ends inside ${where}: the file cut short?` } };
}

/**
 * The one rejection of an object that a line holding only "{" (`open`) opens and that is not closed `why` (before the
 * end of the file), where `lines` hold a record of its own at its top level at line `recordAt` and lines of the object's
 * own come before it (`"n": {4`, `}`): a bracket in it left open, its lines up to that record one record (they were each
 * rejected, the "{" as a stray one), and `rest`, the lines from the record on, read as lines. Null where no line of
 * text comes between (a stray "{" above records: its line alone), or one that starts with "{" or "[" (a record of its
 * own, indented) or is no text does.
 */
export function openAbove(open: Line, lines: readonly Line[], recordAt: number, why: string, jsonc: boolean): { item: RawItem; rest: Line[] } | null {
  const between = lines.filter((l) => l.lineNo < recordAt);
  const data = between.map((l) => (jsonc ? withoutComments(l.text, uncounted()) : l.text).trim()).filter((t) => t !== '');
  if (data.length === 0 || between.some((l) => l.defect) || data.some((t) => t.startsWith('{') || t.startsWith('['))) return null;
  const last = between.at(-1)!.lineNo;
  const raw = [open, ...between].map((l) => l.text).join('\n').trim();
  const detail = `a line holding only "{" opens an object that is not closed ${why}, and line ${recordAt} inside it holds a record where a key belongs: ` +
    `a "{" or "[" in it left open? (lines ${open.lineNo}–${last} are this record; the lines from line ${recordAt} are read as lines)`;
  return { item: { line: open.lineNo, raw, error: { reason: 'invalid_json', detail } }, rest: lines.filter((l) => l.lineNo >= recordAt) };
}

/**
 * The rejection of `item`, record line `l`'s invalid_json one, as truncated when its text (`scanned`: without comments,
 * an RS) starts a record (`{`, `[`) that it ends inside, in a string or with a bracket open, and it is the last of the
 * file, whose last line as read (`fileEnd`: undefined when lines follow `l`) has no line end after it: the file cut short
 * in the record, as a JSON array's element or a CSV cell the file ends inside is. `item` as it is otherwise: a last line
 * closed by a line end was written whole, broken as it is, and one that starts no record (a line of text with a quote, a
 * stray `}`) is no record cut short.
 */
export function cutLastLine(item: RawItem, l: Line, scanned: string, fileEnd: () => Line | undefined): RawItem {
  if (item.error?.reason !== 'invalid_json' || l.defect) return item;
  const t = scanned.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return item;
  const scan: JsonScan = { depth: 0, inString: false, escape: false };
  if (closeIndex(scan, t) >= 0) return item; // closed where it starts with a bracket: nothing left open
  const last = fileEnd();
  if (last === undefined || !withoutLineEnd(last)) return item;
  return { ...item, error: { reason: 'truncated', detail: `the file ends inside this record (${scan.inString ? 'inside a string' : 'a bracket open'}, no line end after it): the file cut short?` } };
}

/** The rejection of a line holding only "[" that no "]" line closes before the end of the file: a stray "[" (its lines are read as lines). */
export function unclosedArray(line: number): RawItem {
  return { line, raw: '[', error: { reason: 'invalid_json', detail: 'a line holding only "[" opens an array that no line holding only "]" closes before the end of the file (the lines after it are read as lines)' } };
}

/**
 * The one rejection of an object that a line holding only "{" (`open`, `indent` characters in) opens and that is not
 * closed `why`, where a line holding only "}" (or "},") indented as its "{" comes below it, every line between indented
 * deeper (or blank): a quote or a bracket left open inside it (`"text": "broken,`), the object's lines up to that "}" one
 * record (they were each rejected, the first as a stray "{"), and `rest`, the lines read after it, read as lines. The
 * lines are `ahead`, those read already, then more from `next`, up to `maxChars` characters. Null where a line indented no
 * deeper than the "{" comes first (a record of its own, the next object's "{"), or none such closes it within the bound,
 * or a line of it is no text (each line is judged by its own bytes then); `rest` then the lines read, to be read again.
 * `tooLong`: it was given up past maxRawChars (`why` says of what): the record is too_long, its head kept. `jsonc`: a .json
 * file's lines (comments allowed): a comment after the "}" (`}  // end`) or before it (`*\/}`, the end of one over lines)
 * does not keep it from closing the object — but where a line after such a "}" goes on deeper, it closed a nested object
 * (`*\/  },`) —, and the lines of a `/* *\/` over lines are its text (a "}" in it closes nothing; BlockComments).
 */
export function closedAtIndent(open: Line, indent: number, ahead: readonly Line[], next: () => Line | undefined, why: string, maxChars: number, tooLong = false, jsonc = false): { item?: RawItem; rest: Line[] } {
  const read = [...ahead];
  const comment = new BlockComments();
  let chars = open.text.length + 1;
  // a "}" at the "{" indent only where a comment's end before it stands (`*/}`, `/* c */ }`; its column deeper): the
  // object's end where no line after it goes on deeper, a nested object's (`*/  },` over a member below) where one does
  let afterComment: number | undefined;
  const closedAt = (i: number): { item: RawItem; rest: Line[] } => {
    const l = read[i]!;
    const raw = [open, ...read.slice(0, i + 1)].map((r) => r.text).join('\n').trim();
    const lines = `lines ${open.lineNo}–${l.lineNo} are this record`;
    const error = tooLong ? { reason: 'too_long' as const, detail: `a line holding only "{" opens an object that is not closed ${why}; line ${l.lineNo}, a "}" indented as its "{", ends it (${lines}, rejected unparsed; the lines after it are read)` }
      : { reason: 'invalid_json' as const, detail: `a line holding only "{" opens an object that is not closed ${why}; line ${l.lineNo}, a "}" indented as its "{", ends it: a quote or a bracket left open inside it? (${lines}; the lines after it are read)` };
    return { item: { line: open.lineNo, raw: tooLong ? raw.slice(0, 1 << 16) : raw, error }, rest: read.slice(i + 1) };
  };
  const notClosed = () => (afterComment === undefined ? { rest: read } : closedAt(afterComment));
  for (let i = 0; ; i++) {
    const l = i < read.length ? read[i]! : next();
    if (l === undefined) return notClosed();
    if (i === read.length) read.push(l);
    chars += l.text.length + 1;
    if (l.defect || l.binary !== undefined || chars > maxChars) return notClosed();
    // with `jsonc`, a comment after its "}" (`}  // end`), or a line of a comment only, as blank: neither is JSON; a
    // `/* */` over lines too (a "}" or a line indented no deeper inside it is its text)
    const text = jsonc ? comment.blank(l.text) : l.text;
    const t = text.trim();
    if (t === '') continue;
    const lead = text.length - text.trimStart().length;
    const brace = /^\}\s*,?$/.test(t);
    if (brace && lead === indent) return closedAt(i);
    // a "}" after a comment's end on its line is at the line's own indent too, where the comment is
    if (brace && l.text.length - l.text.trimStart().length === indent) afterComment = i;
    else if (lead <= indent) return notClosed();
  }
}

/**
 * Lines' comments blanked (withoutComments) one line at a time, a `/*` left open on one (`/* a note`) going on to the line
 * that holds its `*\/`: the lines between are comment, blanked whole (closedAtIndent).
 */
class BlockComments {
  private open = false;

  blank(text: string): string {
    let head = '';
    if (this.open) {
      const end = text.indexOf('*/');
      if (end < 0) return blanked(text);
      this.open = false;
      head = blanked(text.slice(0, end + 2));
      text = text.slice(end + 2);
    }
    const unclosed = { at: -1 };
    const rest = withoutComments(text, uncounted(), 1, unclosed);
    if (unclosed.at < 0) return head + rest;
    this.open = true;
    return head + withoutComments(text.slice(0, unclosed.at), uncounted()) + blanked(text.slice(unclosed.at));
  }
}
