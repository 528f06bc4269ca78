// A record whose JSON object names a key twice (`{"text": "a", "text": "b"}`): JSON.parse, like Python's json, keeps
// the last value and drops the other without a word, so a record's text or label would silently be half of what the
// file says. A record of a few keys each named once in its text has none; else the object's own keys are found by
// one walk of its text that jumps over strings (nested objects' keys are not looked at). The same key twice with the
// same value loses nothing and is let be.
import { stringEnd } from './number-spellings.ts';

/** Up to this many keys, a search of the text for each is quicker than a walk of it (each search may read it whole). */
const FEW_KEYS = 8;

/**
 * The rejection detail for a record whose top-level object, parsed from JSON `text` as `value`, has a key twice with
 * different values; null when it has none (or `value` is not an object).
 */
export function duplicateKeyDetail(text: string, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  // a few keys, each of whose quoted names occurs once in the text, cannot repeat: found natively, faster than a walk
  const keys = Object.keys(value);
  if (keys.length <= FEW_KEYS && keys.every((k) => { const q = JSON.stringify(k); return text.indexOf(q) === text.lastIndexOf(q); })) return null;
  const dup = firstConflictingKey(text);
  return dup === null ? null : `the key ${JSON.stringify(dup)} appears twice with different values (JSON keeps the last and drops the other): keep one`;
}

/** The first key of the outermost object in `text` that appears again with another value (its JSON text), or null. */
function firstConflictingKey(text: string): string | null {
  const seen = new Map<string, string>(); // key → its value's JSON text, trimmed
  let depth = 0, key: string | null = null, valueStart = -1, expectKey = false;
  const endValue = (at: number): string | null => {
    if (key === null || valueStart < 0) return null;
    const v = text.slice(valueStart, at).trim(); // a slice: V8 shares the text's memory, copying nothing
    const before = seen.get(key);
    if (before !== undefined && before !== v) return key;
    seen.set(key, v);
    key = null;
    valueStart = -1;
    return null;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        const raw = text.slice(i, end + 1);
        key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 1) {
        const dup = endValue(i);
        if (dup !== null) return dup;
      }
      depth--;
    } else if (depth === 1 && c === 0x3a) { // ":"
      valueStart = i + 1;
    } else if (depth === 1 && c === 0x2c) { // ","
      const dup = endValue(i);
      if (dup !== null) return dup;
      expectKey = true;
    }
  }
  return null;
}
