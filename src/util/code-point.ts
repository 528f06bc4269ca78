// A character named by its Unicode code point, as errors name one the eye cannot tell apart (a no-break space, a Unicode minus).
/** `U+2212` for "−": the code point of the first character of `c`, upper-case hex, at least four digits. */
export function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
