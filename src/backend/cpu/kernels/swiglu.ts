// SwiGLU: out = silu(gate) · up, with silu(g) = g · sigmoid(g).
import type { FloatArray } from '../../dtype.ts';

export function swigluForward(out: FloatArray, gate: FloatArray, up: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    out[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
}

/** dgate, dup (n) overwritten from dout (n); every input read before an output is written (they may alias). */
export function swigluBackward(
  dgate: FloatArray, dup: FloatArray, dout: FloatArray, gate: FloatArray, up: FloatArray, n: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const s = 1 / (1 + Math.exp(-g));
    const d = dout[i]!;
    const u = up[i]!;
    dup[i] = d * g * s;
    dgate[i] = d * u * s * (1 + g * (1 - s));
  }
}
