// How a data file spells a number that JSON.parse would write another way: "3.50", "1.0", "1e5", "-0" and an integer
// beyond 2^53 ("12345678901234567890") parse to numbers whose String() is "3.5", "1", "100000", "0" and
// "12345678901234567000". A text field holding such a number ({"completion": 3.50}: record-fields.ts textValue) is its
// token as the file spells it, as a CSV cell holding it reads; the parsed value is JSON.parse's, untouched, so a number
// used as a number (a label, a turn's weight, a token id) reads as before. Node 20's reviver gives no source text
// (context.source), so the text is scanned for number tokens outside strings and walked beside its value, to note
// each token that String() writes otherwise in a side table keyed by the object or array holding it (a reader that
// copies such an object carries them over: keepNumberSpellings). That is done only when a text field of the record
// being read holds a number: the record's text is kept beside its value until then, so a record whose numbers are
// not text (ids, scores, embeddings: most JSON that holds numbers) costs nothing more to read.

/** The spelling of each noted number, by the object or array that holds it and its key or index there. */
const spellings = new WeakMap<object, Map<string | number, string>>();
/** The JSON text of each value parsed by parseJsonKeepingText whose spellings have not been noted yet. */
const unnoted = new WeakMap<object, string>();
/** The object each copy (keepNumberSpellings) was made from, whose spellings are the copy's. */
const copiedFrom = new WeakMap<object, object>();
/** The value detectRecord is reading: the one whose spellings numberSpelling notes when first asked. */
let reading: object | null = null;

/**
 * `text` parsed as JSON.parse parses it (and throwing as it throws), its text kept for numberSpelling (readingRecord):
 * `spelledIn`, where `text` is a rewriting of it that changes no number token (JSON with Python's NaN and Infinity,
 * made JSON: python-json.ts), so that the spellings are the file's.
 */
export function parseJsonKeepingText(text: string, spelledIn = text): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null) unnoted.set(value, spelledIn);
  return value;
}

/**
 * `text` parsed as JSON.parse parses it (and throwing as it throws), the spelling of its numbers noted now: JSON read
 * within a record (a CSV cell or a string field holding JSON), which is not the value readingRecord names. `spelledIn`
 * as parseJsonKeepingText's.
 */
export function parseJsonNotingNumbers(text: string, spelledIn = text): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null) noteSpellings(spelledIn, value);
  return value;
}

/** Says which parsed value (of parseJsonKeepingText) the next numberSpelling calls are about: the record being read. */
export function readingRecord(value: unknown): void {
  reading = typeof value === 'object' && value !== null ? value : null;
}

/**
 * How the file spelled the number at `holder[key]` — a value in the record being read (readingRecord), or one whose
 * spellings were noted — when String() would spell it otherwise; else undefined.
 */
export function numberSpelling(holder: object, key: string | number): string | undefined {
  if (reading !== null) {
    const text = unnoted.get(reading);
    if (text !== undefined) {
      unnoted.delete(reading);
      noteSpellings(text, reading);
    }
  }
  return spellings.get(copiedFrom.get(holder) ?? holder)?.get(key);
}

/** Notes `token`, the number just read into `holder[key]` (by a parser of this folder): kept when String() would spell it otherwise. */
export function noteNumberSpelling(holder: object, key: string | number, token: string): void {
  if (respelled(token)) {
    let m = spellings.get(holder);
    if (m === undefined) spellings.set(holder, (m = new Map()));
    m.set(key, token);
  } else {
    spellings.get(holder)?.delete(key); // a later duplicate key's number, which is the one parsed
  }
}

/** `copy` (an object made from `from`'s fields, under the same keys), with `from`'s number spellings. */
export function keepNumberSpellings<T extends object>(from: object, copy: T): T {
  copiedFrom.set(copy, copiedFrom.get(from) ?? from);
  return copy;
}

/**
 * Python's json word for a float nan, which JSON with Python's floats holds (python-json.ts reads it as null, a missing
 * value): noted at its null, so that where Python's type matters (a tool call's arguments: python-numbers.ts) it is nan.
 */
const NAN = 'NaN';

/** Whether `text` holds Python's NaN at `i` (outside strings, where no other JSON token starts with "N"). */
const nanAt = (text: string, i: number): boolean => text.charCodeAt(i) === 0x4e && text.startsWith(NAN, i);

/**
 * Whether String() of the number `token` parses to is another text: also a number past a double's range (1e400 and a
 * 400-digit integer parse to Infinity, whose String() is "Infinity"; Python's json reads the integer exactly, and a CSV
 * cell keeps either as written) and Python's `inf`; not JSON-with-Python's `Infinity` (String() spells it so) nor the
 * lone "-" that the scan takes for the start of a number in `-Infinity`. Python's NaN is noted too (NAN).
 */
function respelled(token: string): boolean {
  return token === NAN || ((/\d/.test(token) || /^[-+]?inf$/.test(token)) && String(Number(token)) !== token);
}

const QUOTE = 0x22, BACKSLASH = 0x5c, MINUS = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The index of the quote that closes the JSON string opening at `open` (text that JSON.parse read: it is closed). */
export function stringEnd(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  for (;;) {
    if (end < 0) return text.length; // not JSON text after all: nothing more to scan
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** The end (exclusive) of the number token starting at `start`: digits, ".", "e", "E", "+" and "-". */
function numberEnd(text: string, start: number): number {
  let i = start + 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS)) break;
  }
  return i;
}

/** Whether JSON `text` holds a number, outside strings, that String() would spell otherwise. */
function hasRespelledNumber(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
    } else if (isDigit(c) || c === MINUS) {
      const end = numberEnd(text, i);
      if (!shortInteger(text, i, end) && respelled(text.slice(i, end))) return true;
      i = end - 1;
    } else if (nanAt(text, i)) {
      return true;
    }
  }
  return false;
}

/**
 * Whether the token text[start, end) is an integer of at most 15 characters other than "-0…": String() writes it back
 * as it is (JSON has no leading zeros, and such an integer is exact), so it is not converted to find out.
 */
function shortInteger(text: string, start: number, end: number): boolean {
  if (end - start > 15) return false;
  let i = start;
  if (text.charCodeAt(i) === MINUS) {
    if (text.charCodeAt(i + 1) === 0x30) return false;
    i++;
  }
  for (; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Walks JSON `text` beside `root`, its parsed value, noting the spelling of every number token where it was put (when
 * one of them is spelled otherwise than String() writes it: most texts are scanned, not walked). With
 * duplicate keys JSON.parse keeps the last value: the tokens are noted in the text's order, so the last one at a place
 * is the one noted; a container that a later duplicate replaced is walked without noting (its holder is null).
 */
function noteSpellings(text: string, root: object): void {
  if (!hasRespelledNumber(text)) return;
  const holders: Array<object | null> = []; // the open containers, innermost last
  const keys: Array<string | number> = []; // the key (object) or index (array) of the next value in each
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = holders.length - 1;
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const key = text.slice(i + 1, end);
        keys[top] = key.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) { // "{" or "["
      const inner = top < 0 ? root : valueAt(holders[top]!, keys[top]!);
      const isArray = c === 0x5b;
      holders.push(typeof inner === 'object' && inner !== null && Array.isArray(inner) === isArray ? inner : null);
      keys.push(isArray ? 0 : ''); // an array's keys are indices, an object's strings
      expectKey = !isArray;
    } else if (c === 0x7d || c === 0x5d) { // "}" or "]"
      holders.pop();
      keys.pop();
    } else if (c === 0x2c) { // ","
      const key = keys[top]!;
      if (typeof key === 'number') keys[top] = key + 1;
      else expectKey = true;
    } else if (isDigit(c) || c === MINUS) {
      const end = numberEnd(text, i);
      const holder = holders[top];
      if (holder !== null && holder !== undefined) noteNumberSpelling(holder, keys[top]!, text.slice(i, end));
      i = end - 1;
    } else if (nanAt(text, i)) {
      const holder = holders[top];
      if (holder !== null && holder !== undefined) noteNumberSpelling(holder, keys[top]!, NAN);
      i += NAN.length - 1;
    }
  }
}

function valueAt(holder: object | null, key: string | number): unknown {
  if (holder === null) return undefined;
  return Object.hasOwn(holder, key) ? (holder as Record<string | number, unknown>)[key] : undefined;
}
