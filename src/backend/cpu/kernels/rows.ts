// Row gather and scatter-add: the embedding lookup and its backward, and the pick of one token per sequence.
import type { FloatArray } from '../../dtype.ts';

/** out (R, C) = x[rows[r], :]. */
export function gatherRows(out: FloatArray, x: FloatArray, rows: Int32Array, R: number, C: number): void {
  const limit = x.length / C;
  for (let r = 0; r < R; r++) {
    const src = rows[r]!;
    if (src < 0 || src >= limit) throw new Error(`gatherRows: row index ${src} out of range [0, ${limit})`);
    out.set(x.subarray(src * C, src * C + C), r * C);
  }
}

/** dx[rows[r], :] += dout[r, :]. */
export function scatterAddRows(dx: FloatArray, dout: FloatArray, rows: Int32Array, R: number, C: number): void {
  const limit = dx.length / C;
  for (let r = 0; r < R; r++) {
    const dst = rows[r]!;
    if (dst < 0 || dst >= limit) throw new Error(`scatterAddRows: row index ${dst} out of range [0, ${limit})`);
    const o = dst * C;
    for (let c = 0; c < C; c++) dx[o + c]! += dout[r * C + c]!;
  }
}
