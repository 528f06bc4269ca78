// The arithmetic of a weight-decomposed adapter (DoRA) beside the GEMMs: the row norms of W + s·B·A, the
// magnitude over the norm applied to each output column, and the magnitude's gradient as column sums.
import type { FloatArray } from '../../dtype.ts';

/** out[r] = √(Σ_c x[r, c]²), in double precision. */
export function rowNorms(out: FloatArray, x: FloatArray, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0, at = r * C; c < C; c++, at++) s += x[at]! * x[at]!;
    out[r] = Math.sqrt(s);
  }
}

/** out[r, c] = addend[r, c] (or 0) + x[r, c] · num[c] / den[c]; out may alias x or addend. */
export function scaleColumns(out: FloatArray, x: FloatArray, num: FloatArray, den: FloatArray, R: number, C: number,
  addend: FloatArray | null): void {
  const g = new Float64Array(C);
  for (let c = 0; c < C; c++) g[c] = num[c]! / den[c]!;
  for (let r = 0, at = 0; r < R; r++) {
    for (let c = 0; c < C; c++, at++) out[at] = (addend ? addend[at]! : 0) + x[at]! * g[c]!;
  }
}

/** out[c] += Σ_r a[r, c] · b[r, c] / den[c], summed in double precision in row order. */
export function columnDots(out: FloatArray, a: FloatArray, b: FloatArray, den: FloatArray, R: number, C: number): void {
  const s = new Float64Array(C);
  for (let r = 0, at = 0; r < R; r++) {
    for (let c = 0; c < C; c++, at++) s[c]! += a[at]! * b[at]!;
  }
  for (let c = 0; c < C; c++) out[c]! += s[c]! / den[c]!;
}
