// How deeply JSON and YAML texts nest, and how many arrays, objects and keys a JSON text holds, found before they are
// parsed. The dashboard re-serialises what it reads (events, the snapshot) and the page walks report.json recursively:
// a hostile file of a million nested brackets parses fine but overflows the stack of JSON.stringify, which answered 500
// for every run. JSON.parse cannot be stopped, and its time goes mostly to arrays, objects and keys (jsonTooCostly); the
// yaml parser spends seconds on deeply nested flow collections before it fails (bracketsNestDeeperThan).
// A safetensors header (up to 100 MB) is checked the same way before it is parsed (model/safetensors.ts), and so is every
// JSON file of a model or adapter folder (readJsonFile: what reads a value recursed through it).

/** At most this many nested arrays/objects in report.json or a metrics row (train writes 3). */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the `[`/`{` of `text` nest more than `limit` deep, counting every bracket (quoted ones too: a quote in a
 * YAML plain scalar starts no string, so skipping "strings" could be fooled; a real config nests 2 deep).
 */
export function bracketsNestDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return false;
}

/**
 * What makes the JSON text `text` too costly to parse and show, found before it is parsed: 'deep' when its arrays and
 * objects nest more than `maxDepth` deep, 'many' when it holds more than `maxCount` arrays, objects and keys together
 * (its `[`, `{` and `:` outside strings; a string's `\"` does not end it); null otherwise. Exact for valid JSON. A loop
 * over the text (~50 ms for 16 MiB; 8 ms for Mistral's 1.7 MB tokenizer.json, which JSON.parse takes 25× longer to
 * read) that, unlike JSON.parse, a thread's terminate stops.
 */
export function jsonTooCostly(text: string, maxDepth: number, maxCount: number): 'deep' | 'many' | null {
  return scanJson(text, maxDepth, maxCount)?.why ?? null;
}

/** The offset of the first `[` or `{` of the JSON text `text` nested more than `maxDepth` deep, or null (as jsonTooCostly counts). */
export function jsonNestingPast(text: string, maxDepth: number): number | null {
  return scanJson(text, maxDepth, Infinity)?.at ?? null;
}

function scanJson(text: string, maxDepth: number, maxCount: number): { why: 'deep' | 'many'; at: number } | null {
  let count = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // the escaped character, a quote perhaps
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { why: 'deep', at: i };
      if (++count > maxCount) return { why: 'many', at: i };
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if (c === 0x3a && ++count > maxCount) return { why: 'many', at: i };
  }
  return null;
}
