// The members of a JSON file that holds one object, found by streaming its text (strings and nesting tracked,
// nothing parsed), so that an object wrapping millions of records (`{"version": "1.0", "data": [...]}`) is never
// held in memory: json.ts reads the wrapped array's elements from where it starts, as it reads a top-level array.
// Each member is summarised by the kind of its value; an array whose elements are objects that are not chat turns
// (`role` and `content`, ShareGPT's `from` and `value`), but for as many scalars as objects at most (holdsRecords: `[null, {…}]` is one), is a list of records. Also the pieces every JSON reader
// here shares to walk such text: comments (JSONC), a Python literal's single-quoted strings (SingleQuotes), and where
// a value's brackets close (closeIndex).
import { UserError } from '../../util/errors.ts';
import { readLines } from '../../util/lines.ts';

export interface ObjectMember {
  key: string;
  /** 'empty': an empty array (no records, and nothing else either); 'array': one of anything else than records. */
  kind: 'records' | 'empty' | 'array' | 'object' | 'scalar';
  /** Where the value starts: its line (1-based) and its index in that line's text (as readLines gives it). */
  line: number;
  char: number;
}

const TURN_KEYS = new Set(['role', 'content', 'from', 'value']);

/**
 * The comment that starts at `text[i]` outside strings (JSONC): 'line' (`//`), 'block' (`/*`), or null. A `//` right
 * after ":" is none: an unquoted URL (`http://…`, not JSON either) would otherwise hide the brackets after it on its
 * line, and its element would swallow the ones after it.
 */
export function commentAt(text: string, i: number): 'line' | 'block' | null {
  if (text.charCodeAt(i) !== 0x2f) return null;
  const next = text.charCodeAt(i + 1);
  if (next === 0x2a) return 'block';
  return next === 0x2f && text.charCodeAt(i - 1) !== 0x3a ? 'line' : null;
}

/** The comments of a file as its reader skipped them: how many, the first's line, their kinds (for commentsNote). */
export interface CommentTally {
  count: number;
  first: number;
  kinds: Set<string>;
}

/** A tally for a look at a line without its comments, which are counted where the record's text is read. */
export function uncounted(): CommentTally {
  return { count: 0, first: 0, kinds: new Set() };
}

/** Counts the comment of kind `kind` on `line` into `tally`. */
export function countComment(tally: CommentTally, kind: 'line' | 'block', line: number): void {
  tally.count++;
  tally.first ||= line;
  tally.kinds.add(kind === 'line' ? '`//`' : '`/* */`');
}

/** The report's note on the comments skipped (none: null). */
export function commentsNote({ count: n, first, kinds }: CommentTally): string | null {
  if (n === 0) return null;
  const k = [...kinds].join(' and ');
  return `${n === 1 ? `a ${k} comment` : `${n} ${k} comments`} (line ${first}${n === 1 ? '' : ' first'}; JSONC, which JSON does not allow) skipped: comments are not records`;
}

/** The characters after which a "'" opens a Python literal's string: "[", "{", ",", ":", "(". */
const PY_STRING_AFTER: ReadonlySet<number> = new Set([0x5b, 0x7b, 0x2c, 0x3a, 0x28]);

/**
 * A Python literal's single-quoted strings (`{'text': 'it\'s // x'}`), told by the one rule that every JSON reader here
 * follows, so that a `//`, a bracket, a comma or a `"` in one is its text wherever it is read: fed each character
 * outside JSON's strings and comments, a "'" opens one only after one of "[{,:(" (or first): one elsewhere
 * (`{"text": it's}`, not JSON either) does not hide what follows it; a `\` escapes the character after it; it ends at
 * its closing "'" or with its line, as Python's does.
 */
export class SingleQuotes {
  inside = false;
  private escape = false;
  private last = 0x5b; // the last character outside strings, blanks aside: the start reads as after "["

  /** Whether `c` (a UTF-16 code) is in a single-quoted string, its opening and closing quotes included. */
  step(c: number): boolean {
    if (c === 0x0a) this.endLine();
    if (this.inside) {
      if (this.escape) this.escape = false;
      else if (c === 0x5c) this.escape = true;
      else if (c === 0x27) this.inside = false;
      return true;
    }
    if (c === 0x27 && PY_STRING_AFTER.has(this.last)) return (this.inside = true);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) this.last = c;
    return false;
  }

  /** The end of a line: a single-quoted string left open ends there. */
  endLine(): void {
    this.inside = this.escape = false;
  }
}

/** `text` (a comment's) with each character but a line break a space: what it is blanked to, places after it kept. */
export function blanked(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

/**
 * `text` (a whole JSON file, or a line of one: `firstLine` its number) with its comments outside strings blanked (a `//`
 * to the end of its line, a `/* *\/` by spaces, its line breaks kept), counted into `tally`; strings are tracked as
 * scanObjectMembers tracks them (a single-quoted one, a Python literal's, by SingleQuotes). The text as it is when it has
 * no comment, or a `/*` never closed (left for the parse to refuse: firstChar and the scan found none; `unclosed.at` told
 * where it opens, for a caller that reads on to where it closes). `blank.chars` is told how many characters it blanked.
 */
export function withoutComments(text: string, tally: CommentTally, firstLine = 1, unclosed?: { at: number }, blank?: { chars: number }): string {
  if (!text.includes('/')) return text; // no comment (memchr), as the scan would find, without a character at a time
  const out: string[] = [];
  let inString = false, escape = false, line = firstLine, from = 0;
  const single = new SingleQuotes();
  const found: Array<['line' | 'block', number, number]> = []; // counted once the text is known to be read without them
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (single.step(text.charCodeAt(i))) continue;
    if (c === '"') inString = true;
    const comment = commentAt(text, i);
    if (comment === null) continue;
    const end = comment === 'line' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2) + 2;
    if (comment === 'block' && end < 2) {
      if (unclosed) unclosed.at = i;
      return text;
    }
    const stop = comment === 'line' && end < 0 ? text.length : end;
    found.push([comment, line, stop - i]);
    out.push(text.slice(from, i), blanked(text.slice(i, stop)));
    line += text.slice(i, stop).split('\n').length - 1;
    from = stop;
    i = stop - 1;
  }
  for (const [kind, at] of found) countComment(tally, kind, at);
  if (blank) for (const [, , chars] of found) blank.chars += chars;
  return from === 0 ? text : out.join('') + text.slice(from);
}

/**
 * Line `text` of a record, which starts inside a string (the rest of one a line break was typed into), its comments
 * blanked as withoutComments blanks them (not counted: they are where the record is read): its opening quote put back
 * for the scan.
 */
export function restWithoutComments(text: string): string {
  return withoutComments(`"${text}`, uncounted()).slice(1);
}

/** The error of a `/*` comment opened on `line` of `file` and never closed: the rest of the file would be comment. */
export function unclosedComment(file: string, line: number): UserError {
  return new UserError('a `/*` comment opened here is never closed: the rest of the file would be comment, its records unread; close it with `*/`', `${file}:${line}`);
}

/**
 * Whether `line`, after a line that ended inside a string, is the rest of that string (a line break typed into
 * it, as in `line two"},`): read as JSON text it ends inside a string — its closing quote taken for an opening
 * one — while a well-formed line never does; and it does not start like an element or a key of its own
 * (`{"`, `[`, `"key":`), as the line after a string left open usually does.
 */
export function continuesString(line: string): boolean {
  const t = line.trimStart();
  if (t.startsWith('{') || t.startsWith('[') || /^"(?:[^"\\]|\\.)*"\s*:/.test(t)) return false;
  let inside = false, escape = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (escape) escape = false;
    else if (c === 0x5c && inside) escape = true;
    else if (c === 0x22) inside = !inside;
  }
  return inside;
}

/**
 * Whether an array of `elements`, `objects` of them objects (none a chat turn) and the others scalars (no array among
 * them), is a list of records: at least half its elements are. A scalar among records (`[{…}, null, {…}]`, a number, a
 * string) is a bad record, rejected on its own as a top-level array's is, not a sign that the list holds none: read as
 * no list of records, the object wrapping it was one unknown_shape record, its records lost with no word of the element.
 */
export function holdsRecords(elements: number, objects: number): boolean {
  return objects > 0 && objects * 2 >= elements;
}

/** Whether an object with these of TURN_KEYS is a chat turn (OpenAI's, ShareGPT's), not a record. */
export function isTurn(keys: ReadonlySet<string>): boolean {
  return (keys.has('role') && keys.has('content')) || (keys.has('from') && keys.has('value'));
}

/**
 * Whether `text`, a line's rest from a "{" inside a list, starts a chat turn (isTurn), not a record: an object whole on
 * the line with a turn's keys, else one whose first key is "role" or "from" (a turn spread over lines, or cut short).
 * Where the "{" is alone on its line (comments aside), `nextLine`, the line after it, is read with it (`{` then
 * `"role": "user", …`); no further: a turn whose "role" comes later, or after a blank line, is taken for a record.
 */
export function startsTurn(text: string, nextLine?: string): boolean {
  const own = withoutComments(text, uncounted()).trim();
  const t = (own === '{' && nextLine !== undefined ? `{\n${withoutComments(nextLine, uncounted())}` : own).trim().replace(/,$/, '');
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v) && isTurn(new Set(Object.keys(v)));
  } catch {
    return /^\{\s*"(?:role|from)"\s*:/.test(t);
  }
}

/** Keys longer than this are not captured whole (no record list or turn key is that long). */
const KEY_LIMIT = 256;

/**
 * The members of the one object that `file` holds, in order; 'lines' when text follows the object (JSON Lines: the
 * file need not be parsed whole to find that out); null when it is not JSON text that this scan can follow (a line
 * break inside a key or a member's string value; a quote that is not JSON's, as in a Python literal). A `/*` never
 * closed is a UserError at its line (unclosedComment), as in an array: read as JSON Lines, a record inside it was kept.
 * `comments.bytes` is told how many of the file's bytes are its comments' (no record's JSON: its length is the rest).
 */
export function scanObjectMembers(file: string, comments = { bytes: 0 }): ObjectMember[] | 'lines' | null {
  const members: ObjectMember[] = [];
  const stack: Array<'obj' | 'arr'> = [];
  let closed = false, inString = false, escape = false, expectKey = false;
  let key: string[] | null = null; // the key being captured (at the object's level, or an element's)
  let keyLength = 0;
  let valueStart = false; // the next non-blank character starts a member's value
  let elementStart = false; // … or an element of a member's array
  let elementKeys = new Set<string>(); // the turn keys that the pending element of a member's array has
  let elements = 0; // elements seen in the member's array
  let scalars = 0; // … of them, those that are no object (null, a number, a string)
  let pendingKey = ''; // the key of the member whose value comes next
  const member = (): ObjectMember => members[members.length - 1]!;
  let inComment = 0; // the line of the `/* ... */` comment being skipped, 0: none (JSONC, as hand-edited files have; json.ts reads the records past them)
  let broken = false; // a string left open at its line's end ended its element: the "}"s after it are skipped
  const single = new SingleQuotes(); // a Python literal's strings: what is in one is text, not a comment or a bracket
  for (const [{ text, lineNo }, after] of withNext(readLines(file))) {
    single.endLine();
    let commentFrom = 0; // where on this line the block comment open started (0: a line before opened it)
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inComment) {
        if (c === '*' && text[i + 1] === '/') {
          inComment = 0;
          i++;
          comments.bytes += Buffer.byteLength(text.slice(commentFrom, i + 1));
        }
        continue;
      }
      if (inString) {
        if (escape) escape = false;
        else if (c === '\\') escape = true;
        else if (c === '"') {
          inString = false;
          if (key !== null) endKey(keyName(key.join('')));
          key = null;
          continue;
        }
        if (key !== null && keyLength++ < KEY_LIMIT) key.push(c);
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r' || c === '\ufeff') continue;
      const opens = !single.inside;
      if (single.step(text.charCodeAt(i)) && !opens) continue; // its opening quote starts a value, as a `"` does
      const comment = single.inside ? null : commentAt(text, i);
      if (comment === 'line') {
        comments.bytes += Buffer.byteLength(text.slice(i));
        break; // to the end of the line
      }
      if (comment === 'block') {
        inComment = lineNo;
        commentFrom = i;
        i++;
        continue;
      }
      if (broken && c === '}') continue;
      broken = false;
      if (closed) return 'lines'; // more text after the object
      if (expectKey && c !== '"' && c !== '}') return null; // a key not in JSON's quotes (a Python literal)
      const depth = stack.length;
      if (valueStart) {
        valueStart = false;
        members.push({ key: pendingKey, kind: c === '[' ? 'records' : c === '{' ? 'object' : 'scalar', line: lineNo, char: i });
      } else if (elementStart && c !== ']') {
        elementStart = false;
        elements++;
        if (c === '[') member().kind = 'array';
        else if (c !== '{') scalars++;
      }
      if (c === '"') {
        inString = true;
        if (expectKey) {
          expectKey = false;
          // the object's own keys, and the keys of its arrays' elements
          if (depth === 1 || (depth === 3 && stack[1] === 'arr')) {
            key = [];
            keyLength = 0;
          }
        }
      } else if (c === '{' || c === '[') {
        if (depth === 0 && c !== '{') return null;
        stack.push(c === '{' ? 'obj' : 'arr');
        expectKey = c === '{';
        if (depth === 1 && c === '[') {
          elementStart = true;
          elements = scalars = 0;
        }
        if (depth === 2 && stack[1] === 'arr') elementKeys = new Set();
      } else if (c === '}' || c === ']') {
        const top = stack.pop();
        if (top !== (c === '}' ? 'obj' : 'arr')) return null;
        expectKey = false; // an empty object ({}) closes with no key read: a "," or a close follows, no key
        if (depth === 3 && stack[1] === 'arr' && isTurn(elementKeys)) member().kind = 'array';
        if (depth === 2 && c === ']' && elements === 0) member().kind = 'empty';
        else if (depth === 2 && c === ']' && member().kind === 'records' && !holdsRecords(elements, elements - scalars)) member().kind = 'array';
        elementStart = false;
        if (stack.length === 0) closed = true;
      } else if (c === ',') {
        expectKey = stack[stack.length - 1] === 'obj';
        if (depth === 2 && stack[1] === 'arr') elementStart = true;
      } else if (c === ':') {
        if (depth === 1) valueStart = true;
      } else if (depth === 0) {
        return null;
      }
    }
    if (inComment > 0) comments.bytes += Buffer.byteLength(text.slice(commentFrom)) + 1; // with its line break
    // a line break inside a string is not JSON, but inside the records readJsonArray judges the element it breaks, and
    // so does the scan, as it does: the string goes on when the next line is its rest (a line break typed into a value),
    // else it was left open and the element ends with its line (its closing brackets after it skipped)
    if (inString && stack.length < 2) return null;
    if (inString && stack[1] === 'arr' && (after === undefined || !continuesString(after.text))) {
      inString = escape = false;
      key = null;
      stack.length = 2;
      broken = true;
    }
  }
  if (inComment > 0) throw unclosedComment(file, inComment);
  return closed ? members : null;

  function endKey(k: string): void {
    if (stack.length === 1) pendingKey = k;
    else if (TURN_KEYS.has(k)) elementKeys.add(k);
  }
}

/** Each item of `items` with the one after it (undefined for the last); closing `items` when the caller stops early. */
function* withNext<T>(items: Iterable<T>): Generator<[T, T | undefined]> {
  let prev: [T] | null = null;
  for (const x of items) {
    if (prev !== null) yield [prev[0], x];
    prev = [x];
  }
  if (prev !== null) yield [prev[0], undefined];
}

/** A key as JSON reads it (`"te\u0078t"` is "text"), from its text between the quotes; as written when that is no JSON string (cut at KEY_LIMIT). */
function keyName(written: string): string {
  if (!written.includes('\\')) return written;
  try {
    return JSON.parse(`"${written}"`) as string;
  } catch {
    return written;
  }
}

/** Where a scan of JSON text stands: the brackets open, and whether it is inside a string (just after a backslash). */
export interface JsonScan {
  depth: number;
  inString: boolean;
  escape: boolean;
}

/** Scans `text` on from `scan`: the index of the "}" or "]" that closes the outermost value (depth back to 0), or −1 at the end of the text. */
export function closeIndex(scan: JsonScan, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (scan.inString) {
      if (scan.escape) scan.escape = false;
      else if (c === 0x5c) scan.escape = true;
      else if (c === 0x22) scan.inString = false;
    } else if (c === 0x22) scan.inString = true;
    else if (c === 0x7b || c === 0x5b) scan.depth++;
    else if ((c === 0x7d || c === 0x5d) && --scan.depth === 0) return i;
  }
  return -1;
}
