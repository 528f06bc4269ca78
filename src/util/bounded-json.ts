// A JSON value as a message shows it, cut to a few lines' worth: a generation_config.json's bad_words_ids of 10^5
// lists was echoed whole (a megabyte on stderr, in the "from FILE:" note and in the "must be ..., got" error).
import { jsonValueText } from './json-file.ts';

/** Characters of a value a message shows, about. */
export const SHOWN_JSON_CHARS = 160;

/** Characters of a file's path a message shows: more than a value's, as its file name is at its end. */
export const SHOWN_PATH_CHARS = 1024;

/** `text`, where longer than `max` characters cut to its first `max` and its length ("abc… (1000000 characters)"). */
export function boundedText(text: string, max = SHOWN_JSON_CHARS): string {
  if (text.length <= max) return text;
  // never half a surrogate pair at the cut
  return `${text.slice(0, /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max)}… (${text.length} characters)`;
}

/**
 * jsonValueText(`v`), where longer than `max` characters cut: a list to its first items ("[[5],[7,8],…] (100000
 * items)", an item itself cut where it alone is too long: a list of one such item is that item cut, in brackets),
 * anything else to its first `max` characters.
 */
export function boundedJsonText(v: unknown, max = SHOWN_JSON_CHARS): string {
  // JSON.stringify(undefined) is undefined: an absent key is said "undefined", as a template says it
  const whole = jsonValueText(v) as string | undefined;
  if (whole === undefined) return String(v);
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
  /** An item's text (String(item)), cut to `itemChars` characters as boundedText cuts. */
  say?: (item: T) => string;
  /** Characters of an item's text shown (SHOWN_JSON_CHARS; a path's, SHOWN_PATH_CHARS). */
  itemChars?: number;
  /** The message's own words after an item's text, not cut ("pos" (train 3)): a long item does not lose them. */
  after?: (item: T) => string;
  /** Between two items (", "). */
  separator?: string;
  /** What the items not named are, after their count ("and 3 more files"). */
  noun?: string;
  /** Whether the count of all follows ("and 95 more (100 in all)"). */
  total?: boolean;
}

/**
 * Items said in a list ("-1, -2, -3"), past the first `shown` cut to their count ("… and 92 more"), each item's text cut
 * to `itemChars`: the one way a message names what it found (a 1 MB token or class name was echoed whole).
 */
export function boundedItemsText<T>(items: readonly T[], opts: ItemsTextOptions<T> = {}): string {
  const { shown = 8, say = String, itemChars = SHOWN_JSON_CHARS, after, separator = ', ', noun, total = false } = opts;
  const first = items.slice(0, shown).map((item) => boundedText(say(item), itemChars) + (after?.(item) ?? '')).join(separator);
  if (items.length <= shown) return first;
  return `${first} and ${items.length - shown} more${noun === undefined ? '' : ` ${noun}`}${total ? ` (${items.length} in all)` : ''}`;
}
