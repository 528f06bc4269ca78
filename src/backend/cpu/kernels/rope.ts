// Rotary position embedding in HF's rotate_half layout: for i < D/2 the pair (x[i], x[i + D/2]) is
// rotated by angle pos · invFreq[i]. The angle and its cos/sin are rounded to float32 as HF computes them.
import type { FloatArray } from '../../dtype.ts';

/** In place on x (N, H·D); `inverse` rotates by −angle (the backward of the forward rotation). */
export function rope(
  x: FloatArray, positions: Int32Array, invFreq: FloatArray, N: number, H: number, D: number, inverse: boolean,
): void {
  const half = D / 2;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  const sign = inverse ? -1 : 1;
  for (let t = 0; t < N; t++) {
    const pos = positions[t]!;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(pos * invFreq[i]!);
      cos[i] = Math.fround(Math.cos(angle));
      sin[i] = sign * Math.fround(Math.sin(angle));
    }
    for (let h = 0; h < H; h++) {
      const o = (t * H + h) * D;
      for (let i = 0; i < half; i++) {
        const a = x[o + i]!, b = x[o + i + half]!;
        x[o + i] = a * cos[i]! - b * sin[i]!;
        x[o + i + half] = b * cos[i]! + a * sin[i]!;
      }
    }
  }
}
