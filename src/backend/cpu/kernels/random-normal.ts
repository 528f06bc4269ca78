// Counter-based normal random numbers, the reference of the CUDA kernel random.cu (bit for bit):
// value i of a call is normal(seed, offset + i) = std · √(−2 ln u1) · cos(2π u2), where (u1, u2) come
// from Philox4x32-10 (Salmon et al. 2011, as in cuRAND) of the 64-bit counter offset + i under the 64-bit
// key seed. Everything after the integer hash is f64 arithmetic with only +, −, ·, / and √ (correctly
// rounded in JavaScript and, written with __d*_rn intrinsics, on the GPU), ln and cos included (series
// below), so the f64 value is the same on both sides, and so are its roundings to f32 and then bf16.
import type { FloatArray } from '../../dtype.ts';

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** The high 32 bits of a · b for 32-bit unsigned a, b (exact in f64: every partial product < 2^49). */
function mulhi(a: number, b: number): number {
  const bh = b >>> 16, bl = b & 0xffff;
  const ph = Math.floor((a * bl) / 65536);
  return Math.floor((a * bh + ph) / 65536) >>> 0;
}

/** Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1): four 32-bit words into `out`. */
export function philox4x32(out: Uint32Array, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

const SQRT_HALF = 0.7071067811865476;
const LN2 = 0.6931471805599453;
const TWO_PI = 6.283185307179586;
/** 1 / (2k + 1), k = 10 … 0: ln m = 2 atanh s = 2 Σ s^(2k+1) / (2k+1). */
const ATANH = [1 / 21, 1 / 19, 1 / 17, 1 / 15, 1 / 13, 1 / 11, 1 / 9, 1 / 7, 1 / 5, 1 / 3, 1];
/** (−1)^k / (2k)!, k = 11 … 0: cos x on [0, π/2] (truncation error below 1e-19). */
const COS = [-1 / 1.1240007277776077e21, 1 / 2432902008176640000, -1 / 6402373705728000, 1 / 20922789888000, -1 / 87178291200,
  1 / 479001600, -1 / 3628800, 1 / 40320, -1 / 720, 1 / 24, -1 / 2, 1];

/** ln x for x in (0, 1], from +, −, ·, / only (the GPU kernel repeats these steps in this order). */
export function lnUnit(x: number): number {
  let e = 0;
  while (x < SQRT_HALF) {
    x = x * 2;
    e = e - 1;
  }
  const s = (x - 1) / (x + 1), s2 = s * s;
  let p = ATANH[0]!;
  for (let k = 1; k < ATANH.length; k++) p = p * s2 + ATANH[k]!;
  return e * LN2 + 2 * s * p;
}

/** cos(2π u) for u in [0, 1), reduced exactly (u is a multiple of 2^-32) to [0, π/2]. */
export function cosTurns(u: number): number {
  let v = u < 0.5 ? u : 1 - u;
  let sign = 1;
  if (v > 0.25) {
    v = 0.5 - v;
    sign = -1;
  }
  const x = v * TWO_PI, x2 = x * x;
  let p = COS[0]!;
  for (let k = 1; k < COS.length; k++) p = p * x2 + COS[k]!;
  return sign * p;
}

const TWO_POW_M32 = 2 ** -32;

/** The f64 normal value at counter `ctr` (an integer < 2^53) of `seed` (an integer < 2^53), times std. */
export function normalAt(seed: number, ctr: number, std: number, words = new Uint32Array(4)): number {
  philox4x32(words, ctr >>> 0, Math.floor(ctr / 2 ** 32) >>> 0, 0, 0, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
  const u1 = (words[0]! + 0.5) * TWO_POW_M32; // (0, 1): ln is finite
  const u2 = words[1]! * TWO_POW_M32; // [0, 1)
  return Math.sqrt(-2 * lnUnit(u1)) * cosTurns(u2) * std;
}

/** out[i] = normalAt(seed, offset + i, std) for i < n, stored in out's precision (rounded to nearest). */
export function randomNormal(out: FloatArray, seed: number, offset: number, std: number, n: number): void {
  const words = new Uint32Array(4);
  for (let i = 0; i < n; i++) out[i] = normalAt(seed, offset + i, std, words);
}
