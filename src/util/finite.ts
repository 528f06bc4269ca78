// The export's guard against broken weights: a tensor with a NaN or infinite value is refused, naming it,
// as eval, generate and train refuse non-finite outputs; one pass over the host copy being written. Its scan is the
// one the loads of base weights (model/finite-weights.ts) and adapters (model/peft.ts) use too. A tensor written as
// float16 is also refused when a value is beyond its range, which it would store as an infinity.
import { UserError } from './errors.ts';

/** Throws a UserError naming `tensor` (and where it goes) when `data` holds a NaN or an infinity. */
export function requireFinite(data: ArrayLike<number>, tensor: string, where?: string): void {
  const i = firstNonFiniteIndex(data);
  if (i >= 0) throw nonFiniteError(tensor, i, data[i]!, where);
}

/** The error of requireFinite: `tensor` holds the NaN or infinity `value` at flat index `index`. */
export function nonFiniteError(tensor: string, index: number, value: number, where?: string): UserError {
  return new UserError(`tensor ${tensor} holds ${Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'} (at index ${index}): ` +
    'the weights are broken (a diverged run?), so nothing was exported', where);
}

/** The index of the first NaN or ±Infinity in `data`, or −1. */
export function firstNonFiniteIndex(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v - v is 0 for every finite v and NaN for NaN and ±Infinity: one subtraction per value
    if (v - v !== 0) return i;
  }
  return -1;
}

/** The smallest magnitude float16 rounds to infinity: its largest finite value is 65504, and 65520, halfway to 65536, rounds up (to even). */
const F16_OVERFLOW = 65520;

/**
 * Throws a UserError naming `tensor` (and where it goes) when a value of `data` is beyond float16's range (±65504), so
 * would be written as an infinity; `way` says what keeps it.
 */
export function requireF16Range(data: ArrayLike<number>, tensor: string, way: string, where?: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v >= F16_OVERFLOW || v <= -F16_OVERFLOW) {
      throw new UserError(`tensor ${tensor} holds ${v} (at index ${i}), beyond float16's range (±65504): nothing was exported (${way})`, where);
    }
  }
}
