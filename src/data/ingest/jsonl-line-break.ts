// A line break typed into a JSON string value (a record's text pasted with its line breaks, a hand-edited file): JSON
// has no raw line break in a string, so the record is broken, but it is one record, not one per line. When the line
// after one that ends inside a string is the string's rest
// (continuesString: `line two", "output": "x"}`; lines of text with no quote may come first: paragraphs), the string goes on there; the record's lines are one invalid_json
// rejection at its first line. A line after it that starts a record (`{"text": …}`) is no string's rest: the line left
// open is rejected alone and that record is read (a real broken line costs only itself).
import type { Line } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { blankLine, insideLine } from './blank-ahead.ts';
import { closeIndex, continuesString, restWithoutComments, uncounted, withoutComments, type JsonScan } from './json-object-scan.ts';
import type { RawItem } from './types.ts';

/** The rejection of a record (or array element) with a line break typed into a string on line `at`. */
export function lineBreakRejection(at: number): Rejection {
  return { reason: 'invalid_json', detail: `a line break inside a string (line ${at}): JSON writes it as \\n` };
}

/**
 * The lines that `next` gives after a line ending inside a string: those between (blank ones, and lines of text with no
 * quote that start no record: paragraphs of the value, up to `maxChars` characters) and the first after them (`after`,
 * undefined at the end of the file), and whether that one is the string's rest (with `jsonc`, told without its comments).
 */
export function stringAhead(next: () => Line | undefined, maxChars = Infinity, jsonc = false): { between: Line[]; after: Line | undefined; goesOn: boolean } {
  const between: Line[] = [];
  let after = next(), chars = 0;
  for (; after !== undefined && (blankLine(after) || insideLine(after)) && chars <= maxChars; after = next()) {
    between.push(after);
    chars += after.text.length + 1;
  }
  const goesOn = after !== undefined && chars <= maxChars && !after.defect && after.binary === undefined &&
    continuesString(jsonc ? restWithoutComments(after.text) : after.text);
  return { between, after, goesOn };
}

/**
 * One JSON Lines line, `first` (its text a record's, `{` or `[`), and the lines it runs on to when it ends inside a
 * string that the next line goes on with: `item`, the one rejection of those lines (their text joined, at `first`'s
 * line), and `ahead`, the lines read to tell that are not the record's (read again as lines). No item when it does not
 * end inside a string, the string does not go on, or the record would run past `maxChars` characters (then the
 * line is judged alone, as before). With `jsonc`, the lines are scanned without their comments: a quote in one
 * (`/* say "hi *\/`) opens no string, on the first line or on the one that closes the string (restWithoutComments).
 */
export function brokenRecord(first: Line, next: () => Line | undefined, maxChars = Infinity, jsonc = false): { item?: RawItem; ahead: Line[] } {
  const t = first.text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return { ahead: [] };
  const scan: JsonScan = { depth: 0, inString: false, escape: false };
  if (closeIndex(scan, jsonc ? withoutComments(t, uncounted()) : t) >= 0 || !scan.inString) return { ahead: [] }; // comments counted when the record is read
  const read: Line[] = [];
  let chars = t.length;
  while (scan.inString) {
    const { between, after, goesOn } = stringAhead(next, maxChars - chars, jsonc);
    read.push(...between, ...(after ? [after] : []));
    for (const l of between) chars += l.text.length + 1;
    chars += (after?.text.length ?? 0) + 1;
    if (!goesOn || chars > maxChars) return { ahead: read };
    if (closeIndex(scan, jsonc ? restWithoutComments(after!.text) : after!.text) >= 0) break;
  }
  const raw = [first.text, ...read.map((l) => l.text)].join('\n').trim();
  return { item: { line: first.lineNo, raw, error: lineBreakRejection(first.lineNo) }, ahead: [] };
}
