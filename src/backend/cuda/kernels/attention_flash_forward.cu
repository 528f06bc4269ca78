// Flash attention forward on tensor cores (MISTRAL_TUNE_CUDA_ATTENTION=flash, bf16 storage, head dims 64 and
// 128): one block of 4 warps per 64 queries of one head; each warp keeps its 16 queries' Q fragments in
// registers and walks the visible keys in tiles of 64 staged in shared memory (two stages: cp.async copies the
// next tile in while the warps work on this one), S = Q·Kᵀ and O += P·V by mma.sync m16n8k16 (bf16 in, f32
// accumulate) with the online softmax in between; P is rounded to bf16 for its product, as FlashAttention does.
// Causal and sliding-window tiles outside a block's range are skipped; a tile every pair of which is visible (all
// but the diagonal ones, those at the window's edge and where packed samples' segments change) skips the mask too
// (interior: flash.cuh's tile_visible). flash_forward_q32 below is the variant in blocks of 128 queries, 32 a warp
// (MISTRAL_TUNE_CUDA_FLASH_FWD128=1, flash-attention.ts: being measured).
// The helpers, tile sizes and fragment layouts are flash.cuh's.
#include "flash.cuh"

#if !defined(STORE_F32) && !defined(STORE_F64)

/** Two consecutive bf16 of a row as one 32-bit word (even offset: 4-byte aligned). */
__device__ __forceinline__ unsigned ld2(const store_t *p, long long i) {
  return *reinterpret_cast<const unsigned *>(p + i);
}

/**
 * The online softmax's step over one tile of this thread's S (2 query rows: r = e / 2, keys jj = nt·8 + 2t + e % 2):
 * scale, or −inf where !vis(r, jj); the row maxima over the quad that shares a row; m and l moved to them (corr: O's
 * factor); then S ← P = exp(S − m) (0 where masked), its row sums added to l (this thread's part). MASKED false: a tile
 * every pair of which is visible, vis never asked and no −inf selects (the same operations on each element as the
 * masked step's on a visible one: the same bits).
 */
template <bool MASKED, typename Vis>
__device__ __forceinline__ void softmax_tile(float s[FA_BK / 8][4], float m[2], float l[2], float corr[2], float scale, int t, Vis vis) {
  float mt[2] = {NEG_INF, NEG_INF};
#pragma unroll
  for (int nt = 0; nt < FA_BK / 8; nt++) {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const int r = e / 2;
      s[nt][e] = !MASKED || vis(r, nt * 8 + 2 * t + (e % 2)) ? s[nt][e] * scale : NEG_INF;
      mt[r] = fmaxf(mt[r], s[nt][e]);
    }
  }
#pragma unroll
  for (int r = 0; r < 2; r++) {
    mt[r] = fmaxf(mt[r], __shfl_xor_sync(0xffffffffu, mt[r], 1));
    mt[r] = fmaxf(mt[r], __shfl_xor_sync(0xffffffffu, mt[r], 2));
    const float mNew = fmaxf(m[r], mt[r]);
    corr[r] = mNew == NEG_INF ? 1.f : __expf(m[r] - mNew); // no visible key yet: nothing to rescale
    m[r] = mNew;
    l[r] *= corr[r];
  }
#pragma unroll
  for (int nt = 0; nt < FA_BK / 8; nt++) {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const int r = e / 2;
      const float p = MASKED && s[nt][e] == NEG_INF ? 0.f : __expf(s[nt][e] - m[r]);
      s[nt][e] = p;
      l[r] += p;
    }
  }
}

template <int D>
__device__ __forceinline__ void flash_forward(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, float scale, int window, int interior) {
  // two stages of the K and V tiles and their key segments (dynamic shared memory, sized by launch.ts's
  // flashAttentionForward): the next tile is copied in by cp.async while the warps work on this one
  typedef store_t Row[D + 8];
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  Row *const Kst = reinterpret_cast<Row *>(smem_bytes), *const Vst = Kst + 2 * FA_BK;
  int *const segSt = reinterpret_cast<int *>(Vst + 2 * FA_BK);
  const int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP, g = lane / 4, t = lane % 4;
  // grid (head, query tile, row), the tiles counted down: under the causal mask the last query tile walks the most
  // keys, so every head's longest blocks start first and the shortest are left for the end of the grid (no SM idles
  // through one long block's tail)
  const int h = blockIdx.x, b = blockIdx.z, kvh = h / (Hq / Hkv);
  const int qBlock = (gridDim.y - 1 - blockIdx.y) * FA_BQ;
  const int *seg = segments + (long long)b * K;
  const long long qs = (long long)Hq * D, ks = (long long)Hkv * D;
  const store_t *kb = k + (long long)b * K * ks + (long long)kvh * D;
  const store_t *vb = v + (long long)b * K * ks + (long long)kvh * D;

  // this thread's two query rows (g and g + 8 of its warp's 16), their key index and segment
  int qi[2], qa[2], qseg[2];
#pragma unroll
  for (int r = 0; r < 2; r++) {
    qi[r] = qBlock + warp * 16 + g + 8 * r;
    qa[r] = q_offset + qi[r];
    qseg[r] = qi[r] < T ? seg[qa[r]] : -1;
  }
  // the warp's Q fragments, held for the whole key walk (rows past T are zero)
  unsigned aq[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; kk++) {
#pragma unroll
    for (int r = 0; r < 2; r++) {
      const long long row = ((long long)b * T + qi[r]) * qs + (long long)h * D + kk * 16 + 2 * t;
      aq[kk][r] = qi[r] < T ? ld2(q, row) : 0u;
      aq[kk][2 + r] = qi[r] < T ? ld2(q, row + 8) : 0u;
    }
  }
  float o[D / 8][4];
#pragma unroll
  for (int nd = 0; nd < D / 8; nd++) o[nd][0] = o[nd][1] = o[nd][2] = o[nd][3] = 0.f;
  float m[2] = {NEG_INF, NEG_INF}, l[2] = {0.f, 0.f};

  // the block's keys: up to its last query's key index, from its first query's window start
  const int aFirst = q_offset + qBlock, aLast = q_offset + min(T, qBlock + FA_BQ) - 1;
  const int lo = window > 0 ? max(0, aFirst - window + 1) : 0;
  const int hi = min(aLast, K - 1);
  // interior tiles (flash.cuh's tile_visible): the query side, decided once — all 64 queries < T and of the first one's
  // segment s0 ≥ 0 (this thread checks its own two rows; the block's AND is taken with the key side's at each tile's barrier)
  const int s0 = seg[aFirst];
  const bool rowsInterior = interior && qBlock + FA_BQ <= T && s0 >= 0 && qseg[0] == s0 && qseg[1] == s0;
  // stage `st` ← the tile of keys from j0 by cp.async: K and V 16 bytes a copy (zeros past K), the segments a word a
  // copy (−2 past K, stored)
  auto stage = [&](int st, int j0) {
    for (int e = threadIdx.x; e < FA_BK * (D / 8); e += FA_WARPS * WARP) {
      const int row = e / (D / 8), col = 8 * (e % (D / 8)), j = j0 + row;
      const long long at = (long long)(j < K ? j : 0) * ks + col;
      cp_async16(&Kst[st * FA_BK + row][col], kb + at, j < K);
      cp_async16(&Vst[st * FA_BK + row][col], vb + at, j < K);
    }
    for (int e = threadIdx.x; e < FA_BK; e += FA_WARPS * WARP) {
      if (j0 + e < K) cp_async4(&segSt[st * FA_BK + e], seg + j0 + e);
      else segSt[st * FA_BK + e] = -2;
    }
  };
  if (lo <= hi) stage(0, lo);
  cp_async_commit();
  for (int j0 = lo, it = 0; j0 <= hi; j0 += FA_BK, it++) {
    const int cur = it & 1;
    if (j0 + FA_BK <= hi) stage(cur ^ 1, j0 + FA_BK); // the next tile, into the stage the last iteration used
    cp_async_commit();
    cp_async_wait<1>(); // this thread's copies of the current tile have landed (the next tile's may be in flight)
    const int *const segK = segSt + cur * FA_BK;
    // and every thread's; whether every key segment of the tile is s0 (each of the first 64 threads checks the one it
    // staged) and every query's too
    const bool segsInterior = __syncthreads_and(rowsInterior && (threadIdx.x >= FA_BK || segK[threadIdx.x] == s0));
    const bool full = segsInterior && tile_visible(aFirst, FA_BQ, j0, FA_BK, K, window);
    const Row *const Ks = Kst + cur * FA_BK, *const Vs = Vst + cur * FA_BK;

    // S = Q·Kᵀ for the warp's 16 rows × 64 keys: 8 n-tiles of 8 keys, two per ldmatrix (K's rows are B's columns)
    float s[FA_BK / 8][4];
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt++) s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt += 2) {
#pragma unroll
      for (int kk = 0; kk < D / 16; kk++) {
        unsigned kb[4];
        ldsm_x4<false>(kb, &Ks[nt * 8 + (lane % 8) + 8 * (lane / 16)][kk * 16 + 8 * ((lane / 8) % 2)]);
        mma16816(s[nt], aq[kk], kb[0], kb[1]);
        mma16816(s[nt + 1], aq[kk], kb[2], kb[3]);
      }
    }
    // mask (not on a fully visible tile) and scale, the online softmax's step: S ← P
    float corr[2];
    auto vis = [&](int r, int jj) {
      const int j = j0 + jj;
      return qseg[r] >= 0 && j <= qa[r] && segK[jj] == qseg[r] && (window <= 0 || qa[r] - j < window);
    };
    if (full) softmax_tile<false>(s, m, l, corr, scale, t, vis);
    else softmax_tile<true>(s, m, l, corr, scale, t, vis);
    // O rescaled
#pragma unroll
    for (int nd = 0; nd < D / 8; nd++) {
      o[nd][0] *= corr[0];
      o[nd][1] *= corr[0];
      o[nd][2] *= corr[1];
      o[nd][3] *= corr[1];
    }
    // O += P·V: P's C fragments of n-tiles 2kc, 2kc+1 are the A fragment of keys [16kc, 16kc + 16)
#pragma unroll
    for (int kc = 0; kc < FA_BK / 16; kc++) {
      const unsigned ap[4] = {pack2(s[2 * kc][0], s[2 * kc][1]), pack2(s[2 * kc][2], s[2 * kc][3]),
                              pack2(s[2 * kc + 1][0], s[2 * kc + 1][1]), pack2(s[2 * kc + 1][2], s[2 * kc + 1][3])};
#pragma unroll
      for (int nd = 0; nd < D / 8; nd += 2) { // V's B fragments by a transposing ldmatrix, two d-tiles at once
        unsigned vb[4];
        ldsm_x4<true>(vb, &Vs[kc * 16 + (lane % 8) + 8 * ((lane / 8) % 2)][nd * 8 + 8 * (lane / 16)]);
        mma16816(o[nd], ap, vb[0], vb[1]);
        mma16816(o[nd + 1], ap, vb[2], vb[3]);
      }
    }
    __syncthreads(); // this stage is refilled at the top of the next iteration
  }

  // the row sums over the quad, then out = O / l and lse = m + log l
#pragma unroll
  for (int r = 0; r < 2; r++) {
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
  }
#pragma unroll
  for (int r = 0; r < 2; r++) {
    if (qi[r] >= T) continue;
    // a query of a segment sees its own key: a sum that is not positive met a NaN score (NaN out, never a padded query's zeros)
    const float inv = l[r] > 0.f ? 1.f / l[r] : qseg[r] >= 0 ? NOT_A_NUMBER : 0.f;
    const long long row = ((long long)b * T + qi[r]) * qs + (long long)h * D;
#pragma unroll
    for (int nd = 0; nd < D / 8; nd++) {
      *reinterpret_cast<unsigned *>(out + row + nd * 8 + 2 * t) = pack2(o[nd][2 * r] * inv, o[nd][2 * r + 1] * inv);
    }
    if (t == 0) lse[((long long)b * Hq + h) * T + qi[r]] = l[r] > 0.f ? m[r] + __logf(l[r]) : qseg[r] >= 0 ? NOT_A_NUMBER : NEG_INF;
  }
}

/**
 * The forward in blocks of 128 queries, 32 a warp (two m-tiles, FlashAttention-2's shape for these head dims:
 * MISTRAL_TUNE_CUDA_FLASH_FWD128=1, flash-attention.ts): the same steps as flash_forward's on the same key tiles, but each
 * K and V fragment read by ldmatrix feeds both m-tiles' products — half the shared-memory reads of K and V a query,
 * which bound flash_forward — and the block's Q tile is staged in shared memory once (cp.async, with the first K/V
 * stage) and read by ldmatrix at each k-step, where flash_forward holds a warp's Q in registers: at D = 128 the two
 * m-tiles' O and S take 192 of the 255 registers. A warp whose 32 queries all precede a tile's keys skips its products
 * (the causal diagonal of a 128-query block spans two key tiles). Dynamic shared memory: the Q tile (128 × (D + 8)
 * bf16), then flash_forward's two stages: sized by launch.ts's flashAttentionForward.
 */
template <int D>
__device__ __forceinline__ void flash_forward_q32(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, float scale, int window, int interior) {
  constexpr int BQ = 2 * FA_BQ, LD = D + 8;
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  store_t *const Qs = reinterpret_cast<store_t *>(smem_bytes);
  store_t *const Kst = Qs + BQ * LD, *const Vst = Kst + 2 * FA_BK * LD;
  int *const segSt = reinterpret_cast<int *>(Vst + 2 * FA_BK * LD);
  const int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP, g = lane / 4, t = lane % 4;
  const int h = blockIdx.x, b = blockIdx.z;
  const int qBlock = (gridDim.y - 1 - blockIdx.y) * BQ;
  const int *seg = segments + (long long)b * K;
  const long long qs = (long long)Hq * D;
  // this thread's four query rows, row r of m-tile mt's fragment: the block's warp·32 + 16·mt + g + 8·r; the key index
  // of its first (recomputed for the others: index registers spilled at D = 128) and each row's segment
  const int qa0 = q_offset + qBlock + warp * 32 + g;
  int qseg[2][2];
#pragma unroll
  for (int mt = 0; mt < 2; mt++)
#pragma unroll
    for (int r = 0; r < 2; r++) qseg[mt][r] = qa0 - q_offset + 16 * mt + 8 * r < T ? seg[qa0 + 16 * mt + 8 * r] : -1;
  // the Q tile by cp.async (zeros past T), waited for with the first K/V stage
  for (int e = threadIdx.x; e < BQ * (D / 8); e += FA_WARPS * WARP) {
    const int row = e / (D / 8), col = 8 * (e % (D / 8)), i = qBlock + row;
    cp_async16(&Qs[row * LD + col], q + ((long long)b * T + (i < T ? i : 0)) * qs + (long long)h * D + col, i < T);
  }
  float o[2][D / 8][4];
#pragma unroll
  for (int mt = 0; mt < 2; mt++)
#pragma unroll
    for (int nd = 0; nd < D / 8; nd++) o[mt][nd][0] = o[mt][nd][1] = o[mt][nd][2] = o[mt][nd][3] = 0.f;
  float m[2][2] = {{NEG_INF, NEG_INF}, {NEG_INF, NEG_INF}}, l[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
  const int aFirst = q_offset + qBlock, aLast = q_offset + min(T, qBlock + BQ) - 1;
  const int lo = window > 0 ? max(0, aFirst - window + 1) : 0;
  const int hi = min(aLast, K - 1);
  const int s0 = seg[aFirst];
  const bool rowsInterior = interior && qBlock + BQ <= T && s0 >= 0 && qseg[0][0] == s0 && qseg[0][1] == s0 && qseg[1][0] == s0 && qseg[1][1] == s0;
  // stage `st` ← the tile of keys from j0, as flash_forward's (the K/V row address from the kernel's arguments at each
  // copy: a base pointer held through the walk spilled at D = 128)
  auto stage = [&](int st, int j0) {
    for (int e = threadIdx.x; e < FA_BK * (D / 8); e += FA_WARPS * WARP) {
      const int row = e / (D / 8), col = 8 * (e % (D / 8)), j = j0 + row;
      const long long at = ((long long)b * K + (j < K ? j : 0)) * ((long long)Hkv * D) + (long long)(h / (Hq / Hkv)) * D + col;
      cp_async16(&Kst[(st * FA_BK + row) * LD + col], k + at, j < K);
      cp_async16(&Vst[(st * FA_BK + row) * LD + col], v + at, j < K);
    }
    for (int e = threadIdx.x; e < FA_BK; e += FA_WARPS * WARP) {
      if (j0 + e < K) cp_async4(&segSt[st * FA_BK + e], seg + j0 + e);
      else segSt[st * FA_BK + e] = -2;
    }
  };
  if (lo <= hi) stage(0, lo);
  cp_async_commit();
  for (int j0 = lo, it = 0; j0 <= hi; j0 += FA_BK, it++) {
    const int cur = it & 1;
    if (j0 + FA_BK <= hi) stage(cur ^ 1, j0 + FA_BK);
    cp_async_commit();
    cp_async_wait<1>();
    const int *const segK = segSt + cur * FA_BK;
    const bool segsInterior = __syncthreads_and(rowsInterior && (threadIdx.x >= FA_BK || segK[threadIdx.x] == s0));
    const bool full = segsInterior && tile_visible(aFirst, BQ, j0, FA_BK, K, window);
    const store_t *const Ks = Kst + cur * FA_BK * LD, *const Vs = Vst + cur * FA_BK * LD;
    // a warp whose 32 queries all precede the tile's first key sees none of it (causal): nothing to add
    if (q_offset + qBlock + warp * 32 + 31 >= j0) {
      // S = Q·Kᵀ for the warp's 32 rows × 64 keys: each K fragment feeds both m-tiles
      float s[2][FA_BK / 8][4];
#pragma unroll
      for (int mt = 0; mt < 2; mt++)
#pragma unroll
        for (int nt = 0; nt < FA_BK / 8; nt++) s[mt][nt][0] = s[mt][nt][1] = s[mt][nt][2] = s[mt][nt][3] = 0.f;
#pragma unroll
      for (int kk = 0; kk < D / 16; kk++) {
        unsigned aq[2][4];
#pragma unroll
        for (int mt = 0; mt < 2; mt++)
          ldsm_x4<false>(aq[mt], Qs + (warp * 32 + 16 * mt + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + kk * 16 + 8 * (lane / 16));
#pragma unroll
        for (int nt = 0; nt < FA_BK / 8; nt += 2) {
          unsigned kf[4];
          ldsm_x4<false>(kf, Ks + (nt * 8 + (lane % 8) + 8 * (lane / 16)) * LD + kk * 16 + 8 * ((lane / 8) % 2));
#pragma unroll
          for (int mt = 0; mt < 2; mt++) {
            mma16816(s[mt][nt], aq[mt], kf[0], kf[1]);
            mma16816(s[mt][nt + 1], aq[mt], kf[2], kf[3]);
          }
        }
      }
      // per m-tile: the online softmax's step (masked but on a fully visible tile), O rescaled, P packed as the A
      // fragments of its product (its S freed at once: registers)
      unsigned ap[2][FA_BK / 16][4];
#pragma unroll
      for (int mt = 0; mt < 2; mt++) {
        float corr[2];
        auto vis = [&](int r, int jj) {
          const int j = j0 + jj;
          const int a = qa0 + 16 * mt + 8 * r;
          return qseg[mt][r] >= 0 && j <= a && segK[jj] == qseg[mt][r] && (window <= 0 || a - j < window);
        };
        if (full) softmax_tile<false>(s[mt], m[mt], l[mt], corr, scale, t, vis);
        else softmax_tile<true>(s[mt], m[mt], l[mt], corr, scale, t, vis);
#pragma unroll
        for (int nd = 0; nd < D / 8; nd++) {
          o[mt][nd][0] *= corr[0];
          o[mt][nd][1] *= corr[0];
          o[mt][nd][2] *= corr[1];
          o[mt][nd][3] *= corr[1];
        }
#pragma unroll
        for (int kc = 0; kc < FA_BK / 16; kc++) {
          ap[mt][kc][0] = pack2(s[mt][2 * kc][0], s[mt][2 * kc][1]);
          ap[mt][kc][1] = pack2(s[mt][2 * kc][2], s[mt][2 * kc][3]);
          ap[mt][kc][2] = pack2(s[mt][2 * kc + 1][0], s[mt][2 * kc + 1][1]);
          ap[mt][kc][3] = pack2(s[mt][2 * kc + 1][2], s[mt][2 * kc + 1][3]);
        }
      }
      // O += P·V: each V fragment (a transposing ldmatrix, two d-tiles) feeds both m-tiles
#pragma unroll
      for (int kc = 0; kc < FA_BK / 16; kc++) {
#pragma unroll
        for (int nd = 0; nd < D / 8; nd += 2) {
          unsigned vf[4];
          ldsm_x4<true>(vf, Vs + (kc * 16 + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + nd * 8 + 8 * (lane / 16));
#pragma unroll
          for (int mt = 0; mt < 2; mt++) {
            mma16816(o[mt][nd], ap[mt][kc], vf[0], vf[1]);
            mma16816(o[mt][nd + 1], ap[mt][kc], vf[2], vf[3]);
          }
        }
      }
    }
    __syncthreads(); // this stage is refilled at the top of the next iteration
  }
  // per m-tile, as flash_forward's: the row sums over the quad, then out = O / l and lse = m + log l
#pragma unroll
  for (int mt = 0; mt < 2; mt++) {
#pragma unroll
    for (int r = 0; r < 2; r++) {
      l[mt][r] += __shfl_xor_sync(0xffffffffu, l[mt][r], 1);
      l[mt][r] += __shfl_xor_sync(0xffffffffu, l[mt][r], 2);
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
      const int qi = qBlock + warp * 32 + 16 * mt + g + 8 * r;
      if (qi >= T) continue;
      const float inv = l[mt][r] > 0.f ? 1.f / l[mt][r] : qseg[mt][r] >= 0 ? NOT_A_NUMBER : 0.f;
      const long long row = ((long long)b * T + qi) * qs + (long long)h * D;
#pragma unroll
      for (int nd = 0; nd < D / 8; nd++) {
        *reinterpret_cast<unsigned *>(out + row + nd * 8 + 2 * t) = pack2(o[mt][nd][2 * r] * inv, o[mt][nd][2 * r + 1] * inv);
      }
      if (t == 0) lse[((long long)b * Hq + h) * T + qi] = l[mt][r] > 0.f ? m[mt][r] + __logf(l[mt][r]) : qseg[mt][r] >= 0 ? NOT_A_NUMBER : NEG_INF;
    }
  }
}
#endif

// The entry points: blocks of 64 queries (4 warps of 16, the default) and of 128 (4 warps of 32); the f32 and f64
// variants trap (the host never launches them there).
extern "C" __global__ void flash_attention_forward_d64(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_forward<64>(out, lse, q, k, v, segments, T, K, q_offset, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}

extern "C" __global__ void flash_attention_forward_d128(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_forward<128>(out, lse, q, k, v, segments, T, K, q_offset, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(4 * WARP, 2) flash_attention_forward_q128_d64(store_t *out, exact_t *lse, const store_t *q, const store_t *k,
    const store_t *v, const int *segments, int T, int K, int q_offset, int Hq, int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_forward_q32<64>(out, lse, q, k, v, segments, T, K, q_offset, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(4 * WARP, 2) flash_attention_forward_q128_d128(store_t *out, exact_t *lse, const store_t *q, const store_t *k,
    const store_t *v, const int *segments, int T, int K, int q_offset, int Hq, int Hkv, real scale, int window, int interior) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_forward_q32<128>(out, lse, q, k, v, segments, T, K, q_offset, Hq, Hkv, scale, window, interior);
#else
  __trap();
#endif
}
