// ggml's scalar float conversions, bit for bit: fp32 → fp16 (ggml_compute_fp32_to_fp16, round to nearest
// even, NaN → 0x7E00), fp16 → fp32, fp32 → bf16 (ggml_compute_fp32_to_bf16), and nearest_int (the
// 1.5·2^23 trick of ggml-quants.c: round half to even, bit for bit). Everything a quantiser needs in float32.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

const fround = Math.fround;

function bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

function fromBits(b: number): number {
  u32[0] = b >>> 0;
  return f32[0]!;
}

const SCALE_TO_INF = 2 ** 112, SCALE_TO_ZERO = 2 ** -110;

/** ggml_compute_fp32_to_fp16. */
export function fp32ToFp16(x: number): number {
  let base = fround(fround(Math.abs(fround(x)) * SCALE_TO_INF) * SCALE_TO_ZERO);
  const w = bits(x);
  const shl1w = (w << 1) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1w & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = fround(fromBits((bias >>> 1) + 0x07800000) + base);
  const b = bits(base);
  const nonsign = ((b >>> 13) & 0x7c00) + (b & 0x0fff);
  return ((sign >>> 16) | (shl1w > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

/** fp16 bits → float32 (exact). */
export function fp16ToFp32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** ggml_compute_fp32_to_bf16: round to nearest even; a NaN is kept quiet. */
export function fp32ToBf16(x: number): number {
  const u = bits(x);
  if ((u & 0x7fffffff) >>> 0 > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

const MAGIC = 12582912; // 1.5·2^23
const MAGIC_DOUBLE = 6755399441055744; // 1.5·2^52

/**
 * nearest_int of ggml-quants.c: it adds 1.5·2^23 to the float32 `x` in float32 (round to nearest, ties to
 * even) and returns the low 23 bits of the sum minus 2^22. For |x| ≤ 4194303 that is x rounded to the
 * nearest integer, ties to even, which adding and subtracting 1.5·2^52 in float64 gives without a
 * conversion to float32; past that (C asserts it never happens) the same bits as C.
 */
export function nearestInt(x: number): number {
  if (x >= -4194303 && x <= 4194303) return x + MAGIC_DOUBLE - MAGIC_DOUBLE;
  return ((bits(x + MAGIC) & 0x007fffff) - 0x00400000) | 0;
}

/**
 * (int32_t)f as x86-64 compilers emit it (cvttss2si): toward zero, and INT32_MIN out of its range or for NaN. A
 * cast to a narrower integer (int8_t, uint8_t) takes the low byte of it.
 */
export function truncInt32(f: number): number {
  return f > -2147483649 && f < 2147483648 ? Math.trunc(f) : -2147483648;
}
