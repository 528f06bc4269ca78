// A record whose JSON names a key twice in one object (`{"text": "a", "text": "b"}`, or a message's
// `{"role": "user", "role": "assistant"}`): JSON.parse, like Python's json, keeps the last value and drops the other
// without a word, so a record's text, label or a turn's role would silently be half of what the file says. When the
// text has no escape that can spell a key another way (`\u0078`, `\/`) and few key names, each name's quoted
// occurrences in the text are counted against the objects of the parsed value that hold it: no more occurrences, no
// object can hold it twice. Else every object's keys, at any depth, are found by one walk of the text that jumps over
// strings, each name read as JSON reads it (escapes undone). The same key twice with the same value loses nothing and
// is let be: the same as Python's json reads it, however written (`{"a": 1}` and `{"a":1}`, `"a"` and `"\u0061"`, an
// object's keys in another order; not 1 and 1.0, an int and a float).
import { canonicalJson, parsePythonJson } from '../python-numbers.ts';
import { stringEnd } from './number-spellings.ts';

/** Up to this many key names, a search of the text for each is quicker than a walk of it (each search may read it whole). */
const FEW_KEYS = 8;

/**
 * The rejection detail for a record whose object, parsed from JSON `text` as `value`, has a key twice in one object (its
 * own or one nested in it) with different values; null when it has none (or `value` is not an object). `read`: how a
 * member's value is read where two are written apart (sameValue): JSON with Python's NaN and Infinity, by python-json.ts.
 */
export function duplicateKeyDetail(text: string, value: unknown, read: (json: string) => unknown = parsePythonJson): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  if (!/\\[u/]/.test(text)) {
    const holders = new Map<string, number>(); // key name → objects holding it
    if (countKeys(value, holders) && [...holders].every(([k, n]) => occurrences(text, JSON.stringify(k), n) <= n)) return null;
  }
  const dup = firstConflictingKey(text, read);
  return dup === null ? null : duplicateKeyMessage(dup);
}

/** The rejection detail for key `key` named twice with different values by the object at `path` ('' for the record). */
export function duplicateKeyMessage({ key, path }: { key: string; path: string }): string {
  return `the key ${JSON.stringify(key)} appears twice with different values${path === '' ? '' : ` in ${path}`} (JSON keeps the last and drops the other): keep one`;
}

/**
 * Counts, into `holders`, the objects within `v` that hold each key name; false once there are more than FEW_KEYS
 * names. A stack, not recursion: JSON.parse reads nesting far deeper than the call stack goes.
 */
function countKeys(v: unknown, holders: Map<string, number>): boolean {
  const todo: unknown[] = [v];
  while (todo.length > 0) {
    const x = todo.pop();
    if (typeof x !== 'object' || x === null) continue;
    if (Array.isArray(x)) {
      for (const el of x) if (typeof el === 'object' && el !== null) todo.push(el);
      continue;
    }
    for (const [k, el] of Object.entries(x)) {
      holders.set(k, (holders.get(k) ?? 0) + 1);
      if (holders.size > FEW_KEYS) return false;
      if (typeof el === 'object' && el !== null) todo.push(el);
    }
  }
  return true;
}

/** How many times `q` occurs in `text`, counted up to more than `most`. */
function occurrences(text: string, q: string, most: number): number {
  let n = 0;
  for (let at = text.indexOf(q); at >= 0 && n <= most; at = text.indexOf(q, at + q.length)) n++;
  return n;
}

/** An object or array open in the walk: an object's keys so far, and the member (or element) being read. */
interface Open {
  /** Whether it is an object (else an array). */
  object: boolean;
  /** An object's keys so far → where their value's JSON text starts and ends (made at its second key). */
  seen: Map<string, { start: number; end: number }> | null;
  key: string | null;
  valueStart: number;
  expectKey: boolean;
  /** An array's element index. */
  index: number;
  /** Where it is in the record (`messages[0]`; '' for the record). */
  path: string;
}

/** The first key of an object in `text` (at any depth) that appears again in it with another value, and that object's path; or null. */
function firstConflictingKey(text: string, read: (json: string) => unknown): { key: string; path: string } | null {
  const stack: Open[] = [];
  /** The value of `o`'s member ends at `at`: whether its key was seen before with another value. */
  const conflicts = (o: Open, at: number): boolean => {
    if (o.key === null || o.valueStart < 0) return false;
    o.seen ??= new Map();
    const before = o.seen.get(o.key);
    if (before !== undefined && !sameValue(text.slice(before.start, before.end), text.slice(o.valueStart, at), read)) return true;
    o.seen.set(o.key, { start: o.valueStart, end: at });
    o.key = null;
    o.valueStart = -1;
    return false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const top = stack.length > 0 ? stack[stack.length - 1]! : null;
      if (top !== null && top.expectKey) {
        const raw = text.slice(i, end + 1);
        top.key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      const top = stack.length > 0 ? stack[stack.length - 1]! : null;
      const path = top === null ? '' : top.object ? memberPath(top.path, top.key ?? '') : `${top.path}[${top.index}]`;
      stack.push({ object: c === 0x7b, seen: null, key: null, valueStart: -1, expectKey: c === 0x7b, index: 0, path });
    } else if (c === 0x7d || c === 0x5d) {
      const top = stack.pop();
      if (top?.object && conflicts(top, i)) return { key: top.key!, path: top.path };
    } else if (c === 0x3a || c === 0x2c) { // ":" or ","
      const top = stack.length > 0 ? stack[stack.length - 1]! : null;
      if (top === null) continue;
      if (!top.object) {
        if (c === 0x2c) top.index++;
      } else if (c === 0x3a) top.valueStart = i + 1;
      else {
        if (conflicts(top, i)) return { key: top.key!, path: top.path };
        top.expectKey = true;
      }
    }
  }
  return null;
}

/** The path of member `key` of the object at `path`: `.key` for a name, `["odd key"]` for another. */
export function memberPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Whether two JSON texts of a member's value are one value as Python's json reads it (sameness of text first: the usual case). */
function sameValue(a: string, b: string, read: (json: string) => unknown): boolean {
  if (a.trim() === b.trim()) return true;
  try {
    // in a list: a number alone is not marked (1.0 would be 1)
    return canonicalJson(read(`[${a}]`)) === canonicalJson(read(`[${b}]`));
  } catch {
    return false; // not JSON text on its own: the record is refused as JSON anyway
  }
}
