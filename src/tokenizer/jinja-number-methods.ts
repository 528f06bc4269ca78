// Python's int and float methods as a template may call them (`x.is_integer()`, `n.bit_length()`), exact on an int
// past 2**53 (a bigint here): int.bit_length, bit_count, conjugate, as_integer_ratio (a bool's are its int's);
// float.is_integer, conjugate, as_integer_ratio, hex. to_bytes, from_bytes and fromhex (bytes, classmethods) are
// left out. jinja-methods.ts's callMethod calls them.
import { V, pyType, type Value } from './jinja-values.ts';

/** A float's exact value as sign, integer mantissa (53 bits at most) and power of two: x = sign * mantissa * 2**exponent. */
function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const high = bits.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  const negative = high >>> 31 === 1;
  // a subnormal has no implicit leading 1 and the exponent of the smallest normal
  return biased === 0 ? { negative, mantissa: fraction, exponent: -1074 } : { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** float.hex(): [-]0x1.<13 hex digits>p<exponent>, a subnormal as 0x0.…p-1022, zero as 0x0.0p+0. */
function floatHex(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0x0.0p+0`;
  const { mantissa, exponent } = decompose(x);
  const subnormal = mantissa < 1n << 52n;
  const digits = (mantissa & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
  const power = subnormal ? -1022 : exponent + 52;
  return `${sign}0x${subnormal ? 0 : 1}.${digits}p${power < 0 ? '-' : '+'}${Math.abs(power)}`;
}

/** float.as_integer_ratio(): the exact fraction in lowest terms, its denominator a power of two. */
function floatRatio(x: number): Value {
  if (Number.isNaN(x)) throw new Error('cannot convert NaN to integer ratio');
  if (!Number.isFinite(x)) throw new Error('cannot convert Infinity to integer ratio');
  let { negative, mantissa, exponent } = decompose(x);
  while (exponent < 0 && mantissa % 2n === 0n && mantissa !== 0n) {
    mantissa /= 2n;
    exponent++;
  }
  if (mantissa === 0n) exponent = 0;
  const numerator = (negative ? -mantissa : mantissa) * (exponent > 0 ? 1n << BigInt(exponent) : 1n);
  return V.tuple([V.exactInt(numerator), V.exactInt(exponent < 0 ? 1n << BigInt(-exponent) : 1n)]);
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

const INT_METHODS: Record<string, (n: bigint) => Value> = {
  bit_length: (n) => V.int(n === 0n ? 0 : abs(n).toString(2).length),
  bit_count: (n) => V.int([...abs(n).toString(2)].filter((d) => d === '1').length),
  conjugate: (n) => V.exactInt(n),
  as_integer_ratio: (n) => V.tuple([V.exactInt(n), V.int(1)]),
};
const FLOAT_METHODS: Record<string, (x: number) => Value> = {
  is_integer: (x) => V.bool(Number.isInteger(x)),
  conjugate: (x) => V.float(x),
  as_integer_ratio: floatRatio,
  hex: (x) => V.str(floatHex(x)),
};

/** `obj.name()` for an int, bool or float and one of the methods above, else undefined (none of these take arguments). */
export function callNumberMethod(obj: Value, name: string, given: number): Value | undefined {
  const isInt = obj.type === 'IntegerValue' || obj.type === 'BooleanValue';
  const table: Record<string, (n: never) => Value> = isInt ? INT_METHODS : obj.type === 'FloatValue' ? FLOAT_METHODS : {};
  if (!Object.hasOwn(table, name)) return undefined;
  if (given > 0) throw new Error(`${pyType(obj) === 'bool' ? 'int' : pyType(obj)}.${name}() takes no arguments (${given} given)`);
  const f = table[name] as (n: bigint | number) => Value;
  return f(isInt ? BigInt(obj.value as number | bigint | boolean) : (obj.value as number));
}
