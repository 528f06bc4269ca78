// How deeply a parsed JSON value nests, counted without recursion. The dashboard re-serialises what it reads
// (events, the snapshot) and the page walks report.json recursively: a hostile file of a million nested
// brackets parses fine but overflows the stack of JSON.stringify, which answered 500 for every run. A YAML text
// is checked before it is parsed: the yaml parser spends seconds on deeply nested flow collections before it fails.

/** At most this many nested arrays/objects in report.json or a metrics row (train writes 3). */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests more than `limit` arrays/objects deep. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

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
