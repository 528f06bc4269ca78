// Element types: what a buffer stores, its size in bytes, host-side conversions between float32 and
// the 16-bit storage formats (bf16, f16), and which dtype each kind of tensor gets under a precision.
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';

/** Types a backend buffer can hold. bf16 and f16 are storage types; arithmetic accumulates in f32. */
export type DType = 'f32' | 'f64' | 'bf16' | 'f16' | 'i32';

export const DTYPE_BYTES: Record<DType, number> = { f32: 4, f64: 8, bf16: 2, f16: 2, i32: 4 };

export type FloatArray = Float32Array | Float64Array;

/** Host-side data for an upload: a typed array and the dtype its elements mean. */
export type HostData =
  | { dtype: 'f32'; data: Float32Array }
  | { dtype: 'f64'; data: Float64Array }
  | { dtype: 'i32'; data: Int32Array }
  | { dtype: 'bf16' | 'f16'; data: Uint16Array };

/** The `precision` setting: bf16 storage (math in f32) or fp32 throughout; auto picks per backend. */
export type Precision = 'auto' | 'fp32' | 'bf16';

/**
 * The dtype of each kind of tensor. `storage`: frozen weights and activations (and their gradients);
 * `exact`: what must not be rounded to 16 bits — trained tensors (LoRA A/B, a trained head), their
 * gradients and optimizer moments, RMSNorm rstd, attention lse, per-token losses, logits, invFreq.
 */
export interface ModelDTypes {
  storage: DType;
  exact: DType;
}

/** The dtypes of a model computed in `dtype`: bf16 stores in bf16 and keeps exact tensors in f32. */
export function modelDTypes(dtype: DType): ModelDTypes {
  if (dtype === 'bf16') return { storage: 'bf16', exact: 'f32' };
  if (dtype === 'f32' || dtype === 'f64') return { storage: dtype, exact: dtype };
  throw new Error(`a model computes in f32, f64 or bf16, not ${dtype}`);
}

const PRECISIONS: readonly Precision[] = ['auto', 'fp32', 'bf16'];

/** A --precision value (undefined = auto), or a library call's options.precision (`words`); anything else is a UserError naming the flag or option. */
export function parsePrecision(value: string | undefined, words: OptionWords = FLAG_WORDS): Precision {
  if (value === undefined) return 'auto';
  if (!(PRECISIONS as readonly string[]).includes(value)) throw new UserError(`${words.say('precision')}: "${value}" is not one of ${PRECISIONS.join(', ')}`, words.where);
  return value as Precision;
}

/** The model dtype of a precision on a backend: auto is bf16 on CUDA and fp32 on the CPU. */
export function precisionDType(precision: Precision, backend: 'cpu' | 'cuda'): 'f32' | 'bf16' {
  if (precision === 'auto') return backend === 'cuda' ? 'bf16' : 'f32';
  return precision === 'bf16' ? 'bf16' : 'f32';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Whether this machine stores numbers little-endian (bf16ToF32 reads two bf16 values as one 32-bit word there). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * bf16 bits → float32 (exact). Two values a 32-bit word where src is 4-byte aligned on a little-endian machine: the low
 * half is the first value (shifted up), the high half the second (masked) — a third less time than one at a time.
 */
export function bf16ToF32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const bits = new Int32Array(out.buffer, out.byteOffset, out.length);
  const n = src.length;
  let i = 0;
  if (LITTLE_ENDIAN && n > 1) {
    if (src.byteOffset % 4 !== 0) bits[i] = src[i++]! << 16;
    const words = new Int32Array(src.buffer, src.byteOffset + 2 * i, (n - i) >> 1);
    for (let w = 0; w < words.length; w++, i += 2) {
      const x = words[w]!;
      bits[i] = x << 16;
      bits[i + 1] = x & -65536;
    }
  }
  for (; i < n; i++) bits[i] = src[i]! << 16;
  return out;
}

/** float32 → bf16 bits, rounding to nearest even (NaN stays NaN), as torch does. */
export function f32ToBf16(src: ArrayLike<number>, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i]!;
    const x = u32[0]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x007fffff) !== 0) {
      out[i] = (x >>> 16) | 0x40;
    } else {
      out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
    }
  }
  return out;
}

/** IEEE half bits → float32 (exact, subnormals included). */
export function f16ToF32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** float32 → IEEE half bits, round to nearest even. */
export function f32ToF16(src: ArrayLike<number>, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (h & 1))) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
    out[i] = sign | h;
  }
  return out;
}
