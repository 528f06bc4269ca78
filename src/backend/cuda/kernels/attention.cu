// Masked softmax attention with GQA, forward and backward: simple and correct (the tensor-core flash kernels are
// attention_flash_*.cu). Layouts as the CPU backend's: q, out, dq, dout (B, T, Hq·D); k, v, dk, dv
// (B, K, Hkv·D), all store_t; segments (B, K) int; lse (B, Hq, T) and rowdot (B, Hq, T) exact_t.
// Key j is visible from query i (at key index a = q_offset + i) when segments[j] = segments[a] ≥ 0,
// j ≤ a and (window ≤ 0 or a − j < window); a query that sees no key gets out = 0 and lse = −inf.
// Every kernel walks its keys (or queries) in tiles of `tile` (≤ blockDim.x), staged in dynamic shared memory by
// coalesced loads (consecutive threads, consecutive elements of a row) as rows of ATTN_ROW_STRIDE elements, where
// a thread per key (or query) reads its own row: the padding word puts the rows' same column in different banks.
// Shared memory, sized by launch.ts (the same layout): `real`s first — forward q (D), scores (tile), scratch (32);
// dq dO and q (2·D), dS (tile), scratch (32); dkv k_j and v_j (2·D), P and dS (2·tile) — then the rows: one tile
// (forward: K; dq: V, then K), or two (dkv: Q and dO). blockDim.x · ATTN_MAX_ACC ≥ D.
#include "common.cuh"

#define ATTN_MAX_ACC 4
/** The staged rows' stride in elements: D and one 4-byte word (launch.ts's attentionRowStride). */
#define ATTN_ROW_STRIDE(D) ((D) + (sizeof(store_t) < 4 ? (int)(4 / sizeof(store_t)) : 1))

__device__ __forceinline__ bool visible(const int *seg, int a, int j, int window) {
  const int s = seg[a];
  return s >= 0 && j <= a && seg[j] == s && (window <= 0 || a - j < window);
}

/**
 * rows[t · stride + d] = src[base + (first + t) · step + d] for t < n, d < D, as stored: consecutive threads copy
 * consecutive elements of a row. Callers put a __syncthreads between it and the rows' readers (both ways).
 */
__device__ __forceinline__ void stage_rows(store_t *rows, int stride, const store_t *src, long long base, long long step,
    int first, int n, int D) {
  for (int e = threadIdx.x; e < n * D; e += blockDim.x) {
    const int t = e / D, d = e - t * D;
    rows[t * stride + d] = src[base + (long long)(first + t) * step + d];
  }
}

/** Σ_d x[d] · y[yo + d] with x in shared memory. */
__device__ __forceinline__ real dot_shared(const real *x, const store_t *y, long long yo, int D) {
  real acc = (real)0;
  for (int d = 0; d < D; d++) acc += x[d] * ld(y, yo + d);
  return acc;
}

/** Grid (T, Hq, B): one query of one head per block; online softmax over key tiles. */
extern "C" __global__ void attention_forward(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, int D, real scale, int window, int tile) {
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  real *smem = (real *)smem_bytes;
  real *qs = smem, *ps = smem + D, *scratch = smem + D + tile;
  store_t *keys = (store_t *)(scratch + 32);
  const int stride = ATTN_ROW_STRIDE(D);
  const int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int a = q_offset + i;
  const int *seg = segments + (long long)b * K;
  const long long qo = ((long long)b * T + i) * Hq * D + (long long)h * D;
  const long long ks = (long long)Hkv * D;
  const long long kb = (long long)b * K * ks + (long long)(h / (Hq / Hkv)) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) qs[d] = ld(q, qo + d);
  real acc[ATTN_MAX_ACC];
#pragma unroll
  for (int r = 0; r < ATTN_MAX_ACC; r++) acc[r] = (real)0;
  real m = NEG_INF, z = (real)0;
  const int lo = window > 0 ? max(0, a - window + 1) : 0;
  const int hi = seg[a] >= 0 ? a : -1;
  for (int j0 = lo; j0 <= hi; j0 += tile) {
    const int n = min(tile, hi - j0 + 1);
    stage_rows(keys, stride, k, kb, ks, j0, n, D);
    __syncthreads(); // the rows (and, the first time, qs) are in
    real cmax = NEG_INF;
    for (int t = threadIdx.x; t < n; t += blockDim.x) {
      const int j = j0 + t;
      real s = NEG_INF;
      if (visible(seg, a, j, window)) {
        s = scale * dot_shared(qs, keys, (long long)t * stride, D);
        // a NaN score (a NaN in q or k) as +∞: the tile's maximum keeps it (fmaxf would skip a NaN, and a tile of them
        // would be skipped as one without a visible key), and its weight exp(∞ − ∞) is NaN, which the sum carries out
        if (s != s) s = POS_INF;
      }
      ps[t] = s;
      cmax = r_max(cmax, s);
    }
    cmax = block_max(cmax, scratch); // every thread is past its reads of the rows
    if (cmax == NEG_INF) continue; // the same for every thread: no visible key in this tile
    const real mnew = r_max(m, cmax);
    const real corr = r_exp(m - mnew);
    real psum = (real)0;
    for (int t = threadIdx.x; t < n; t += blockDim.x) {
      const real p = r_exp(ps[t] - mnew);
      ps[t] = p;
      psum += p;
    }
    psum = block_sum(psum, scratch);
    z = z * corr + psum;
#pragma unroll
    for (int r = 0; r < ATTN_MAX_ACC; r++) {
      const int d = threadIdx.x + r * blockDim.x;
      if (d < D) {
        real s = acc[r] * corr;
        for (int t = 0; t < n; t++) s += ps[t] * ld(v, kb + (j0 + t) * ks + d);
        acc[r] = s;
      }
    }
    m = mnew;
    __syncthreads(); // ps is rewritten by the next tile
  }
#pragma unroll
  for (int r = 0; r < ATTN_MAX_ACC; r++) {
    const int d = threadIdx.x + r * blockDim.x;
    if (d < D) st(out, qo + d, z > (real)0 ? acc[r] / z : hi >= 0 ? NOT_A_NUMBER : (real)0);
  }
  if (threadIdx.x == 0) lse[((long long)b * Hq + h) * T + i] = z > (real)0 ? m + r_log(z) : hi >= 0 ? NOT_A_NUMBER : NEG_INF;
}

/**
 * Backward, first launch. Grid (T, Hq, B): rowdot = Σ_d dO·O for the query, then
 * dq = scale · Σ_j P_ij (dO·v_j − rowdot) k_j with P recomputed from lse (training shapes: K = T).
 * A tile's V rows are staged first (dO·v_j), then its K rows (q·k_j, and the sum of dq).
 */
extern "C" __global__ void attention_backward_dq(store_t *dq, exact_t *rowdot, const store_t *dout, const store_t *out, const exact_t *lse,
    const store_t *q, const store_t *k, const store_t *v, const int *segments, int T, int Hq, int Hkv, int D, real scale,
    int window, int tile) {
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  real *smem = (real *)smem_bytes;
  real *dos = smem, *qs = smem + D, *ds = smem + 2 * D, *scratch = smem + 2 * D + tile;
  store_t *rows = (store_t *)(scratch + 32);
  const int stride = ATTN_ROW_STRIDE(D);
  const int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int *seg = segments + (long long)b * T;
  const long long qo = ((long long)b * T + i) * Hq * D + (long long)h * D;
  const long long ks = (long long)Hkv * D;
  const long long kb = (long long)b * T * ks + (long long)(h / (Hq / Hkv)) * D;
  const long long li = ((long long)b * Hq + h) * T + i;
  real rd = (real)0;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    const real g = ld(dout, qo + d);
    dos[d] = g;
    qs[d] = ld(q, qo + d);
    rd += g * ld(out, qo + d);
  }
  rd = block_sum(rd, scratch); // also makes dos and qs visible
  const bool alone = query_alone(seg, i, window);
  if (threadIdx.x == 0) rowdot[li] = alone ? alone_rowdot(rd) : rd;
  const real L = lse[li];
  real acc[ATTN_MAX_ACC];
#pragma unroll
  for (int r = 0; r < ATTN_MAX_ACC; r++) acc[r] = (real)0;
  const int lo = window > 0 ? max(0, i - window + 1) : 0;
  const int hi = L == NEG_INF || seg[i] < 0 || alone ? -1 : i; // alone: dq is 0
  for (int j0 = lo; j0 <= hi; j0 += tile) {
    const int n = min(tile, hi - j0 + 1);
    stage_rows(rows, stride, v, kb, ks, j0, n, D);
    __syncthreads();
    for (int t = threadIdx.x; t < n; t += blockDim.x) // ds[t] = dO·v_j for now; the same thread finishes it below
      ds[t] = visible(seg, i, j0 + t, window) ? dot_shared(dos, rows, (long long)t * stride, D) : (real)0;
    __syncthreads(); // the V rows are read: the K rows take their place
    stage_rows(rows, stride, k, kb, ks, j0, n, D);
    __syncthreads();
    for (int t = threadIdx.x; t < n; t += blockDim.x) {
      real g = (real)0;
      if (visible(seg, i, j0 + t, window)) {
        const real p = r_exp(scale * dot_shared(qs, rows, (long long)t * stride, D) - L);
        g = p * (ds[t] - rd);
      }
      ds[t] = g;
    }
    __syncthreads();
#pragma unroll
    for (int r = 0; r < ATTN_MAX_ACC; r++) {
      const int d = threadIdx.x + r * blockDim.x;
      if (d < D) {
        real s = acc[r];
        for (int t = 0; t < n; t++) s += ds[t] * ld(rows, (long long)t * stride + d);
        acc[r] = s;
      }
    }
    __syncthreads(); // ds and the rows are rewritten by the next tile
  }
#pragma unroll
  for (int r = 0; r < ATTN_MAX_ACC; r++) {
    const int d = threadIdx.x + r * blockDim.x;
    if (d < D) st(dq, qo + d, scale * acc[r]);
  }
}

/**
 * Backward, second launch (after attention_backward_dq on the same stream, which wrote rowdot). Grid
 * (T, Hkv, B): one key of one KV head per block, summing over the heads of its group and the queries
 * that see it: dv_j = Σ P_ij dO_i, dk_j = scale · Σ P_ij (dO_i·v_j − rowdot_i) q_i. Overwrites dk, dv.
 * A tile's Q and dO rows are staged together.
 */
extern "C" __global__ void attention_backward_dkv(store_t *dk, store_t *dv, const store_t *dout, const exact_t *lse, const exact_t *rowdot,
    const store_t *q, const store_t *k, const store_t *v, const int *segments, int T, int Hq, int Hkv, int D, real scale,
    int window, int tile) {
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  real *smem = (real *)smem_bytes;
  real *kj = smem, *vj = smem + D, *P = smem + 2 * D, *DS = smem + 2 * D + tile;
  const int stride = ATTN_ROW_STRIDE(D);
  store_t *qrows = (store_t *)(DS + tile), *dorows = qrows + (long long)tile * stride;
  const int j = blockIdx.x, g = blockIdx.y, b = blockIdx.z;
  const int *seg = segments + (long long)b * T;
  const long long ko = ((long long)b * T + j) * Hkv * D + (long long)g * D;
  const long long qs = (long long)Hq * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kj[d] = ld(k, ko + d);
    vj[d] = ld(v, ko + d);
  }
  real acck[ATTN_MAX_ACC], accv[ATTN_MAX_ACC];
#pragma unroll
  for (int r = 0; r < ATTN_MAX_ACC; r++) acck[r] = accv[r] = (real)0;
  const int group = Hq / Hkv;
  const int hi = seg[j] < 0 ? -1 : window > 0 ? min(T - 1, j + window - 1) : T - 1;
  for (int h = g * group; h < (g + 1) * group; h++) {
    const long long qb = (long long)b * T * qs + (long long)h * D;
    const long long lb = ((long long)b * Hq + h) * T;
    for (int i0 = j; i0 <= hi; i0 += tile) {
      const int n = min(tile, hi - i0 + 1);
      stage_rows(qrows, stride, q, qb, qs, i0, n, D);
      stage_rows(dorows, stride, dout, qb, qs, i0, n, D);
      __syncthreads(); // the rows (and, the first time, kj and vj) are in
      for (int t = threadIdx.x; t < n; t += blockDim.x) {
        const int i = i0 + t;
        real p = (real)0, gs = (real)0;
        const real L = lse[lb + i];
        if (L != NEG_INF && visible(seg, i, j, window)) {
          p = r_exp(scale * dot_shared(kj, qrows, (long long)t * stride, D) - L);
          const real rd = rowdot[lb + i];
          gs = alone_row(rd) ? (real)0 : p * (dot_shared(vj, dorows, (long long)t * stride, D) - rd);
        }
        P[t] = p;
        DS[t] = gs;
      }
      __syncthreads();
#pragma unroll
      for (int r = 0; r < ATTN_MAX_ACC; r++) {
        const int d = threadIdx.x + r * blockDim.x;
        if (d < D) {
          real sk = acck[r], sv = accv[r];
          for (int t = 0; t < n; t++) {
            const long long o = (long long)t * stride + d;
            sk += DS[t] * ld(qrows, o);
            sv += P[t] * ld(dorows, o);
          }
          acck[r] = sk;
          accv[r] = sv;
        }
      }
      __syncthreads(); // P, DS and the rows are rewritten by the next tile
    }
  }
#pragma unroll
  for (int r = 0; r < ATTN_MAX_ACC; r++) {
    const int d = threadIdx.x + r * blockDim.x;
    if (d < D) {
      st(dk, ko + d, scale * acck[r]);
      st(dv, ko + d, accv[r]);
    }
  }
}
