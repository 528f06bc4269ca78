// A record's text with comments inside it (a .json file, JSONC): parsed with each comment blanked (its characters
// spaces, its line breaks kept: a place said in its text is the file's), its raw (rejected.jsonl's) as written, the
// comments the user wrote kept. For json-array.ts's elements and jsonl.ts's records (a line, or a pretty-printed object).
import { blanked } from './json-object-scan.ts';
import type { RawItem } from './types.ts';

/** A comment inside a record's text, as written. */
export interface Comment { comment: string }

/**
 * A record's text from its parts, trimmed: `text` to parse, each comment blanked, and `written`, the comments as the
 * file has them (rejected.jsonl's raw).
 */
export function elementText(parts: ReadonlyArray<string | Comment>): { text: string; written: string } {
  if (parts.every((p) => typeof p === 'string')) {
    const text = parts.join('').trim();
    return { text, written: text };
  }
  const text = parts.map((p) => typeof p === 'string' ? p : blanked(p.comment)).join('');
  const written = parts.map((p) => typeof p === 'string' ? p : p.comment).join('');
  return trimmedAlike(text, written);
}

/**
 * `text` (comments blanked) and `written` (the same text as the file has it: the same places), trimmed alike: from
 * `text`'s first character, to its last (a comment at the end of `written` kept).
 */
export function trimmedAlike(text: string, written: string): { text: string; written: string } {
  const lead = text.length - text.trimStart().length;
  return { text: text.slice(lead).trimEnd(), written: written.slice(lead).trimEnd() };
}

/** `it`, a record's item, with its text as written for raw (where the parsed text blanked a comment in it). */
export function asWritten(it: RawItem, written: string): RawItem {
  return it.raw === written || it.error?.reason === 'too_long' ? it : { ...it, raw: written };
}
