// Rotary position embedding in HF's rotate_half layout: for i < D/2 the pair (x[i], x[i + D/2]) is
// rotated by angle pos · invFreq[i]. The angle and its cos/sin are rounded to float32 as HF computes them.
// The cos/sin tables of the last (positions, invFreq) are kept: a step rotates q and k forward and back
// in every layer with the same positions, so they are computed once per batch instead of 4·layers times.
import type { FloatArray } from '../../dtype.ts';

interface Tables { positions: Int32Array; invFreq: Float64Array; cos: Float64Array; sin: Float64Array }
let last: Tables | null = null;

/** cos and sin (N, D/2) of the angles, from the cache when positions and invFreq are the last ones. */
function tables(positions: Int32Array, invFreq: FloatArray, N: number, half: number): Tables {
  const t = last;
  if (t && t.positions.length === N && t.invFreq.length === half && same(t.positions, positions, N) && same(t.invFreq, invFreq, half)) return t;
  const cos = new Float64Array(N * half), sin = new Float64Array(N * half);
  for (let n = 0; n < N; n++) {
    const pos = positions[n]!;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(pos * invFreq[i]!);
      cos[n * half + i] = Math.fround(Math.cos(angle));
      sin[n * half + i] = Math.fround(Math.sin(angle));
    }
  }
  last = { positions: positions.slice(0, N), invFreq: Float64Array.from(invFreq.subarray(0, half)), cos, sin };
  return last;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** In place on x (N, H·D); `inverse` rotates by −angle (the backward of the forward rotation). */
export function rope(
  x: FloatArray, positions: Int32Array, invFreq: FloatArray, N: number, H: number, D: number, inverse: boolean,
): void {
  const half = D / 2;
  const { cos, sin } = tables(positions, invFreq, N, half);
  const sign = inverse ? -1 : 1;
  for (let t = 0; t < N; t++) {
    const c0 = t * half;
    for (let h = 0; h < H; h++) {
      const o = (t * H + h) * D;
      for (let i = 0; i < half; i++) {
        const a = x[o + i]!, b = x[o + i + half]!;
        const c = cos[c0 + i]!, s = sign * sin[c0 + i]!;
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    }
  }
}
