// Plain-text files: the whole file is one record (line 1), or with textSplit 'blank-lines' every block
// of non-blank lines is one record, whose line is the block's first line, or with 'lines' every non-blank line
// (a sentence-per-line corpus; a lone CR ends a line for both, as Python's universal newlines read it; a line ends at LF,
// CRLF and a lone CR only, as datasets' text loader ends it, not at the FF, VT, NEL, LS or PS of str.splitlines); an empty or blank file holds none (as an
// empty JSON Lines file: prepare names it in a warning), not one record that is empty. A record holding a line that
// is not UTF-8 text is rejected (invalid_utf8 or binary, naming the first such line). A file each of whose
// lines is a JSON object (JSON Lines saved as .txt) is noted: read as text, its records would be trained as JSON.
// A file that is binary data (an image, random or compressed bytes under a text name), as a whole or from where a blob
// was appended to its text (readLines: BinaryWatch, judged as the file is read), is one record from there to its end,
// rejected as binary, in every split: cut at its 0x0A bytes it made records of garbage, a few of them short enough to be
// UTF-8 and kept as training text.
import { cutAtLoneCrs, readDataLines } from '../../util/lines.ts';
import type { Rejection } from '../record.ts';
import { FLAG_WORDS, optionIs } from '../../util/option-words.ts';
import { defectRejection, recordDefect, withinMaxChars, type RawItem, type ReadOptions } from './types.ts';

export function* readText(file: string, opts: ReadOptions = {}): Generator<RawItem> {
  const key = opts.textField ?? 'text';
  const maxRaw = opts.maxRawChars ?? Infinity;
  let error: Rejection | undefined;
  let size = 0; // characters in `lines`, newlines counted; past maxRaw the record is too_long and no more is kept
  const item = (line: number, lines: string[]): RawItem => {
    const text = lines.join('\n');
    const it: RawItem = error ? { line, raw: text, error } : { line, raw: text, value: { [key]: text } };
    error = undefined;
    size = 0;
    return it;
  };
  const add = (lines: string[], text: string): void => {
    const room = maxRaw + 1 - size; // characters that may still be kept
    size += text.length + 1;
    if (size <= maxRaw + 1) lines.push(text);
    else {
      // its start is kept for the rejection's raw: a file of one long line had none ("raw": "")
      if (room > 0) lines.push(text.slice(0, room));
      error ??= { reason: 'too_long', detail: `the text is more than ${maxRaw} characters, more than ${withinMaxChars(opts)} can take; rejected unread` };
    }
  };
  let lines: string[] = [];
  let start = 0;
  let objectLines = 0; // lines so far, each a JSON object (-1: one was not)
  const look = (text: string): void => {
    const t = text.replace(/^\x1e+/, '').trim(); // an RS before it: an RFC 7464 JSON text sequence (json-seq.ts)
    if (objectLines < 0 || t === '') return;
    objectLines = isJsonObject(t) ? objectLines + 1 : -1;
  };
  const note = (): void => {
    if (objectLines > 1) opts.onNote?.(jsonLinesNote(objectLines, opts, file));
  };
  const split = opts.textSplit ?? 'file';
  if (split === 'file') {
    let blank = true; // a line that is not UTF-8 text is not blank: it holds U+FFFD or a NUL
    // watching for binary data: a file of random bytes without a NUL is binary as a whole, not text to convert from Windows-1252
    for (const { text, lineNo, defect, bytes } of readDataLines(file)) {
      opts.onBytes?.(bytes);
      look(text);
      error = recordDefect(error, defect, lineNo);
      blank &&= isBlank(text);
      add(lines, text);
    }
    if (!blank) yield item(1, lines);
    note();
    return;
  }
  const perLine = opts.textSplit === 'lines';
  let binary: Rejection | null = null; // from the line where the file turned into binary data: its first NUL's rejection
  // a lone CR ends a line too (CR-ended lines appended to an LF file), as Python's universal newlines read it
  for (const { text, lineNo, defect, binary: why, bytes } of cutAtLoneCrs(readDataLines(file))) {
    opts.onBytes?.(bytes);
    look(text);
    if (why !== undefined) {
      // binary data (readLines: BinaryWatch), to the end of the file: one record, not cut at its 0x0A bytes into
      // records of garbage; the text before it is read as text, a block open there a record of its own
      if (binary === null) {
        if (start > 0) yield item(start, lines);
        lines = [];
        start = lineNo;
        binary = { reason: 'binary', detail: `binary data from line ${lineNo} on: ${why}` };
        opts.onNote?.(binaryNote(lineNo, why, optionIs(opts.words ?? FLAG_WORDS, 'textSplit', split)));
      }
      if (defect !== undefined) binary = defectRejection(defect, lineNo);
      add(lines, text);
      continue;
    }
    if (isBlank(text)) {
      if (start > 0) yield item(start, lines);
      lines = [];
      start = 0;
      continue;
    }
    if (start === 0) start = lineNo;
    error = recordDefect(error, defect, lineNo);
    add(lines, text);
    if (perLine) {
      yield item(start, lines);
      lines = [];
      start = 0;
    }
  }
  if (binary !== null) error = binary; // not too_long: what it is says more
  if (start > 0) yield item(start, lines);
  note();
}

/** The note on a file that is binary data from line `line` on (1: as a whole), read with --text-split `split` (in the caller's words). */
function binaryNote(line: number, why: string, split: string): string {
  if (line === 1) return `binary data, not text (${why}): rejected as one record (binary), not cut into records at its line ends (${split})`;
  return `binary data from line ${line} on, not text (${why}): lines ${line} to the end rejected as one record (binary), not cut into ` +
    `records at their line ends (${split}); the lines before it read as text`;
}

/**
 * Whether a line is blank: spaces, or characters that render as nothing beside them (a zero-width space, a direction
 * mark: Unicode's default-ignorables, which cleaning removes or a field of them alone leaves empty), as a scraped page
 * or an editor's export leaves between paragraphs. Such a line read as text joined the paragraphs around it into one
 * record (--text-split blank-lines), or was a record of its own, rejected as empty (lines). A line that is not UTF-8
 * text (U+FFFD) or holds a NUL is not blank.
 */
function isBlank(text: string): boolean {
  return text.trim() === '' || INVISIBLE.test(text);
}

const INVISIBLE = /^[\s\p{Default_Ignorable_Code_Point}]+$/u;

/**
 * The note for a file read as plain text each of whose `lines` (more than one) is a JSON object: to name it .jsonl, or
 * where the caller has a format option (formatFlag), to give it (in the caller's words).
 */
export function jsonLinesNote(lines: number, opts: Pick<ReadOptions, 'words' | 'formatFlag'> = {}, file?: string): string {
  const words = opts.words ?? FLAG_WORDS;
  const give = `${words.cli ? 'pass' : 'set'} ${optionIs(words, 'format', 'jsonl')}`;
  // a .jsonl read as text was so by the format option: "name it .jsonl" would ask for the name it has
  if (file !== undefined && /\.jsonl$/i.test(file) && opts.formatFlag !== false) {
    return `read as plain text (${optionIs(words, 'format', 'text')}), yet each of its ${lines} lines is a JSON object: if it is JSON Lines, ${give}, or leave ${words.say('format')} out`;
  }
  const option = opts.formatFlag === false ? '' : ` (or ${give})`;
  return `read as plain text, yet each of its ${lines} lines is a JSON object: if it is JSON Lines, name it .jsonl${option}`;
}

/** Whether the trimmed line `t` is a JSON object. */
export function isJsonObject(t: string): boolean {
  if (!t.startsWith('{') || !t.endsWith('}')) return false;
  try {
    return typeof JSON.parse(t) === 'object';
  } catch {
    return false;
  }
}
