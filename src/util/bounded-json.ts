// A JSON value as a message shows it, cut to a few lines' worth: a generation_config.json's bad_words_ids of 10^5
// lists was echoed whole (a megabyte on stderr, in the "from FILE:" note and in the "must be ..., got" error).
import { jsonValueText } from './json-file.ts';

/** Characters of a value a message shows, about. */
export const SHOWN_JSON_CHARS = 160;

/** Characters of a file's path a message shows: more than a value's, its start and its end (the file's name). */
export const SHOWN_PATH_CHARS = 1024;

/** Where `text`'s first `n` characters end, less one where that would split a surrogate pair. */
function headEnd(text: string, n: number): number {
  return /[\uD800-\uDBFF]/.test(text[n - 1]!) ? n - 1 : n;
}

/** `text`, where longer than `max` characters cut to its first `max` and its length ("abc… (1000000 characters)"). */
export function boundedText(text: string, max = SHOWN_JSON_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, headEnd(text, max))}… (${text.length} characters)`;
}

/** How a message writes a string as a JSON string literal: JSON.stringify, or one that spells more characters as \u escapes. */
export type Quote = (value: string) => string;

/**
 * `value` quoted (`quote`), where that is longer than `max` characters cut inside its quotes, never in an escape or a
 * surrogate pair, and closed, its count the value's own characters ("\"abc…\" (1000000 characters)").
 */
export function boundedQuotedText(value: string, max = SHOWN_JSON_CHARS, quote: Quote = JSON.stringify): string {
  const literal = quote(value);
  if (literal.length <= max) return literal;
  let end = 1;
  for (const [unit] of literal.slice(1, -1).matchAll(/\\u[0-9a-fA-F]{4}|\\.|[^]/g)) {
    if (end + unit.length > max) break;
    end += unit.length;
  }
  return `${literal.slice(0, headEnd(literal, end))}…" (${value.length} characters)`;
}

/**
 * `text`, where longer than `max` characters cut in its middle to its first and last `max` / 2 and its length
 * ("/data/a/…/z/train.jsonl (6005 characters)"): a path's file name is at its end, which a cut to its start lost.
 */
export function boundedPathText(text: string, max = SHOWN_PATH_CHARS): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2), tail = text.length - half;
  // never half a surrogate pair at either cut
  return `${text.slice(0, headEnd(text, half))}…${text.slice(/[\uDC00-\uDFFF]/.test(text[tail]!) ? tail + 1 : tail)} (${text.length} characters)`;
}

/**
 * jsonValueText(`v`), where longer than `max` characters cut: a list to its first items ("[[5],[7,8],…] (100000
 * items)", an item itself cut where it alone is too long: a list of one such item is that item cut, in brackets),
 * a string cut inside its quotes (boundedQuotedText), anything else to its first `max` characters.
 */
export function boundedJsonText(v: unknown, max = SHOWN_JSON_CHARS): string {
  // JSON.stringify(undefined) is undefined: an absent key is said "undefined", as a template says it
  const whole = jsonValueText(v) as string | undefined;
  if (whole === undefined) return String(v);
  if (typeof v === 'string') return boundedQuotedText(v, max);
  if (whole.length <= max || !Array.isArray(v)) return boundedText(whole, max);
  const shown: string[] = [];
  let used = 1;
  for (const item of v) {
    const text = boundedJsonText(item, Math.max(24, max - used));
    if (shown.length > 0 && used + text.length > max) break;
    shown.push(text);
    used += text.length + 1;
  }
  return shown.length === v.length ? `[${shown.join(',')}]` : `[${shown.join(',')},…] (${v.length} items)`;
}

/**
 * boundedJsonText(`v`), and where `v` is a list cut so, the place and value of its first item that `itemOk` refuses
 * (", whose item 100000 is [-1]"): one bad id among 10^5 lists was otherwise in no part of the message, and the user
 * could not find it. A list shown whole is left as it is (its bad item is in it).
 */
export function boundedListText(v: unknown, itemOk: (item: unknown) => boolean, max = SHOWN_JSON_CHARS): string {
  const shown = boundedJsonText(v, max);
  if (!Array.isArray(v) || jsonValueText(v).length <= max) return shown;
  const bad = v.findIndex((item) => !itemOk(item));
  return bad < 0 ? shown : `${shown}, whose item ${bad} is ${boundedJsonText(v[bad], max)}`;
}

/** How boundedItemsText says a list. */
export interface ItemsTextOptions<T> {
  /** Items named before the rest is counted (8). */
  shown?: number;
  /** An item's text (String(item)), cut to its first SHOWN_JSON_CHARS characters (boundedText); a number is said as it is. */
  say?: (item: T) => string | number;
  /**
   * Whether say's text is a value the message quotes: written as a JSON string literal (true: JSON.stringify; or by this
   * Quote) and cut inside its quotes (boundedQuotedText), a number said as it is. A text is never guessed to be quoted.
   */
  quote?: boolean | Quote;
  /** Items whose end matters (a file's path: its name; a folder's note: why it was skipped): cut by boundedPathText instead. */
  keepEnd?: boolean;
  /** The message's own words before an item's text, not cut (id 5 "tok"). */
  before?: (item: T) => string;
  /** The message's own words after an item's text, not cut ("pos" (train 3)): a long item does not lose them. */
  after?: (item: T) => string;
  /** Between two items (", "). */
  separator?: string;
  /** What the items not named are, after their count ("and 3 more files"). */
  noun?: string;
  /** Whether the count of all follows ("and 95 more (100 in all)"). */
  total?: boolean;
}

/** An item as boundedItemsText says it by default: a number as it is (unquoted where `quote` is given), anything else String(item). */
function sayItem(item: unknown): string | number {
  return typeof item === 'number' ? item : String(item);
}

/**
 * Items said in a list ("-1, -2, -3"), past the first `shown` cut to their count ("… and 92 more"), each item's text cut:
 * the one way a message names what it found (a 1 MB token or class name was echoed whole).
 */
export function boundedItemsText<T>(items: readonly T[], opts: ItemsTextOptions<T> = {}): string {
  const { shown = 8, say = sayItem, quote = false, keepEnd = false, before, after, separator = ', ', noun, total = false } = opts;
  const cut = (text: string | number): string => {
    if (typeof text === 'number') return String(text);
    if (quote !== false) return boundedQuotedText(text, SHOWN_JSON_CHARS, quote === true ? JSON.stringify : quote);
    return keepEnd ? boundedPathText(text) : boundedText(text);
  };
  const first = items.slice(0, shown).map((item) => (before?.(item) ?? '') + cut(say(item)) + (after?.(item) ?? '')).join(separator);
  if (items.length <= shown) return first;
  return `${first} and ${items.length - shown} more${noun === undefined ? '' : ` ${noun}`}${total ? ` (${items.length} in all)` : ''}`;
}
