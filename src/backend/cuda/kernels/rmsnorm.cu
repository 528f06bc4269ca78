// RMSNorm as HF computes it, y = w · x / sqrt(mean(x²) + eps), and its backward. One block per row.
// x, out, dout, dx, w: store_t (N, C) / (C); rstd (N) and dw (C): float.
#include "common.cuh"

/** out (N, C) = w · x · rstd; rstd (N) = 1 / sqrt(mean(x²) + eps). */
extern "C" __global__ void rmsnorm_forward(store_t *out, float *rstd, const store_t *x, const store_t *w, int N, int C, float eps) {
  __shared__ float scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  const long long o = row * C;
  float ss = 0.0f;
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    const float v = ld(x, o + c);
    ss += v * v;
  }
  ss = block_sum(ss, scratch);
  const float r = rsqrtf(ss / C + eps);
  if (threadIdx.x == 0) rstd[row] = r;
  for (int c = threadIdx.x; c < C; c += blockDim.x) st(out, o + c, ld(w, c) * (ld(x, o + c) * r));
}

/**
 * dx (N, C) += r·(w·dy) − x·r³/C · Σ(w·dy·x); dw (C) += Σ_rows dy·x·r (atomically, skipped when dw is null).
 */
extern "C" __global__ void rmsnorm_backward(store_t *dx, float *dw, const store_t *dout, const store_t *x, const store_t *w,
    const float *rstd, int N, int C) {
  __shared__ float scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  const long long o = row * C;
  const float r = rstd[row];
  float dot = 0.0f;
  for (int c = threadIdx.x; c < C; c += blockDim.x) dot += ld(w, c) * ld(dout, o + c) * ld(x, o + c);
  dot = block_sum(dot, scratch);
  const float k = dot * r * r * r / C;
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    const float dy = ld(dout, o + c), xv = ld(x, o + c);
    st(dx, o + c, ld(dx, o + c) + r * ld(w, c) * dy - k * xv);
    if (dw) atomicAdd(dw + c, dy * xv * r);
  }
}
