// A record whose JSON object names a key twice (`{"text": "a", "text": "b"}`): JSON.parse, like Python's json, keeps
// the last value and drops the other without a word, so a record's text or label would silently be half of what the
// file says. Found without a scan of most records: a key of the parsed object whose quoted name occurs once in the
// text cannot be a duplicate; only a record where one occurs twice (a "text" key nested in a content part, say) is
// walked, and its object's own keys compared. The same key twice with the same value loses nothing and is let be.
import { stringEnd } from './number-spellings.ts';

/**
 * The rejection detail for a record whose top-level object, parsed from JSON `text` as `value`, has a key twice with
 * different values; null when it has none (or `value` is not an object).
 */
export function duplicateKeyDetail(text: string, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const suspect = Object.keys(value).some((k) => {
    const needle = JSON.stringify(k);
    return text.indexOf(needle) !== text.lastIndexOf(needle);
  });
  if (!suspect) return null;
  const dup = firstConflictingKey(text);
  return dup === null ? null : `the key ${JSON.stringify(dup)} appears twice with different values (JSON keeps the last and drops the other): keep one`;
}

/** The first key of the outermost object in `text` that appears again with another value (its JSON text), or null. */
function firstConflictingKey(text: string): string | null {
  const seen = new Map<string, string>();
  let depth = 0, key: string | null = null, valueStart = -1, expectKey = false;
  const endValue = (at: number): string | null => {
    if (key === null || valueStart < 0) return null;
    const v = text.slice(valueStart, at).trim();
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
