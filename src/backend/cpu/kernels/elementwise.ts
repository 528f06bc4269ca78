// Elementwise kernels and reductions on float arrays.
import { bf16ToF32, type FloatArray } from '../../dtype.ts';

export function add(out: FloatArray, a: FloatArray, b: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

export function axpy(y: FloatArray, x: FloatArray, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) y[i]! += alpha * x[i]!;
}

export function scale(out: FloatArray, x: FloatArray, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = alpha * x[i]!;
}

/** Σ x[i] in double precision. */
export function sum(x: FloatArray, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  return s;
}

/** Σ x[i]² in double precision. */
export function sumSquares(x: FloatArray, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
  return s;
}

const WIDE_BLOCK = 4096;
const wide = new Float32Array(WIDE_BLOCK);

/** sumSquares of the first n bf16 values of `bits`, widened a block at a time (the same sum, in the same order). */
export function sumSquaresBf16(bits: Uint16Array, n: number): number {
  let s = 0;
  for (let at = 0; at < n; at += WIDE_BLOCK) {
    const len = Math.min(WIDE_BLOCK, n - at);
    bf16ToF32(bits.subarray(at, at + len), wide);
    for (let i = 0; i < len; i++) s += wide[i]! * wide[i]!;
  }
  return s;
}

/**
 * A uniform number in [0, 1) from (seed, index), the same on every backend: a counter-based hash
 * (murmur3's finaliser over seed and index), so a dropout mask needs no stored RNG state.
 */
export function uniformHash(seed: number, index: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Inverted dropout: m = keep ? 1/(1−p) : 0 (as float32, the GPU kernel's keep_scale), out = x · m. out may
 * alias x.
 */
export function dropout(out: FloatArray, x: FloatArray, p: number, seed: number, n: number): void {
  const keepScale = Math.fround(1 / (1 - p));
  for (let i = 0; i < n; i++) out[i] = x[i]! * (uniformHash(seed, i) >= p ? keepScale : 0);
}
