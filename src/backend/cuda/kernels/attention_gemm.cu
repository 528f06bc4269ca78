// The row kernels of attention through GEMMs (MISTRAL_TUNE_CUDA_ATTENTION=gemm, gemm-attention.ts): cuBLASLt
// forms the scores S = scale·Q·Kᵀ, O = P·V and the backward's products, one KV group at a time, from Q, dO
// and dQ in head-major packed form (B, Hq, T, D), so the G = Hq/Hkv query heads of a group are G·T
// consecutive rows. These kernels do what lies between the products. Rows r ∈ [0, G·T) of a group's score
// matrix (G·T, K) are query i = r mod T of head hq0 + r / T; key j is visible from query i (key index
// a = q_offset + i) when segments[j] = segments[a] ≥ 0, j ≤ a and (window ≤ 0 or a − j < window), as in
// attention.cu. Score and probability rows are exact_t (f32, or f64 in the gradient-check variant); the
// probabilities and score gradients that feed a product are also written as store_t.
#include "common.cuh"

__device__ __forceinline__ bool visible_key(const int *seg, int a, int j, int window) {
  const int s = seg[a];
  return s >= 0 && j <= a && seg[j] == s && (window <= 0 || a - j < window);
}

/**
 * (B, T, Hq, D) ↔ (B, Hq, T, D), elementwise over n = B·T·Hq·D: packed[b, h, t, d] = x[b, t, h, d] when
 * to_packed, else the reverse.
 */
extern "C" __global__ void attn_pack(store_t *dst, const store_t *src, int T, int Hq, int D, int to_packed, long long n) {
  FOR_EACH(e, n) {
    const long long d = e % D, t = (e / D) % T, h = (e / ((long long)D * T)) % Hq, b = e / ((long long)D * T * Hq);
    const long long unpacked = ((b * T + t) * Hq + h) * D + d;
    if (to_packed) dst[e] = src[unpacked];
    else dst[unpacked] = src[e];
  }
}

/**
 * Forward softmax of one group's scores, one block per row: s (G·T, K) holds the scaled scores and receives
 * the probabilities (0 where masked), p their store_t copy, lse (B, Hq, T) the log-sum-exp (−inf, with a
 * zero row, for a query that sees no key). Shared memory: 32 reals of scratch.
 */
extern "C" __global__ void attn_softmax(exact_t *s, store_t *p, exact_t *lse, const int *segments, int T, int K, int q_offset,
    int Hq, int hq0, int b, int window) {
  __shared__ real scratch[32];
  const long long r = blockIdx.x;
  const int i = (int)(r % T), h = hq0 + (int)(r / T), a = q_offset + i;
  const int *seg = segments + (long long)b * K;
  exact_t *row = s + r * K;
  real m = NEG_INF;
  for (int j = threadIdx.x; j < K; j += blockDim.x) if (visible_key(seg, a, j, window)) m = r_max(m, (real)row[j]);
  m = block_max(m, scratch);
  real z = (real)0;
  for (int j = threadIdx.x; j < K; j += blockDim.x) if (visible_key(seg, a, j, window)) z += r_exp((real)row[j] - m);
  z = block_sum(z, scratch);
  const bool sees = seg[a] >= 0; // then it sees its own key: a sum that is not positive met a NaN score
  const real inv = z > (real)0 ? (real)1 / z : sees ? NOT_A_NUMBER : (real)0;
  for (int j = threadIdx.x; j < K; j += blockDim.x) {
    const real v = visible_key(seg, a, j, window) ? r_exp((real)row[j] - m) * inv : (real)0;
    row[j] = (exact_t)v;
    st(p, r * K + j, v);
  }
  if (threadIdx.x == 0) lse[((long long)b * Hq + h) * T + i] = z > (real)0 ? m + r_log(z) : sees ? NOT_A_NUMBER : NEG_INF;
}

/**
 * Backward: the probabilities again from the scaled scores and the forward's lse, elementwise over
 * n = G·T·K: s receives P (0 where masked or where the query saw no key), p its store_t copy.
 */
extern "C" __global__ void attn_probs(exact_t *s, store_t *p, const exact_t *lse, const int *segments, int T, int K,
    int Hq, int hq0, int b, int window, long long n) {
  const int *seg = segments + (long long)b * K;
  FOR_EACH(e, n) {
    const long long r = e / K;
    const int j = (int)(e % K), i = (int)(r % T), h = hq0 + (int)(r / T);
    const real L = lse[((long long)b * Hq + h) * T + i];
    const real v = L != NEG_INF && visible_key(seg, i, j, window) ? r_exp((real)s[e] - L) : (real)0;
    s[e] = (exact_t)v;
    st(p, e, v);
  }
}

/**
 * rowdot (B, Hq, T) = Σ_d dO·O of each query and head, from dout and out in (B, T, Hq·D): one warp per row; a query
 * that sees its own key alone (query_alone, segments (B, T)) is marked alone_rowdot() instead.
 */
extern "C" __global__ void attn_rowdot(exact_t *rowdot, const store_t *dout, const store_t *out, const int *segments, int T, int Hq,
    int D, int window, long long rows) {
  const long long warps = ((long long)gridDim.x * blockDim.x) / WARP;
  for (long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / WARP; w < rows; w += warps) {
    const long long i = w % T, h = (w / T) % Hq, b = w / ((long long)T * Hq);
    const long long o = ((b * T + i) * Hq + h) * D;
    real acc = (real)0;
    for (int d = threadIdx.x % WARP; d < D; d += WARP) acc += ld(dout, o + d) * ld(out, o + d);
    acc = warp_reduce<false>(acc);
    if (threadIdx.x % WARP == 0) rowdot[w] = query_alone(segments + b * T, (int)i, window) ? alone_rowdot(acc) : acc;
  }
}

/**
 * The score gradients of one group, elementwise over n = G·T·K: ds = P·(dP − rowdot), 0 in a row marked alone (the gradient of the
 * scaled scores; the products multiply by scale), as store_t for the dQ and dK products.
 */
extern "C" __global__ void attn_dscores(store_t *ds, const exact_t *p, const exact_t *dp, const exact_t *rowdot, int T, int K,
    int Hq, int hq0, int b, long long n) {
  FOR_EACH(e, n) {
    const long long r = e / K;
    const int i = (int)(r % T), h = hq0 + (int)(r / T);
    const real rd = rowdot[((long long)b * Hq + h) * T + i];
    st(ds, e, alone_row(rd) ? (real)0 : (real)p[e] * ((real)dp[e] - rd));
  }
}
