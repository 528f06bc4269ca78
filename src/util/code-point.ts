// A character named by its Unicode code point, as errors name one the eye cannot tell apart (a no-break space, a Unicode minus).
/** `U+2212` for "−": the code point of the first character of `c`, upper-case hex, at least four digits. */
export function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Strings in Python's order (by code point): JavaScript's `<` compares UTF-16 units, which puts an emoji (its
 * surrogates, U+D800…) before U+E000…U+FFFF (U+FF01 "！"), where Python's sorted() and json.dumps(sort_keys) put it after. */
export function byCodePoint(a: string, b: string): number {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
  return x.length - y.length;
}
