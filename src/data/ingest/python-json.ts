// JSON as Python's json module writes it: json.dumps writes a float that JSON has no word for as NaN, Infinity or
// -Infinity (allow_nan=True, its default — pandas' NaN for a missing cell gets there by df.to_dict + json.dumps),
// which JSON.parse refuses. Such text is read as Python's json.loads reads it: NaN as a missing value (null, as
// pandas means it; in a tool call's arguments and tools, where a chat template writes it, the float nan:
// python-numbers.ts), ±Infinity as numbers. Only text that JSON.parse refused is looked at again, so valid JSON costs
// nothing more, and words inside strings are never touched. Text that is neither is tried last as a Python literal
// (python-literal.ts: a dict written by str() instead of json.dumps).
import { jsonNestingPast } from '../../util/json-depth.ts';
import { duplicateKeyDetail, duplicateKeyMessage } from './duplicate-keys.ts';
import { parsePythonJson } from '../python-numbers.ts';
import { numberSpelling, parseJsonKeepingText, parseJsonNotingNumbers } from './number-spellings.ts';
import { mayBePythonLiteral, parsePythonLiteral, pythonLiteralFailure } from './python-literal.ts';

/** The words, outside strings, and what JSON.parse reads in their place (1e999 parses as Infinity). */
const PYTHON_FLOATS: ReadonlyArray<[string, string]> = [['-Infinity', '-1e999'], ['Infinity', '1e999'], ['NaN', 'null']];

/**
 * A value nested deeper than Python reads (a Python literal past its parser's bound, JSON past MAX_RECORD_DEPTH): no
 * value, though one (a whole file's text is not then read as lines).
 */
export class TooDeepLiteral extends SyntaxError {}

/**
 * The deepest a JSON record may nest: Python's json stops near 1,000 (RecursionError: load_dataset fails on it), and
 * what reads a record recurses through it — JSON.stringify of a label 300,000 arrays deep overflowed the stack, a
 * RangeError with a stack trace where one record should have been rejected.
 */
export const MAX_RECORD_DEPTH = 1000;

/** How a text was read: as JSON, as JSON with Python's floats, or as a Python literal. */
export type JsonReading = 'json' | 'python-floats' | 'python-literal';

/**
 * Parses `text` as JSON, as JSON with Python's NaN / Infinity / -Infinity, or as a Python literal; `reading` says
 * which was needed, its text kept for the spelling of its numbers (number-spellings.ts). Throws JSON.parse's error for the text as
 * it is when none reads it. `duplicate`: the rejection detail when an object of it names a key twice with different
 * values, whichever way it was read (duplicate-keys.ts); absent when none does. A value nested deeper than Python reads
 * (MAX_RECORD_DEPTH, a Python literal's bound) throws saying so (TooDeepLiteral).
 */
export function parseJsonText(text: string): { value: unknown; reading: JsonReading; duplicate?: string; comments?: number } {
  let value: unknown;
  try {
    value = parseJsonKeepingText(text);
  } catch (e) {
    const rewritten = text.includes('NaN') || text.includes('Infinity') ? withoutPythonFloats(text) : null;
    if (rewritten !== null) {
      try {
        const v = parseJsonKeepingText(rewritten, text); // the spellings are the file's: Infinity, not the 1e999 put in its place
        refuseTooDeep(rewritten);
        // the file's text, whose NaN is not null: a member's two values read with Python's floats, as the record is
        const floats = (json: string): unknown => parsePythonJson(withoutPythonFloats(json) ?? json, json);
        return withDuplicate({ value: v, reading: 'python-floats' }, duplicateKeyDetail(text, v, floats));
      } catch (inner) {
        if (inner instanceof TooDeepLiteral) throw inner;
        // not JSON with Python's floats either
      }
    }
    const literal = mayBePythonLiteral(text) ? parsePythonLiteral(text) : null;
    if (literal !== null && 'error' in literal) throw new TooDeepLiteral(literal.error); // JSON's message would not say it
    if (literal !== null && 'failedAt' in literal) {
      const python = pythonLiteralFailure(text, literal.failedAt, (e as Error).message);
      throw python === null ? e : new SyntaxError(python);
    }
    if (literal !== null) {
      const read = { value: literal.value, reading: 'python-literal' as const, ...(literal.comments ? { comments: literal.comments } : {}) };
      return withDuplicate(read, literal.duplicate ? duplicateKeyMessage(literal.duplicate) : null);
    }
    throw e; // the message of the text as written
  }
  refuseTooDeep(text);
  return withDuplicate({ value, reading: 'json' }, duplicateKeyDetail(text, value));
}

/**
 * JSON that prepare wrote (its spool: python-numbers.ts pythonJson writes a tool call's infinite float as Python's json
 * does, Infinity), parsed as parseJsonText parses it, without the checks on a file's records (duplicate keys, depth).
 */
export function parseWrittenJson(text: string): unknown {
  try {
    return parseJsonKeepingText(text);
  } catch (e) {
    const rewritten = text.includes('NaN') || text.includes('Infinity') ? withoutPythonFloats(text) : null;
    if (rewritten === null) throw e;
    return parseJsonKeepingText(rewritten, text);
  }
}

/**
 * `text` parsed as Python's json.loads parses it, as transformers reads a config.json: NaN as the float nan (not a
 * missing value, as a data record's NaN is read), Infinity and -Infinity as numbers; the spelling of its numbers noted
 * (parseJsonNotingNumbers). Throws JSON.parse's error for the text as it is when it is not that either.
 */
export function parseJsonAsPythonLoads(text: string): unknown {
  try {
    return parseJsonNotingNumbers(text);
  } catch (e) {
    const rewritten = text.includes('NaN') || text.includes('Infinity') ? withoutPythonFloats(text) : null;
    if (rewritten === null) throw e;
    let value: unknown;
    try {
      value = parseJsonNotingNumbers(rewritten, text); // the spellings are the file's: NaN is noted at the null put in its place
    } catch {
      throw e; // the message of the text as written
    }
    return text.includes('NaN') ? withNaNs(value) : value;
  }
}

/** `value` with each null that the text spelled NaN (noted by parseJsonNotingNumbers) made NaN, in place. */
function withNaNs(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const holders: object[] = [value];
  for (let holder = holders.pop(); holder !== undefined; holder = holders.pop()) {
    const h = holder as Record<string | number, unknown>;
    for (const key of Array.isArray(h) ? h.keys() : Object.keys(h)) {
      const v = h[key];
      if (v === null && numberSpelling(h, key) === 'NaN') h[key] = NaN;
      else if (typeof v === 'object' && v !== null) holders.push(v);
    }
  }
  return value;
}

/** Throws TooDeepLiteral when the JSON `text` nests deeper than MAX_RECORD_DEPTH (only a text twice as long can). */
function refuseTooDeep(text: string): void {
  const at = text.length > 2 * MAX_RECORD_DEPTH ? jsonNestingPast(text, MAX_RECORD_DEPTH) : null;
  if (at === null) return;
  throw new TooDeepLiteral(`arrays and objects nested more than ${MAX_RECORD_DEPTH} deep at position ${at}: Python's json stops near 1,000 ` +
    '(RecursionError, as load_dataset would), and no record nests so deep; the record is damaged or not data');
}

function withDuplicate<T extends object>(parsed: T, duplicate: string | null): T & { duplicate?: string } {
  return duplicate === null ? parsed : { ...parsed, duplicate };
}

/**
 * The report's note on what was read as Python wrote it: `records` of a file (0: none, no note), or the 'file' as one
 * value; with the `#` comments that a Python literal's reading skipped.
 */
export function pythonReadingNote(reading: Exclude<JsonReading, 'json'>, records: number | 'file', comments = 0): string | null {
  if (records === 0) return null;
  if (reading === 'python-literal') {
    const what = records === 'file' ? 'the file is' : `${records} record${records === 1 ? ' is' : 's are'}`;
    const skipped = comments === 0 ? '' : `; ${comments === 1 ? 'a `#` comment' : `${comments} \`#\` comments`} skipped: comments are not records`;
    return `${what} Python's str() of a dict, not JSON (single quotes, None, True): read as Python's ast.literal_eval reads ${records === 1 || records === 'file' ? 'it' : 'them'}; json.dumps writes JSON${skipped}`;
  }
  const what = records === 'file' ? 'the file holds' : `${records} record${records === 1 ? ' holds' : 's hold'}`;
  return `${what} NaN or Infinity, as Python's json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers`;
}

/** `text` with each NaN, Infinity and -Infinity outside strings replaced (see PYTHON_FLOATS), or null if it has none. */
function withoutPythonFloats(text: string): string | null {
  let out = '', from = 0, inString = false, found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    for (const [word, json] of PYTHON_FLOATS) {
      if (text.startsWith(word, i) && !isWordChar(text.charCodeAt(i - 1)) && !isWordChar(text.charCodeAt(i + word.length))) {
        out += text.slice(from, i) + json;
        i += word.length - 1;
        from = i + 1;
        found = true;
        break;
      }
    }
  }
  return found ? out + text.slice(from) : null;
}

/** A letter, digit, `_`, `.` or `-`: a word such as NaN must not be part of a longer token (NaNa, x.NaN). */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e || c === 0x2d;
}
