// The optimizer's multi-tensor kernels on the CPU: torch's clip_grad_norm_ coefficient computed from
// the device scalar Σ g², and AdamW over one flat range of every trainable parameter, with weight decay
// only inside the decayed spans (norm weights are the gaps between them).
import type { AdamWHyper } from '../../backend.ts';
import type { FloatArray } from '../../dtype.ts';
import { adamw } from './adamw.ts';

/** coef[0] = min(1, maxNorm / (√sumSquares[0] + 1e-6)), as torch.nn.utils.clip_grad_norm_. */
export function clipCoefficient(coef: FloatArray, sumSquares: FloatArray, maxNorm: number): void {
  coef[0] = Math.min(1, maxNorm / (Math.sqrt(sumSquares[0]!) + 1e-6));
}

/**
 * AdamW over param, grad, m, v (n); spans (S, 2) = [start, end) get h.weightDecay, the gaps none; null
 * spans: all of it decays.
 */
export function adamwSpans(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, spans: Int32Array | null, S: number,
  n: number, h: AdamWHyper): void {
  const part = (a: number, b: number, weightDecay: number): void => {
    if (b > a) adamw(param.subarray(a, b), grad.subarray(a, b), m.subarray(a, b), v.subarray(a, b), b - a, { ...h, weightDecay });
  };
  if (!spans) return part(0, n, h.weightDecay);
  checkSpans(spans, S, n);
  let at = 0;
  for (let s = 0; s < S; s++) {
    const start = spans[2 * s]!, end = spans[2 * s + 1]!;
    part(at, start, 0);
    part(start, end, h.weightDecay);
    at = end;
  }
  part(at, n, 0);
}

/** Throws unless the decay spans (S, 2) are sorted, non-overlapping and inside [0, n). */
export function checkSpans(spans: Int32Array, S: number, n: number): void {
  let at = 0;
  for (let s = 0; s < S; s++) {
    const start = spans[2 * s]!, end = spans[2 * s + 1]!;
    if (start < at || end < start || end > n) throw new Error(`adamw: decay span ${s} [${start}, ${end}) is not sorted and inside [0, ${n})`);
    at = end;
  }
}
