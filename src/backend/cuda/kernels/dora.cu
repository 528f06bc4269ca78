// The arithmetic of a weight-decomposed adapter (DoRA) beside its GEMMs: the row norms of W + s·B·A, the
// magnitude over the norm applied to each output column, and the magnitude's gradient as column sums. x, a, b,
// addend and scale_columns' out: store_t (R, C); row_norms' out (R), num, den and column_dots' out (C): exact_t.
// Sums run in double in a fixed order (no atomics): the same result on every run.
#include "common.cuh"

/** Rows a thread loads before it computes and stores: loads in flight, where one 2-byte access at a time keeps too few. */
#define DORA_ROWS 4
/**
 * column_dots' block (launch.ts's COLUMN_DOTS): a warp per row slice, a thread per column of its 32; two blocks an SM
 * (__launch_bounds__ holds it to 32 registers, without a spill, so that an SM's 2048 threads are all resident).
 */
#define DOTS_COLUMNS WARP
#define DOTS_SLICES 32

/** This thread's share of Σ_c x[o + c]², K columns at a time (VEC: one 16-byte access), each square in double. */
template <int K>
__device__ double row_share(const store_t *x, long long o, int C) {
  double s = 0.0;
  for (int c = threadIdx.x * K; c < C; c += blockDim.x * K) {
    real v[K];
    ld_k<K>(x, o + c, v);
#pragma unroll
    for (int j = 0; j < K; j++) {
      const double d = v[j];
      s += d * d;
    }
  }
  return s;
}

/** out (R) = √(Σ_c x[r, c]²) of x (R, C): one block per row (launch.ts's rowwise), the block's shares added by block_sum. */
extern "C" __global__ void row_norms(exact_t *out, const store_t *x, int R, int C) {
  __shared__ double scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= R) return;
  const double s = C % VEC == 0 && aligned16(x) ? row_share<VEC>(x, row * C, C) : row_share<1>(x, row * C, C);
  const double total = block_sum(s, scratch);
  if (threadIdx.x == 0) out[row] = (exact_t)sqrt(total);
}

/**
 * out (R, C) = addend (or 0) + x · num[c] / den[c]: a thread per column (num/den once), the blocks along y striding over
 * the rows DORA_ROWS at a time (launch.ts's columnScale). out may alias x or addend: each element is read and written
 * by the one thread, its loads before its store.
 */
extern "C" __global__ void scale_columns(store_t *out, const store_t *x, const exact_t *num, const exact_t *den, const store_t *addend,
    int R, int C) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const real g = (real)num[c] / (real)den[c];
  const long long step = (long long)gridDim.y * DORA_ROWS;
  long long r = (long long)blockIdx.y * DORA_ROWS;
  for (; r + DORA_ROWS <= R; r += step) { // whole groups of rows: every load issued before the first store
    real v[DORA_ROWS];
#pragma unroll
    for (int j = 0; j < DORA_ROWS; j++) v[j] = (addend ? ld(addend, (r + j) * C + c) : (real)0) + ld(x, (r + j) * C + c) * g;
#pragma unroll
    for (int j = 0; j < DORA_ROWS; j++) st(out, (r + j) * C + c, v[j]);
  }
  for (; r < R; r++) st(out, r * C + c, (addend ? ld(addend, r * C + c) : (real)0) + ld(x, r * C + c) * g); // a last, partial group
}

/**
 * out (C) += Σ_r a[r, c] · b[r, c] / den[c]: one block per 32 columns (launch.ts's columnDots); thread (c, slice) sums
 * rows slice, slice + 32, … in that order in double (each product in real: exact for bf16 operands), then the 32
 * slices are added by a fixed tree in shared memory and one thread per column adds the sum over den[c] to out in double.
 */
extern "C" __global__ void __launch_bounds__(DOTS_COLUMNS * DOTS_SLICES, 2) column_dots(exact_t *out, const store_t *a, const store_t *b,
    const exact_t *den, int R, int C) {
  __shared__ double part[DOTS_SLICES][DOTS_COLUMNS];
  const int col = threadIdx.x, slice = threadIdx.y;
  const int c = blockIdx.x * DOTS_COLUMNS + col;
  double s = 0.0;
  if (c < C) {
    long long r = slice;
    for (; r + (DORA_ROWS - 1) * DOTS_SLICES < R; r += DORA_ROWS * DOTS_SLICES) { // DORA_ROWS of the slice's rows: every load issued first
      real p[DORA_ROWS];
#pragma unroll
      for (int j = 0; j < DORA_ROWS; j++) {
        const long long at = (r + j * DOTS_SLICES) * C + c;
        p[j] = ld(a, at) * ld(b, at);
      }
#pragma unroll
      for (int j = 0; j < DORA_ROWS; j++) s += (double)p[j];
    }
    for (; r < R; r += DOTS_SLICES) s += (double)(ld(a, r * C + c) * ld(b, r * C + c));
  }
  part[slice][col] = s;
  __syncthreads();
  for (int half = DOTS_SLICES / 2; half > 0; half /= 2) {
    if (slice < half) part[slice][col] += part[slice + half][col];
    __syncthreads();
  }
  if (slice == 0 && c < C) out[c] = (exact_t)((double)out[c] + part[0][col] / (double)den[c]);
}
