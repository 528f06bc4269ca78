// Python's float(str) and int(str, base), as jinja2's | float and | int filters read a string: whitespace around it,
// _ between digits, Unicode decimal digits, inf/nan, 0x/0o/0b prefixes, and an int of every digit past 2**53 (a bigint).
import { pythonStrip } from './jinja-methods.ts';

/**
 * `s` with each Unicode decimal digit (\p{Nd}: '٣', '１', '𝟗') as its ASCII digit, as Python's int() and float() read
 * them. Unicode puts each set of ten in a run of code points from its zero, so a digit's value is its distance from
 * the start of its run, mod 10 (runs of several sets, like the mathematical digits, hold whole sets).
 */
function asciiDigits(s: string): string {
  const digit = /\p{Nd}/u;
  return s.replace(/\p{Nd}/gu, (ch) => {
    let start = ch.codePointAt(0)!;
    while (digit.test(String.fromCodePoint(start - 1))) start--;
    return String((ch.codePointAt(0)! - start) % 10);
  });
}

/** Python's float(str): surrounding whitespace, _ between digits, inf/infinity/nan; null when it is no number. */
export function parseFloatPy(text: string): number | null {
  const s = asciiDigits(pythonStrip(text, null, true, true)).toLowerCase();
  const special: Record<string, number> = { inf: Infinity, infinity: Infinity, nan: NaN };
  const unsigned = s.replace(/^[+-]/, '');
  if (Object.hasOwn(special, unsigned)) return (s.startsWith('-') ? -1 : 1) * special[unsigned]!;
  const digits = '\\d(?:_?\\d)*';
  if (!new RegExp(`^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:e[+-]?${digits})?$`).test(s)) return null;
  return Number(s.replaceAll('_', ''));
}

/**
 * Python's int(str, base): surrounding whitespace, a sign, _ between digits, 0x/0o/0b prefixes for their base (base 0:
 * the prefix gives it, else 10), every digit past 2**53 (a bigint there); null when it is no int.
 */
export function parseIntPy(text: string, base: number): number | bigint | null {
  let s = asciiDigits(pythonStrip(text, null, true, true)).toLowerCase();
  const sign = s.startsWith('-') ? -1n : 1n;
  if (/^[+-]/.test(s)) s = s.slice(1);
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
  const prefixed = prefixes[s.slice(0, 2)];
  if (base === 0) {
    base = prefixed ?? 10;
    if (prefixed === undefined && /^0+_?[1-9]/.test(s)) return null; // int('010', 0) fails: a leading 0 only in a 0
  }
  if (base < 2 || base > 36) return null;
  if (prefixed === base) s = s.slice(2).replace(/^_/, '');
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (!/^[0-9a-z](?:_?[0-9a-z])*$/.test(s) || [...s.replaceAll('_', '')].some((c) => !alphabet.includes(c))) return null;
  const n = [...s.replaceAll('_', '')].reduce((acc, c) => acc * BigInt(base) + BigInt(alphabet.indexOf(c)), 0n) * sign;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
