// The gated MLP activation: out = act(gate) · up — SwiGLU with silu(g) = g · sigmoid(g) (Mistral's), or transformers'
// gelu (erf), its tanh approximation (gelu_new, gelu_pytorch_tanh) or relu — and its backward. Values in float64.
import type { GateActivation } from '../../backend.ts';
import type { FloatArray } from '../../dtype.ts';

export function swigluForward(out: FloatArray, gate: FloatArray, up: FloatArray, n: number, act: GateActivation = 'silu'): void {
  if (act !== 'silu') {
    const f = ACTIVATIONS[act];
    for (let i = 0; i < n; i++) out[i] = f.value(gate[i]!) * up[i]!;
    return;
  }
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    out[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
}

/** dgate, dup (n) overwritten from dout (n); every input read before an output is written (they may alias). */
export function swigluBackward(
  dgate: FloatArray, dup: FloatArray, dout: FloatArray, gate: FloatArray, up: FloatArray, n: number, act: GateActivation = 'silu',
): void {
  if (act !== 'silu') {
    const f = ACTIVATIONS[act];
    for (let i = 0; i < n; i++) {
      const g = gate[i]!, d = dout[i]!, u = up[i]!;
      dup[i] = d * f.value(g);
      dgate[i] = d * u * f.slope(g);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const s = 1 / (1 + Math.exp(-g));
    const d = dout[i]!;
    const u = up[i]!;
    dup[i] = d * g * s;
    dgate[i] = d * u * s * (1 + g * (1 - s));
  }
}

/** An activation and its derivative. */
interface Activation { value(x: number): number; slope(x: number): number }

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_KAPPA = 0.044715;

/** Φ(x) and φ(x): the standard normal's distribution and density. */
const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

const ACTIVATIONS: Record<Exclude<GateActivation, 'silu'>, Activation> = {
  // x · Φ(x) (torch.nn.functional.gelu)
  gelu: { value: (x) => x * normalCdf(x), slope: (x) => normalCdf(x) + x * normalPdf(x) },
  // x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))) (gelu(approximate="tanh"))
  gelu_tanh: {
    value: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_KAPPA * x * x * x))),
    slope: (x) => {
      const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_KAPPA * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_KAPPA * x * x);
    },
  },
  // torch's relu backward: 0 at 0
  relu: { value: (x) => (x > 0 ? x : 0), slope: (x) => (x > 0 ? 1 : 0) },
};

/**
 * The error function to float64 precision (JavaScript has none): its Maclaurin series below |x| = 3, the continued
 * fraction of erfc from 3 (both converge there to a few ulps), ±1 past 6 (erfc(6) < 2^-53).
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (a >= 6) return Math.sign(x);
  if (a < 3) {
    // erf(x) = 2/√π · Σ (−1)^k x^(2k+1) / (k! (2k+1))
    let term = x, sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = e^(−a²)/√π · 1 / (a + (1/2) / (a + 1 / (a + (3/2) / (a + …)))), evaluated from the tail
  let t = a;
  for (let k = 60; k >= 1; k--) t = a + k / 2 / t;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * t);
  return Math.sign(x) * (1 - erfc);
}
