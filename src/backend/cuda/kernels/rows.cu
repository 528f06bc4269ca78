// Row gather and scatter-add: the embedding lookup and its backward, and the pick of one token per
// sequence. rows (R) int index x (limit, C). An index outside [0, limit) gathers a zero row and scatters
// nothing (the host validates token ids before they get here; a kernel never reads out of bounds).
#include "common.cuh"

/** out (R, C) store_t = x[rows[r], :]. */
extern "C" __global__ void gather_rows(store_t *out, const store_t *x, const int *rows, int R, int C, int limit) {
  FOR_EACH(idx, (long long)R * C) {
    const long long r = idx / C, c = idx % C;
    const int src = rows[r];
    st(out, idx, src >= 0 && src < limit ? ld(x, (long long)src * C + c) : (real)0);
  }
}

/** dx (limit, C) exact_t += dout (R, C) store_t at rows[r]; repeated rows add up (atomically). */
extern "C" __global__ void scatter_add_rows(exact_t *dx, const store_t *dout, const int *rows, int R, int C, int limit) {
  FOR_EACH(idx, (long long)R * C) {
    const long long r = idx / C, c = idx % C;
    const int dst = rows[r];
    if (dst >= 0 && dst < limit) atomicAdd(dx + (long long)dst * C + c, (exact_t)ld(dout, idx));
  }
}
