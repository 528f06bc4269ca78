// Flash attention backward on tensor cores (MISTRAL_TUNE_CUDA_ATTENTION=flash, bf16 storage, head dims 64 and
// 128), FlashAttention-2's order (flash_backward below), in blocks of 64 keys (4 warps; the default) or 128 keys (8
// warps, FlashAttention-2's shape for these head dims: MISTRAL_TUNE_CUDA_FLASH_BWD_KEYS=128, flash-attention.ts); a query
// tile every pair of which with the block's keys is visible skips the mask (interior: flash.cuh). The helpers, tile
// sizes and fragment layouts are flash.cuh's.
#include "flash.cuh"

/** The keys a warp scores against its 16 queries of a tile (S, dP): a block's 64, or half of its 128. */
#define FA_WK 64

#if !defined(STORE_F32) && !defined(STORE_F64)

/**
 * acc (this warp's 16 keys × D) += Xᵀ·Y over the tile's 64 queries: X (queries × the block's KB keys) in shared memory
 * with row stride KB + 8 (P or dS), Y (queries × D) with row stride D + 8 (dO or Q). A = Xᵀ: rows are keys.
 */
template <int D, int KB>
__device__ __forceinline__ void kv_accumulate(float acc[D / 8][4], const store_t *X, const store_t *Y, int warp, int lane) {
  constexpr int LD = D + 8, LP = KB + 8;
#pragma unroll
  for (int kq = 0; kq < FA_BQ / 16; kq++) {
    unsigned a[4]; // Xᵀ's A fragment (keys × queries) by a transposing ldmatrix of X (queries × keys)
    ldsm_x4<true>(a, X + (kq * 16 + (lane % 8) + 8 * (lane / 16)) * LP + warp * 16 + 8 * ((lane / 8) % 2));
#pragma unroll
    for (int nd = 0; nd < D / 8; nd += 2) {
      unsigned yb[4];
      ldsm_x4<true>(yb, Y + (kq * 16 + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + nd * 8 + 8 * (lane / 16));
      mma16816(acc[nd], a, yb[0], yb[1]);
      mma16816(acc[nd + 1], a, yb[2], yb[3]);
    }
  }
}

/**
 * P = exp(S·scale − lse) (0 where !vis(r, jl)) and dS = P∘(dP − rowdot) (0 in a row marked alone) for this thread's elements of the warp's 16
 * queries × 64 keys (its two query rows r = e / 2, keys jl = k0 + nt·8 + 2t + e % 2 of the block's KB), in sp and dp; P
 * also to shared memory (Ps, bf16, row stride KB + 8: the warp's rows q0w.., columns k0..) for dV. MASKED false: a tile
 * every pair of which is visible, vis never asked (the same operations on each element as the masked step's on a
 * visible one: the same bits).
 */
template <bool MASKED, int KB, typename Vis>
__device__ __forceinline__ void probs_dscores(float sp[FA_WK / 8][4], float dp[FA_WK / 8][4], store_t *Ps, const float rLse[2], const float rDot[2],
    float scale, int q0w, int k0, int g, int t, Vis vis) {
  constexpr int LP = KB + 8;
#pragma unroll
  for (int nt = 0; nt < FA_WK / 8; nt++) {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const int r = e / 2;
      const float p = !MASKED || vis(r, k0 + nt * 8 + 2 * t + (e % 2)) ? __expf(sp[nt][e] * scale - rLse[r]) : 0.f;
      sp[nt][e] = p;
      dp[nt][e] = alone_row(rDot[r]) ? 0.f : p * (dp[nt][e] - rDot[r]);
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
      *reinterpret_cast<unsigned *>(&Ps[(q0w + g + 8 * r) * LP + k0 + nt * 8 + 2 * t]) = pack2(sp[nt][2 * r], sp[nt][2 * r + 1]);
    }
  }
}

/**
 * Adds scale·c — this thread's elements of the warp's 16 queries (from query q0) × 16 columns (from `col` of a row of
 * dq_acc, two n-tiles) of dQ — to dq_acc (rows past T skipped).
 */
__device__ __forceinline__ void dq_add(exact_t *dq_acc, const float c[2][4], long long rowAt, long long qs, int q0, long long col, int T, float scale, int g, int t) {
#pragma unroll
  for (int r = 0; r < 2; r++) {
    const int i = q0 + g + 8 * r;
    if (i < T) {
      exact_t *dst = dq_acc + (rowAt + i) * qs + col + 2 * t;
#pragma unroll
      for (int u = 0; u < 2; u++) atomic_add2(dst + 8 * u, scale * c[u][2 * r], scale * c[u][2 * r + 1]);
    }
  }
}

/**
 * Backward (training shapes: K = T, q_offset = 0), FlashAttention-2's order: one block of KB / 16 warps per KB keys
 * (64 or 128) of one query head and row (its KV head's keys), walking the query tiles of 64 that see them. Per tile:
 * S = Q·Kᵀ and dP = dO·Vᵀ (warp w: queries 16·(w % 4).., keys 64·(w / 4)..), P = exp(S·scale − lse),
 * dS = P∘(dP − rowdot); P, then dS, go to shared memory as bf16 so that dV += Pᵀ·dO and dK += dSᵀ·Q run with the
 * block's keys as rows (warp w: keys 16w..16w+15, accumulated in registers over every tile); dQ += scale·dS·K is
 * added to the f32 dq_acc with atomics — at KB = 64 from each warp's dS in registers (its 16 queries × every key of
 * the block), at KB = 128 from dS in shared memory (warp w: queries 16·(w % 4).., D / 2 columns from (w / 4)·D / 2),
 * so that each query tile adds its dQ once per 128 keys: half the atomics — and at the end the head's share of dK
 * (scaled) and dV to dk_acc and dv_acc, where the heads of a KV group meet (the caller zeroes the three and rounds
 * them into dq, dk, dv). A block per query head rather than per KV head: 4× the blocks under GQA 4, so the causally
 * short and long key tiles even out over the SMs. Dynamic shared memory: the K and V tiles (KB × (D + 8) bf16 each);
 * two stages of the Q and dO tiles (64 × (D + 8) each) with their lse, rowdot and query segments (64 each), so that
 * the next query tile's copies (cp.async) are in flight while the warps work on this one; P/dS (64 × (KB + 8) bf16);
 * the key segments (KB): sized by launch.ts's flashAttentionBackward.
 */
template <int D, int KB>
__device__ __forceinline__ void flash_backward(exact_t *dq_acc, exact_t *dk_acc_out, exact_t *dv_acc_out, const store_t *q, const store_t *k,
    const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq, int Hkv,
    float scale, int window, int interior) {
  static_assert(KB == FA_WK || KB == 2 * FA_WK, "blocks of 64 or 128 keys");
  constexpr int LD = D + 8, LP = KB + 8, THREADS = KB / 16 * WARP;
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  store_t *const Ks = reinterpret_cast<store_t *>(smem_bytes), *const Vs = Ks + KB * LD;
  store_t *const QSt = Vs + KB * LD, *const dOSt = QSt + 2 * FA_BQ * LD; // two stages each
  store_t *const Ps = dOSt + 2 * FA_BQ * LD;
  float *const lseSt = reinterpret_cast<float *>(Ps + FA_BQ * LP), *const rdSt = lseSt + 2 * FA_BQ; // two stages each
  int *const segQSt = reinterpret_cast<int *>(rdSt + 2 * FA_BQ), *const segK = segQSt + 2 * FA_BQ;
  const int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP, g = lane / 4, t = lane % 4;
  // the warp's share of S and dP: 16 queries from q0w, 64 keys from k0w (at KB = 64, queries 16w.. and every key)
  const int q0w = KB == FA_WK ? warp * 16 : (warp % (FA_BQ / 16)) * 16, k0w = KB == FA_WK ? 0 : (warp / (FA_BQ / 16)) * FA_WK;
  // grid (head, key tile, row): the first key tiles, which the most query tiles see, start first in every head
  const int h = blockIdx.x, b = blockIdx.z, kvh = h / (Hq / Hkv), j0 = blockIdx.y * KB;
  const int *seg = segments + (long long)b * T;
  const long long qs = (long long)Hq * D, ks = (long long)Hkv * D;

  // the block's K and V tiles by cp.async (16 bytes a copy, zeros past T), waited for with the first query tile's
  for (int e = threadIdx.x; e < KB * (D / 8); e += THREADS) {
    const int row = e / (D / 8), col = 8 * (e % (D / 8)), j = j0 + row;
    const long long at = ((long long)b * T + (j < T ? j : 0)) * ks + (long long)kvh * D + col;
    cp_async16(&Ks[row * LD + col], k + at, j < T);
    cp_async16(&Vs[row * LD + col], v + at, j < T);
  }
  for (int e = threadIdx.x; e < KB; e += THREADS) segK[e] = j0 + e < T ? seg[j0 + e] : -2;
  // interior tiles (flash.cuh): the key side, decided once — all KB keys of the first one's segment s0 ≥ 0 (this thread
  // checks the one it stored; the block's AND is taken with the query side's at each tile's barrier). One register
  // through the query walk (the D = 128 kernel is at 255; a flag beside s0 spilled): the segment every query must
  // have, or −1 where this thread's keys rule the fast path out
  const int s0 = seg[j0];
  const int tileSeg = interior && s0 >= 0 && (threadIdx.x >= KB || segK[threadIdx.x] == s0) ? s0 : -1;

  float dk_acc[D / 8][4], dv_acc[D / 8][4];
#pragma unroll
  for (int nd = 0; nd < D / 8; nd++)
#pragma unroll
    for (int e = 0; e < 4; e++) dk_acc[nd][e] = dv_acc[nd][e] = 0.f;

  // the query tiles that can see these keys: from the keys' own tile (causal) to the window's end
  const int jLast = min(T, j0 + KB) - 1;
  const int qFirst = (j0 / FA_BQ) * FA_BQ;
  const int qEnd = window > 0 ? min(T, jLast + window) : T;
  // stage `st` ← the query tile from q0 by cp.async: Q and dO 16 bytes a copy (zeros past T), lse, rowdot and the
  // segments a word a copy (past T: lse −inf, rowdot 0, segment −1, stored)
  auto stage = [&](int st, int q0) {
    for (int e = threadIdx.x; e < FA_BQ * (D / 8); e += THREADS) {
      const int row = e / (D / 8), col = 8 * (e % (D / 8)), i = q0 + row;
      const long long at = ((long long)b * T + (i < T ? i : 0)) * qs + (long long)h * D + col;
      cp_async16(&QSt[(st * FA_BQ + row) * LD + col], q + at, i < T);
      cp_async16(&dOSt[(st * FA_BQ + row) * LD + col], dout + at, i < T);
    }
    for (int e = threadIdx.x; e < FA_BQ; e += THREADS) {
      const int i = q0 + e, at = st * FA_BQ + e;
      if (i < T) {
        const long long li = ((long long)b * Hq + h) * T + i;
        cp_async4(reinterpret_cast<int *>(&lseSt[at]), reinterpret_cast<const int *>(&lse[li]));
        cp_async4(reinterpret_cast<int *>(&rdSt[at]), reinterpret_cast<const int *>(&rowdot[li]));
        cp_async4(&segQSt[at], seg + i);
      } else {
        lseSt[at] = NEG_INF;
        rdSt[at] = 0.f;
        segQSt[at] = -1;
      }
    }
  };
  stage(0, qFirst); // qFirst < qEnd: every key tile is seen by its own query tile
  cp_async_commit();
  for (int q0 = qFirst, it = 0; q0 < qEnd; q0 += FA_BQ, it++) {
    const int cur = it & 1;
    if (q0 + FA_BQ < qEnd) stage(cur ^ 1, q0 + FA_BQ); // the next tile, into the stage the last iteration used
    cp_async_commit();
    cp_async_wait<1>(); // this thread's copies of the current tile (and before the first, K's and V's) have landed
    const float *const lseS = lseSt + cur * FA_BQ, *const rdS = rdSt + cur * FA_BQ;
    const int *const segQ = segQSt + cur * FA_BQ;
    // and every thread's; whether every query of the tile is of segment s0 and sees a key (lse > −inf: each of the first
    // 64 threads checks the one it staged), and every key too
    const bool full = __syncthreads_and(tileSeg >= 0 && (threadIdx.x >= FA_BQ || (segQ[threadIdx.x] == tileSeg && lseS[threadIdx.x] != NEG_INF))) &&
        q0 + FA_BQ <= T && tile_visible(q0, FA_BQ, j0, KB, T, window);
    const store_t *const Qs = QSt + cur * FA_BQ * LD, *const dOs = dOSt + cur * FA_BQ * LD;

    // S = Q·Kᵀ and dP = dO·Vᵀ for the warp's 16 queries × 64 keys
    float sp[FA_WK / 8][4], dp[FA_WK / 8][4];
#pragma unroll
    for (int nt = 0; nt < FA_WK / 8; nt++)
#pragma unroll
      for (int e = 0; e < 4; e++) sp[nt][e] = dp[nt][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) {
      unsigned aq[4], ad[4]; // the warp's Q and dO rows as A fragments
      const int arow = (q0w + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + kk * 16 + 8 * (lane / 16);
      ldsm_x4<false>(aq, Qs + arow);
      ldsm_x4<false>(ad, dOs + arow);
#pragma unroll
      for (int nt = 0; nt < FA_WK / 8; nt += 2) { // K's and V's rows are B's columns, two n-tiles per ldmatrix
        const int brow = (k0w + nt * 8 + (lane % 8) + 8 * (lane / 16)) * LD + kk * 16 + 8 * ((lane / 8) % 2);
        unsigned kb[4], vb[4];
        ldsm_x4<false>(kb, Ks + brow);
        ldsm_x4<false>(vb, Vs + brow);
        mma16816(sp[nt], aq, kb[0], kb[1]);
        mma16816(sp[nt + 1], aq, kb[2], kb[3]);
        mma16816(dp[nt], ad, vb[0], vb[1]);
        mma16816(dp[nt + 1], ad, vb[2], vb[3]);
      }
    }
    // P (0 where masked) to shared memory; dS = P∘(dP − rowdot) kept in dp. This thread's two query rows'
    // segment, lse and row-dot are read once
    int rSeg[2];
    float rLse[2], rDot[2];
#pragma unroll
    for (int r = 0; r < 2; r++) {
      const int il = q0w + g + 8 * r;
      rSeg[r] = lseS[il] != NEG_INF ? segQ[il] : -1; // a query that sees no key (lse −inf) takes no gradient
      rLse[r] = lseS[il];
      rDot[r] = rdS[il];
    }
    auto vis = [&](int r, int jl) {
      const int i = q0 + q0w + g + 8 * r, j = j0 + jl;
      return rSeg[r] >= 0 && j <= i && segK[jl] == rSeg[r] && (window <= 0 || i - j < window);
    };
    if (full) probs_dscores<false, KB>(sp, dp, Ps, rLse, rDot, scale, q0w, k0w, g, t, vis);
    else probs_dscores<true, KB>(sp, dp, Ps, rLse, rDot, scale, q0w, k0w, g, t, vis);
    if constexpr (KB == FA_WK) {
      // dQ += scale·dS·K (this warp's 16 queries, every key of the block), from dS in registers, added to dq_acc
      unsigned as[FA_WK / 16][4];
#pragma unroll
      for (int kc = 0; kc < FA_WK / 16; kc++) {
        as[kc][0] = pack2(dp[2 * kc][0], dp[2 * kc][1]);
        as[kc][1] = pack2(dp[2 * kc][2], dp[2 * kc][3]);
        as[kc][2] = pack2(dp[2 * kc + 1][0], dp[2 * kc + 1][1]);
        as[kc][3] = pack2(dp[2 * kc + 1][2], dp[2 * kc + 1][3]);
      }
#pragma unroll
      for (int nd = 0; nd < D / 8; nd += 2) {
        float c[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
        for (int kc = 0; kc < FA_WK / 16; kc++) { // K as B (keys × d) by a transposing ldmatrix, two d-tiles at once
          unsigned kb[4];
          ldsm_x4<true>(kb, Ks + (kc * 16 + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + nd * 8 + 8 * (lane / 16));
          mma16816(c[0], as[kc], kb[0], kb[1]);
          mma16816(c[1], as[kc], kb[2], kb[3]);
        }
        dq_add(dq_acc, c, (long long)b * T, qs, q0 + q0w, (long long)h * D + nd * 8, T, scale, g, t);
      }
    }
    __syncthreads(); // P complete in shared memory
    // dV += Pᵀ·dO, the warp's 16 keys as rows (A from P transposed, B from dO)
    kv_accumulate<D, KB>(dv_acc, Ps, dOs, warp, lane);
    __syncthreads(); // P read: dS takes its place
#pragma unroll
    for (int nt = 0; nt < FA_WK / 8; nt++)
#pragma unroll
      for (int r = 0; r < 2; r++)
        *reinterpret_cast<unsigned *>(&Ps[(q0w + g + 8 * r) * LP + k0w + nt * 8 + 2 * t]) = pack2(dp[nt][2 * r], dp[nt][2 * r + 1]);
    __syncthreads();
    // dK += dSᵀ·Q
    kv_accumulate<D, KB>(dk_acc, Ps, Qs, warp, lane);
    if constexpr (KB == 2 * FA_WK) {
      // dQ += scale·dS·K from dS in shared memory: this warp's 16 queries × D / 2 columns over the block's 128 keys
      unsigned as[KB / 16][4]; // the warp's rows of dS as A fragments, each k-step of 16 keys
#pragma unroll
      for (int kc = 0; kc < KB / 16; kc++) ldsm_x4<false>(as[kc], Ps + (q0w + (lane % 8) + 8 * ((lane / 8) % 2)) * LP + kc * 16 + 8 * (lane / 16));
      const int d0 = (warp / (FA_BQ / 16)) * (D / 2);
#pragma unroll
      for (int nd = 0; nd < D / 16; nd += 2) {
        float c[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
        for (int kc = 0; kc < KB / 16; kc++) { // K as B (keys × d) by a transposing ldmatrix, two d-tiles at once
          unsigned kb[4];
          ldsm_x4<true>(kb, Ks + (kc * 16 + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + d0 + nd * 8 + 8 * (lane / 16));
          mma16816(c[0], as[kc], kb[0], kb[1]);
          mma16816(c[1], as[kc], kb[2], kb[3]);
        }
        dq_add(dq_acc, c, (long long)b * T, qs, q0 + q0w, (long long)h * D + d0 + nd * 8, T, scale, g, t);
      }
    }
    __syncthreads(); // every warp is done with this stage: the next iteration refills it before its own barrier
  }
  // this head's dK (scaled) and dV for the block's keys, added where the group's heads meet
#pragma unroll
  for (int r = 0; r < 2; r++) {
    const int j = j0 + warp * 16 + g + 8 * r;
    if (j >= T) continue;
    const long long at = ((long long)b * T + j) * ks + (long long)kvh * D;
#pragma unroll
    for (int nd = 0; nd < D / 8; nd++) {
      atomic_add2(dk_acc_out + at + nd * 8 + 2 * t, scale * dk_acc[nd][2 * r], scale * dk_acc[nd][2 * r + 1]);
      atomic_add2(dv_acc_out + at + nd * 8 + 2 * t, dv_acc[nd][2 * r], dv_acc[nd][2 * r + 1]);
    }
  }
}
#endif

// The entry points: blocks of 64 keys (4 warps, two blocks an SM) and of 128 keys (8 warps, one block an SM); the f32 and
// f64 variants trap (the host never launches them there).
extern "C" __global__ void __launch_bounds__(4 * WARP, 2) flash_attention_backward_d64(exact_t *dq_acc, exact_t *dk_acc, exact_t *dv_acc, const store_t *q,
    const store_t *k, const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq,
    int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_backward<64, 64>(dq_acc, dk_acc, dv_acc, q, k, v, dout, lse, rowdot, segments, T, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(4 * WARP, 2) flash_attention_backward_d128(exact_t *dq_acc, exact_t *dk_acc, exact_t *dv_acc, const store_t *q,
    const store_t *k, const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq,
    int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_backward<128, 64>(dq_acc, dk_acc, dv_acc, q, k, v, dout, lse, rowdot, segments, T, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(8 * WARP, 1) flash_attention_backward_k128_d64(exact_t *dq_acc, exact_t *dk_acc, exact_t *dv_acc, const store_t *q,
    const store_t *k, const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq,
    int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_backward<64, 128>(dq_acc, dk_acc, dv_acc, q, k, v, dout, lse, rowdot, segments, T, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(8 * WARP, 1) flash_attention_backward_k128_d128(exact_t *dq_acc, exact_t *dk_acc, exact_t *dv_acc, const store_t *q,
    const store_t *k, const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq,
    int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_backward<128, 128>(dq_acc, dk_acc, dv_acc, q, k, v, dout, lse, rowdot, segments, T, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}
