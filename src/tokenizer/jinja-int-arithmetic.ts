// Python's ints are exact at any size, a JS number only up to 2**53. An int past it is held as a bigint: one from the
// data (a tool call's argument 12345678901234567890: inputValue), or a result made here. Arithmetic on two ints where
// one is a bigint, or where a number's result would pass 2**53 (3 ** 40, 2 ** 53 + 1, 10 ** 400), is done with BigInt,
// exactly, as Python does; `/` of such ints is the quotient correctly rounded to a float (Python's int true division).
// An int beside a float is converted to that float first (Python's float(int): OverflowError past a double's range).
// Comparisons need nothing here: JavaScript compares a bigint with a number exactly, as Python compares int and float.
import { V, type Value } from './jinja-values.ts';

/** The operators that compute a number from two (comparisons aside). */
const ARITHMETIC = new Set(['+', '-', '*', '/', '//', '%', '**']);

/** The most bits an int power may have (10 ** 2048 has 6,804): past it, refused rather than computed at any cost. */
const MAX_POWER_BITS = 1 << 17;

const isIntValue = (v: Value): boolean => v.type === 'IntegerValue';
const isBig = (v: Value): boolean => typeof v.value === 'bigint';

/**
 * `a op b` for two ints (a bool already made an int) where the library's arithmetic on JS numbers is not Python's: an
 * operand or the result past 2**53 (see the header); null where it is, and for any other operands. Throws Python's
 * errors (ZeroDivisionError, OverflowError).
 */
export function exactIntArithmetic(op: string, a: Value, b: Value): Value | null {
  if (!ARITHMETIC.has(op) || !isIntValue(a) || !isIntValue(b)) return null;
  const [x, y] = [a.value as number | bigint, b.value as number | bigint];
  const safe = typeof x === 'number' && typeof y === 'number' && Number.isSafeInteger(x) && Number.isSafeInteger(y);
  // a double divides exact operands correctly rounded, their // and % are small, a negative power is a float
  if (safe && (op === '/' || op === '//' || op === '%' || (op === '**' && y < 0) || Number.isSafeInteger(doubleResult(op, x, y)))) return null;
  return exactIntOp(op, BigInt(x), BigInt(y));
}

/**
 * The operands of `a op b` with an int past 2**53 beside a float converted to that float (Python's float(int)), for
 * the library's float arithmetic; the operands as they are otherwise (comparisons are exact as they are).
 */
export function floatOperands(op: string, a: Value, b: Value): [Value, Value] {
  const isFloat = (v: Value): boolean => v.type === 'FloatValue';
  if (!ARITHMETIC.has(op) || !((isBig(a) && isFloat(b)) || (isFloat(a) && isBig(b)))) return [a, b];
  return [isBig(a) ? V.float(toFloat(a)) : a, isBig(b) ? V.float(toFloat(b)) : b];
}

/** A JS number's result of `x op y` (+, -, *, **), to see whether it stays a safe integer. */
function doubleResult(op: string, x: number, y: number): number {
  return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x ** y;
}

/** Python's float(int): the nearest double (Number() of a bigint rounds so), OverflowError past a double's range. */
function toFloat(v: Value): number {
  const n = Number(v.value);
  if (!Number.isFinite(n)) throw new Error('int too large to convert to float');
  return n;
}

/** `x op y` on Python's ints: an int (a number up to 2**53, a bigint past it), or a float for `/` and a negative power. */
function exactIntOp(op: string, x: bigint, y: bigint): Value {
  switch (op) {
    case '+': return V.exactInt(x + y);
    case '-': return V.exactInt(x - y);
    case '*': return V.exactInt(x * y);
    case '//':
    case '%': {
      if (y === 0n) throw new Error('integer division or modulo by zero');
      const r = x % y; // BigInt's % takes the sign of x, Python's that of y
      const mod = r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r;
      return V.exactInt(op === '%' ? mod : (x - mod) / y);
    }
    case '/': return V.float(trueDivide(x, y));
    default: { // '**'
      if (y < 0n) {
        if (x === 0n) throw new Error('0.0 cannot be raised to a negative power');
        return V.float(toFloat(V.exactInt(x)) ** Number(y));
      }
      const bits = BigInt((x < 0n ? -x : x).toString(2).length);
      if (x > 1n || x < -1n ? bits * y > BigInt(MAX_POWER_BITS) : false) {
        throw new Error(`${x} ** ${y}: an int of more than ${MAX_POWER_BITS} bits, which mistral-tune's template renderer does not compute`);
      }
      return V.exactInt(x ** y);
    }
  }
}

/**
 * Python's int true division: x / y correctly rounded to a double. The quotient is taken with at least 55 bits and a
 * sticky bit for a remainder, so that Number() (which rounds to nearest, ties to even) rounds it as the exact one.
 */
function trueDivide(x: bigint, y: bigint): number {
  if (y === 0n) throw new Error('division by zero');
  const negative = (x < 0n) !== (y < 0n);
  const [n, d] = [x < 0n ? -x : x, y < 0n ? -y : y];
  if (n === 0n) return negative ? -0 : 0;
  const shift = Math.max(0, 55 - (n.toString(2).length - d.toString(2).length));
  const scaled = n << BigInt(shift);
  let q = scaled / d;
  if (q * d !== scaled) q |= 1n;
  // q * 2**-shift: exact while the result is a normal double (a power of two scales it), in steps a double holds
  let r = Number(q);
  for (let s = shift; s > 0; s -= Math.min(s, 1000)) r *= 2 ** -Math.min(s, 1000);
  if (!Number.isFinite(r)) throw new Error('integer division result too large for a float');
  return negative ? -r : r;
}
