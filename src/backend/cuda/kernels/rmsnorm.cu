// RMSNorm as HF computes it, y = w · x / sqrt(mean(x²) + eps), and its backward. One block per row, each
// thread taking K columns at a time: VEC (one 16-byte access) when C is a multiple of VEC and the tensors are
// 16-byte aligned, else 1. x, out, dout, dx, w: store_t (N, C) / (C); rstd (N) and dw (C): exact_t.
#include "common.cuh"

template <int K>
__device__ void rmsnorm_forward_row(store_t *out, exact_t *rstd, const store_t *x, const store_t *w, long long row, int C, real eps,
    real *scratch) {
  const long long o = row * C;
  real ss = 0;
  for (int c = threadIdx.x * K; c < C; c += blockDim.x * K) {
    real v[K];
    ld_k<K>(x, o + c, v);
#pragma unroll
    for (int j = 0; j < K; j++) ss += v[j] * v[j];
  }
  ss = block_sum(ss, scratch);
  const real r = (real)1 / r_sqrt(ss / C + eps);
  if (threadIdx.x == 0) rstd[row] = r;
  for (int c = threadIdx.x * K; c < C; c += blockDim.x * K) {
    real v[K], wv[K], y[K];
    ld_k<K>(x, o + c, v);
    ld_k<K>(w, c, wv);
#pragma unroll
    for (int j = 0; j < K; j++) y[j] = wv[j] * (v[j] * r);
    st_k<K>(out, o + c, y);
  }
}

/** out (N, C) = w · x · rstd; rstd (N) = 1 / sqrt(mean(x²) + eps). */
extern "C" __global__ void rmsnorm_forward(store_t *out, exact_t *rstd, const store_t *x, const store_t *w, int N, int C, real eps) {
  __shared__ real scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  if (C % VEC == 0 && aligned16(out) && aligned16(x) && aligned16(w)) rmsnorm_forward_row<VEC>(out, rstd, x, w, row, C, eps, scratch);
  else rmsnorm_forward_row<1>(out, rstd, x, w, row, C, eps, scratch);
}

template <int K>
__device__ void rmsnorm_backward_row(store_t *dx, exact_t *dw, const store_t *dout, const store_t *x, const store_t *w,
    const exact_t *rstd, long long row, int C, real *scratch) {
  const long long o = row * C;
  const real r = rstd[row];
  real dot = 0;
  for (int c = threadIdx.x * K; c < C; c += blockDim.x * K) {
    real wv[K], dy[K], xv[K];
    ld_k<K>(w, c, wv);
    ld_k<K>(dout, o + c, dy);
    ld_k<K>(x, o + c, xv);
#pragma unroll
    for (int j = 0; j < K; j++) dot += wv[j] * dy[j] * xv[j];
  }
  dot = block_sum(dot, scratch);
  const real k = dot * r * r * r / C;
  for (int c = threadIdx.x * K; c < C; c += blockDim.x * K) {
    real wv[K], dy[K], xv[K], d[K];
    ld_k<K>(w, c, wv);
    ld_k<K>(dout, o + c, dy);
    ld_k<K>(x, o + c, xv);
    ld_k<K>(dx, o + c, d);
#pragma unroll
    for (int j = 0; j < K; j++) {
      d[j] = d[j] + r * wv[j] * dy[j] - k * xv[j];
      if (dw) atomicAdd(dw + c + j, (exact_t)(dy[j] * xv[j] * r));
    }
    st_k<K>(dx, o + c, d);
  }
}

/**
 * dx (N, C) += r·(w·dy) − x·r³/C · Σ(w·dy·x); dw (C) += Σ_rows dy·x·r (atomically, skipped when dw is null).
 */
extern "C" __global__ void rmsnorm_backward(store_t *dx, exact_t *dw, const store_t *dout, const store_t *x, const store_t *w,
    const exact_t *rstd, int N, int C) {
  __shared__ real scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  if (C % VEC == 0 && aligned16(dx) && aligned16(dout) && aligned16(x) && aligned16(w)) {
    rmsnorm_backward_row<VEC>(dx, dw, dout, x, w, rstd, row, C, scratch);
  } else {
    rmsnorm_backward_row<1>(dx, dw, dout, x, w, rstd, row, C, scratch);
  }
}
