// A float's fixed ('%.2f') and exponent ('%.3e') notations as Python prints them: from the double's exact decimal value
// (a double is m·2^e: every one has a finite decimal expansion), rounded half to even where it is exactly halfway, at
// any precision up to MAX_PRECISION. JavaScript's toFixed / toExponential round a tie away from zero and refuse a
// precision past 100, which Python prints ('%.150f' % 1.5).

/** The most digits after the point a template may ask for ('%.10001f' is refused, where Python prints them). */
export const MAX_PRECISION = 10_000;

function checkPrecision(p: number): void {
  if (p > MAX_PRECISION) {
    throw new Error(`a precision of ${p} digits is past the ${MAX_PRECISION.toLocaleString('en-US')} that mistral-tune's template renderer prints (Python prints them)`);
  }
}

/** |x| (finite) exactly: [digits, scale] with |x| = digits / 10**scale. */
function exactDecimal(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  let e = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) m |= 1n << 52n;
  if (m === 0n) return [0n, 0];
  while (e < 0 && (m & 1n) === 0n) {
    m >>= 1n;
    e++;
  }
  return e >= 0 ? [m << BigInt(e), 0] : [m * 5n ** BigInt(-e), -e];
}

/** n / 10**drop, rounded half to even. */
function roundDigits(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const unit = 10n ** BigInt(drop);
  const q = n / unit;
  const r2 = (n % unit) * 2n;
  return r2 > unit || (r2 === unit && (q & 1n) === 1n) ? q + 1n : q;
}

/** Python's '%.{p}f' of a finite x: p digits after the point (none and no point for 0), a '-' where x is negative. */
export function toFixedEven(x: number, p: number): string {
  checkPrecision(p);
  const [digits, scale] = exactDecimal(x);
  const text = roundDigits(digits, scale - p).toString().padStart(p + 1, '0');
  return (x < 0 ? '-' : '') + (p === 0 ? text : `${text.slice(0, -p)}.${text.slice(-p)}`);
}

/**
 * Python's round(x, p) of a finite x (float_round's double_round): the double nearest x's exact decimal value rounded
 * half to even at p digits after the point (to tens, hundreds, … where p < 0), a rounded-away negative one -0.0.
 */
export function roundEven(x: number, p: number): number {
  const [digits, scale] = exactDecimal(x);
  return Number(`${x < 0 || Object.is(x, -0) ? '-' : ''}${roundDigits(digits, scale - p)}e${-p}`);
}

/** Python's '%.{p}e' of a finite x ≥ 0: one digit, p after the point, an exponent of at least two digits (1.5e+00). */
export function toExponentEven(x: number, p: number): string {
  checkPrecision(p);
  const [digits, scale] = exactDecimal(x);
  let exp = 0;
  let q = 0n;
  if (digits !== 0n) {
    const length = digits.toString().length;
    exp = length - 1 - scale;
    q = roundDigits(digits, length - 1 - p);
    if (q.toString().length > p + 1) { // 9.99… rounded up to 10.0…
      q /= 10n;
      exp++;
    }
  }
  const text = q.toString().padStart(p + 1, '0');
  return `${text[0]}${p === 0 ? '' : `.${text.slice(1)}`}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
