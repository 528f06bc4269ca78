// A record written by Python's str() or repr() of a dict instead of json.dumps (`f.write(str(row) + "\n")`), as
// Python's ast.literal_eval reads it: {'prompt': 'Hi', 'ok': True, 'label': None}. Dicts with string keys, lists
// and tuples (as arrays; a value in parentheses is that value), strings in single, double or triple quotes with Python's escapes (r and u prefixes;
// literals side by side joined, 'a' 'b'), integers (1_000, 0x1F, 00), floats, one sign before a number (-(1), - 2), True, False and None; nan and inf (what repr writes for those floats) as Python's json.loads
// reads NaN and Infinity (python-json.ts). Anything else — bytes, sets, a key that is not a string, a call —
// is no literal: null, and the record stays invalid_json. Linear in the text; nesting is bounded as Python bounds it,
// and a literal nested deeper is said to be. A number's spelling is noted as JSON's is (number-spellings.ts): str()
// writes the float 1.0 as 1.0, which String() would write as 1.
// A dict that names a key twice with different values (which ast.literal_eval, like JSON.parse, silently reads as the
// last) is said (`duplicate`), as duplicate-keys.ts says it of JSON, the values compared as it compares them (asPython).
import { memberPath } from './duplicate-keys.ts';
import { canonicalJson, withPythonNumbers } from '../python-numbers.ts';
import { noteNumberSpelling, numberSpelling } from './number-spellings.ts';

/**
 * The most brackets (dicts, lists, tuples) open at once: Python's own parser reads no more ("too many nested
 * parentheses"), and this one recurses. Deeper nesting is no record, and is said to be (TOO_DEEP).
 */
const MAX_DEPTH = 200;
const TOO_DEEP = `a Python literal (single quotes, None, True) nested more than ${MAX_DEPTH} levels deep (dicts, lists, tuples), ` +
  `deeper than Python's ast.literal_eval reads ("too many nested parentheses"): no record`;

class NotALiteral extends Error {
  constructor(readonly at: number) {
    super('not a literal');
  }
}
class TooDeep extends Error {}

/**
 * The value of `text` as a Python literal of JSON's kinds, or where it stops being one (`failedAt`, an index of
 * `text`); with `duplicate`, the first key a dict of it names twice with different values, and that dict's path in the
 * value ('' for the value itself). `error`: why a literal nested deeper than Python reads (MAX_DEPTH) is none, which the
 * message of its reading as JSON would not say.
 */
export function parsePythonLiteral(text: string): { value: unknown; duplicate?: { key: string; path: string }; comments?: number } | { error: string } | { failedAt: number } {
  const p = new LiteralParser(text);
  try {
    const value = p.value(0);
    p.skipSpace();
    if (!p.atEnd()) return { failedAt: p.position };
    return { value, ...(p.duplicate === null ? {} : { duplicate: p.duplicate }), ...(p.comments === 0 ? {} : { comments: p.comments }) };
  } catch (e) {
    if (e instanceof NotALiteral) return { failedAt: e.at };
    if (e instanceof TooDeep) return { error: TOO_DEEP };
    throw e;
  }
}

/**
 * Whether `text` may be a Python literal that JSON.parse refused: a dict (after `#` comment lines too) or list holding a
 * quote, a tuple or a Python word.
 */
export function mayBePythonLiteral(text: string): boolean {
  // past `#` comment lines, a dict (a file of one record under a header); a list there is left to be read as lines, not
  // as one value (json.ts reads the file whole only when it does not start with "[", a header line hiding it)
  const start = literalStart(text);
  return (text[start] === '{' || (text[start] === '[' && start === 0)) && (text.includes("'") || text.includes('(') || /\b(?:None|True|False|nan|inf)\b/.test(text));
}

/** Where `text`'s value starts: past blanks and `#` comment lines. */
function literalStart(text: string): number {
  return /^(?:[ \t\r\n]*#[^\n]*)*[ \t\r\n]*/.exec(text)![0].length;
}

/** The line (1-based) where `text`'s value starts, past `#` comment lines (a header). */
export function literalLine(text: string): number {
  let line = 1;
  const start = literalStart(text);
  for (let i = text.indexOf('\n'); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * `v`, a dict's value read here (spelled `token` where it is a number or null), as Python's json.dumps(sort_keys=True)
 * writes it: two values of one key are one value when they write the same (keys in another order, 0x1F and 31, 1e2 and
 * 100.0, inf and 1e400, a tuple and a list, as json.dumps writes both), as duplicate-keys.ts compares JSON's; not 1 and
 * 1.0 or True (an int, a float, a bool: Python's == has them equal, but each is written apart), nan and None.
 */
function asPython(v: unknown, token: string | undefined): string {
  const holder = [v];
  if (token !== undefined && (typeof v === 'number' || v === null)) noteNumberSpelling(holder, 0, token);
  return canonicalJson(withPythonNumbers(holder));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v',
};

class LiteralParser {
  private i = 0;
  /** The text of the last number read (`number`): the spelling of an element or value that is a number. */
  private numberToken = '';
  /** The keys and indices from the value to the one being read (for a duplicate's path). */
  private readonly at: Array<string | number> = [];
  /** The first key a dict names twice with different values, and where that dict is. */
  duplicate: { key: string; path: string } | null = null;
  /** The `#` comments skipped. */
  comments = 0;
  constructor(private readonly s: string) {}

  get position(): number {
    return this.i;
  }

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  /** Past whitespace and `#` comments (to the end of their line). */
  skipSpace(): void {
    for (;;) {
      while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i]!)) this.i++;
      if (this.s[this.i] !== '#') return;
      this.comments++;
      const nl = this.s.indexOf('\n', this.i);
      this.i = nl < 0 ? this.s.length : nl;
    }
  }

  private fail(): never {
    throw new NotALiteral(this.i);
  }

  /** The value at `depth` brackets in: one that opens another is too deep at MAX_DEPTH, as Python's parser says. */
  value(depth: number): unknown {
    this.skipSpace();
    const c = this.s[this.i];
    if (depth >= MAX_DEPTH && (c === '{' || c === '[' || c === '(')) throw new TooDeep();
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.parenthesised(depth);
    if (this.atString()) return this.strings();
    const word = /^(?:True|False|None|nan|inf)\b/.exec(this.s.slice(this.i, this.i + 6));
    if (word) {
      this.i += word[0].length;
      // inf: no finite number, no spelling; nan: null noted as python-json.ts notes Python's json NaN (the float nan
      // where a template writes it: python-numbers.ts), None: null noted as nothing
      this.numberToken = word[0] === 'nan' ? 'NaN' : word[0];
      return { True: true, False: false, None: null, nan: null, inf: Infinity }[word[0]];
    }
    if (c === '-' || c === '+') return this.signed(depth);
    return this.number();
  }

  /**
   * A number after one sign, as ast.literal_eval reads it: blanks (and, inside brackets, line ends and comments) may
   * follow the sign, and the number may be in parentheses, -(1) or - (2.5); a second sign (--1, -(-1)) is refused there.
   */
  private signed(depth: number): number {
    const negative = this.s[this.i++] === '-';
    this.skipSpace();
    let parentheses = 0;
    while (this.s[this.i] === '(') {
      if (depth + parentheses >= MAX_DEPTH) throw new TooDeep();
      this.i++;
      parentheses++;
      this.skipSpace();
    }
    if (this.s[this.i] === '-' || this.s[this.i] === '+') this.fail();
    const n = this.number();
    for (; parentheses > 0; parentheses--) {
      this.skipSpace();
      if (this.s[this.i] !== ')') this.fail(); // a tuple, -(1,), is no number
      this.i++;
    }
    if (!negative) return n;
    this.numberToken = '-' + this.numberToken;
    return -n;
  }

  private dict(depth: number): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.fail();
      this.skipSpace();
      if (this.s[this.i] !== ':') this.fail();
      this.i++;
      this.at.push(key);
      const item = this.value(depth + 1);
      this.at.pop();
      if (this.duplicate === null && Object.hasOwn(out, key) && asPython(out[key], numberSpelling(out, key)) !== asPython(item, this.numberToken)) {
        this.duplicate = { key, path: this.at.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : memberPath(p, k)), '') };
      }
      // defined, not assigned: a key "__proto__" is a field like any other, as JSON.parse makes it
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
      if (typeof item === 'number' || item === null) noteNumberSpelling(out, key, this.numberToken);
      if (!this.separator('}')) this.fail();
    }
  }

  private sequence(close: string, depth: number): unknown[] {
    this.i++; // [ or (
    const out: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      this.at.push(out.length);
      const item = this.value(depth + 1);
      this.at.pop();
      if (typeof item === 'number' || item === null) noteNumberSpelling(out, out.length, this.numberToken);
      out.push(item);
      if (!this.separator(close)) this.fail();
    }
  }

  /** A tuple, as an array, or one value in parentheses: (1, 2) and (1,) are tuples, (1) is 1, () is empty. */
  private parenthesised(depth: number): unknown {
    const at = this.i;
    const items = this.sequence(')', depth);
    if (items.length !== 1) return items;
    // one element: a tuple only when a comma follows it, before the closing parenthesis
    let j = this.i - 2;
    while (j > at && ' \t\r\n'.includes(this.s[j]!)) j--;
    return this.s[j] === ',' ? items : items[0];
  }

  /** After an element: a comma (true), or the closing bracket left for the caller (true); else false. */
  private separator(close: string): boolean {
    this.skipSpace();
    if (this.s[this.i] === ',') {
      this.i++;
      return true;
    }
    return this.s[this.i] === close;
  }

  /** Whether a string literal starts here: a quote, or an r or u prefix and a quote. */
  private atString(): boolean {
    const c = this.s[this.i];
    if (c === "'" || c === '"') return true;
    return (c === 'r' || c === 'R' || c === 'u' || c === 'U') && (this.s[this.i + 1] === "'" || this.s[this.i + 1] === '"');
  }

  /** String literals side by side, joined as Python's parser joins them ('a' 'b' is 'ab', across lines inside brackets too). */
  private strings(): string {
    let out = this.string();
    for (;;) {
      const [at, comments] = [this.i, this.comments];
      this.skipSpace();
      if (!this.atString()) {
        [this.i, this.comments] = [at, comments]; // the caller skips them again
        return out;
      }
      out += this.string();
    }
  }

  private string(): string {
    let raw = false;
    if (this.s[this.i] === 'r' || this.s[this.i] === 'R') raw = true;
    if (this.s[this.i] !== "'" && this.s[this.i] !== '"') this.i++; // the prefix
    const q = this.s[this.i]!;
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail();
      if (this.s.startsWith(end, this.i)) {
        this.i += end.length;
        return out;
      }
      const c = this.s[this.i]!;
      if (c === '\n' && !triple) this.fail();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.s[this.i + 1];
      if (e === undefined) this.fail();
      if (raw) {
        out += c + e; // a raw string keeps the backslash (which still stops a quote from closing it)
        this.i += 2;
        continue;
      }
      this.i += 2;
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (e === '\n') continue; // a line continuation
      else if (e === 'x') out += this.codePoint(2);
      else if (e === 'u') out += this.codePoint(4);
      else if (e === 'U') out += this.codePoint(8);
      else if (e >= '0' && e <= '7') {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(this.s[this.i] ?? '')) digits += this.s[this.i++];
        out += String.fromCodePoint(parseInt(digits, 8));
      } else if (e === 'N') this.fail(); // \N{NAME}: the names are not known here
      else out += '\\' + e; // Python keeps an unknown escape as it is
    }
  }

  private codePoint(digits: number): string {
    const hex = this.s.slice(this.i, this.i + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) this.fail();
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) this.fail();
    this.i += digits;
    return String.fromCodePoint(cp);
  }

  /**
   * A number without a sign (signed() reads one) as Python's parser reads it: decimal (digits that `_` may separate,
   * 1_000), or an integer in hex, octal or binary (0x1F, 0o17, 0b11); `inf` after a sign. Its spelling (numberToken) is the
   * file's (3.50), less the separators (1000.50), and for another base the decimal digits Python's str() writes (31): a
   * text field holding one reads so.
   */
  private number(): number {
    const ahead = this.s.slice(this.i, this.i + 400);
    const based = /^0(?:([xX])((?:_?[0-9a-fA-F])+)|([oO])((?:_?[0-7])+)|([bB])((?:_?[01])+))\b/.exec(ahead);
    if (based) {
      this.i += based[0].length;
      if (/^[jJ.]/.test(this.s[this.i] ?? '')) this.fail();
      const digits = (based[2] ?? based[4] ?? based[6]!).replace(/_/g, '');
      const prefix = based[1] !== undefined ? '0x' : based[3] !== undefined ? '0o' : '0b';
      const value = BigInt(prefix + digits);
      this.numberToken = value.toString();
      return Number(value);
    }
    const d = '\\d(?:_?\\d)*'; // digits, `_` between two of them
    const m = new RegExp(`^(?:(?:${d}(?:\\.(?:${d})?)?|\\.${d})(?:[eE][-+]?${d})?|inf\\b)`).exec(ahead);
    if (!m || m[0] === '') this.fail();
    const text = m[0].replace(/_/g, '');
    // an integer with a leading zero and another digit (007, 0_7) is no Python 3 literal; zeros alone (00, 0_0) and 0.5 are
    if (/^0+[1-9]/.test(text) && !/[.eE]/.test(text)) this.fail();
    this.i += m[0].length;
    if (/^[jJ_]/.test(this.s[this.i] ?? '')) this.fail(); // a complex number; a separator not between digits (1_)
    this.numberToken = text;
    return text === 'inf' ? Infinity : Number(text);
  }
}

/**
 * The message for `text`, which JSON.parse refused (`jsonMessage`) and which is no Python literal of JSON's kinds past
 * `failedAt`, when JSON stumbled on Python's syntax (a single quote, None, True, a parenthesis: a str() of a dict
 * written by hand, or holding what str() writes and JSON has no form for), else null: JSON's "Expected property name or
 * '}' at position 1" named the quote, not what the Python reading could not read.
 */
export function pythonLiteralFailure(text: string, failedAt: number, jsonMessage: string): string | null {
  const at = /\bat position (\d+)/.exec(jsonMessage)?.[1];
  // V8 names the token without a position ("Unexpected token 'N'") where it is a letter
  const c = at !== undefined ? text[Number(at)] : /^Unexpected token '(.)'/.exec(jsonMessage)?.[1];
  const what = c === "'" ? 'single quotes' : c === '(' ? 'a parenthesis' : c !== undefined && 'NTFni'.includes(c) ? "Python's None, True or False" : null;
  if (what === null) return null;
  const near = text.slice(failedAt, failedAt + 16);
  const where = failedAt >= text.length ? `at position ${failedAt} (its end)` : `at position ${failedAt} (${JSON.stringify(near)}${failedAt + 16 < text.length ? '…' : ''})`;
  return `not JSON (${what}: a Python literal?), and read as one it stops ${where}: not Python, or not of JSON's kinds ` +
    '(bytes, sets, calls, complex numbers and keys that are not strings have no JSON form)';
}
