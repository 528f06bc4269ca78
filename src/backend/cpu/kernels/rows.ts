// Row gather and scatter-add: the embedding lookup and its backward, and the pick of one token per sequence.
// Row indices are validated on the host when the batch is built (a GPU kernel cannot throw). An index
// outside the table that gets here anyway is never followed, as a GPU kernel would do: gatherRows writes
// a zero row, scatterAddRows skips the row.
import type { FloatArray } from '../../dtype.ts';

/** out (R, C) = x[rows[r], :]; a zero row where rows[r] is outside x. Rows are copied as they are: any one element type. */
export function gatherRows(out: FloatArray | Uint16Array, x: FloatArray | Uint16Array, rows: Int32Array, R: number, C: number): void {
  const limit = x.length / C;
  for (let r = 0; r < R; r++) {
    const src = rows[r]!;
    if (src < 0 || src >= limit) out.fill(0, r * C, r * C + C);
    else out.set(x.subarray(src * C, src * C + C), r * C);
  }
}

/** dx[rows[r], :] += dout[r, :]; rows outside dx are skipped. */
export function scatterAddRows(dx: FloatArray, dout: FloatArray, rows: Int32Array, R: number, C: number): void {
  const limit = dx.length / C;
  for (let r = 0; r < R; r++) {
    const dst = rows[r]!;
    if (dst < 0 || dst >= limit) continue;
    const o = dst * C;
    for (let c = 0; c < C; c++) dx[o + c]! += dout[r * C + c]!;
  }
}
