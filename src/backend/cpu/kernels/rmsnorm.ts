// RMSNorm as HF computes it: y = w · x / sqrt(mean(x²) + eps), in float32 or float64.
import type { FloatArray } from '../../dtype.ts';

/** out (N, C), rstd (N) from x (N, C), w (C). */
export function rmsnormForward(
  out: FloatArray, rstd: FloatArray, x: FloatArray, w: FloatArray, N: number, C: number, eps: number,
): void {
  for (let t = 0; t < N; t++) {
    const o = t * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[o + c]! * x[o + c]!;
    const r = 1 / Math.sqrt(ss / C + eps);
    rstd[t] = r;
    for (let c = 0; c < C; c++) out[o + c] = w[c]! * (x[o + c]! * r);
  }
}

/** dx (N, C) += ∂L/∂x; dw (C) += ∂L/∂w when given. */
export function rmsnormBackward(
  dx: FloatArray, dw: FloatArray | null, dout: FloatArray, x: FloatArray, w: FloatArray, rstd: FloatArray,
  N: number, C: number,
): void {
  for (let t = 0; t < N; t++) {
    const o = t * C;
    const r = rstd[t]!;
    // y = w·x·r with r = (mean(x²)+eps)^(-1/2): dx = r·(w·dy) − x·r³/C · Σ(w·dy·x)
    let dot = 0;
    for (let c = 0; c < C; c++) dot += w[c]! * dout[o + c]! * x[o + c]!;
    const k = (dot * r * r * r) / C;
    for (let c = 0; c < C; c++) dx[o + c]! += r * w[c]! * dout[o + c]! - k * x[o + c]!;
    if (dw) for (let c = 0; c < C; c++) dw[c]! += dout[o + c]! * x[o + c]! * r;
  }
}
