// A character named by its Unicode code point, as errors name one the eye cannot tell apart (a no-break space, a Unicode minus).
/** `U+2212` for "−": the code point of the first character of `c`, upper-case hex, at least four digits. */
export function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A UTF-16 unit moved so that units compare as code points do (surrogates after U+E000…U+FFFF). */
const codePointOrder = (u: number) => (u < 0xd800 ? u : u < 0xe000 ? u + 0x2000 : u - 0x800);

/** Python's order of two strs (sorted(), json.dumps(sort_keys)), by code point: negative, 0 or positive. JavaScript's
 * `<` compares UTF-16 units, which puts an emoji (its surrogates) before U+E000…U+FFFF ("！" U+FF01). */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) return codePointOrder(x) - codePointOrder(y);
  }
  return a.length - b.length;
}
