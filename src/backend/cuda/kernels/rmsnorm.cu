// RMSNorm as HF computes it, y = w · x / sqrt(mean(x²) + eps), and its backward. One block per row.
// x, out, dout, dx, w: store_t (N, C) / (C); rstd (N) and dw (C): exact_t.
#include "common.cuh"

/** out (N, C) = w · x · rstd; rstd (N) = 1 / sqrt(mean(x²) + eps). */
extern "C" __global__ void rmsnorm_forward(store_t *out, exact_t *rstd, const store_t *x, const store_t *w, int N, int C, real eps) {
  __shared__ real scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  const long long o = row * C;
  real ss = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    const real v = ld(x, o + c);
    ss += v * v;
  }
  ss = block_sum(ss, scratch);
  const real r = (real)1 / r_sqrt(ss / C + eps);
  if (threadIdx.x == 0) rstd[row] = r;
  for (int c = threadIdx.x; c < C; c += blockDim.x) st(out, o + c, ld(w, c) * (ld(x, o + c) * r));
}

/**
 * dx (N, C) += r·(w·dy) − x·r³/C · Σ(w·dy·x); dw (C) += Σ_rows dy·x·r (atomically, skipped when dw is null).
 */
extern "C" __global__ void rmsnorm_backward(store_t *dx, exact_t *dw, const store_t *dout, const store_t *x, const store_t *w,
    const exact_t *rstd, int N, int C) {
  __shared__ real scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  const long long o = row * C;
  const real r = rstd[row];
  real dot = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) dot += ld(w, c) * ld(dout, o + c) * ld(x, o + c);
  dot = block_sum(dot, scratch);
  const real k = dot * r * r * r / C;
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    const real dy = ld(dout, o + c), xv = ld(x, o + c);
    st(dx, o + c, ld(dx, o + c) + r * ld(w, c) * dy - k * xv);
    if (dw) atomicAdd(dw + c, (exact_t)(dy * xv * r));
  }
}
