// Flash attention forward on tensor cores (MISTRAL_TUNE_CUDA_ATTENTION=flash, bf16 storage, head dims 64 and
// 128): one block of 4 warps per 64 queries of one head; each warp keeps its 16 queries' Q fragments in
// registers and walks the visible keys in tiles of 64 staged in shared memory (two stages: cp.async copies the
// next tile in while the warps work on this one), S = Q·Kᵀ and O += P·V by mma.sync m16n8k16 (bf16 in, f32
// accumulate) with the online softmax in between; P is rounded to bf16 for its product, as FlashAttention does.
// Causal and sliding-window tiles outside a block's range are skipped.
// Layouts and visibility as attention.cu: q, out (B, T, Hq·D); k, v (B, K, Hkv·D); segments (B, K); lse
// (B, Hq, T); key j is visible from query i (key index a = q_offset + i) when segments[j] = segments[a] ≥ 0,
// j ≤ a and (window ≤ 0 or a − j < window); a query that sees no key gets out = 0 and lse = −inf.
// Fragment layouts (PTX ISA, mma.m16n8k16 .bf16): with g = lane / 4 and t = lane % 4, A (16×16, row-major)
// a0 = (g, 2t..2t+1), a1 = (g+8, 2t..), a2 = (g, 2t+8..), a3 = (g+8, 2t+8..); B (16×8) b0 = (k 2t..2t+1, n g),
// b1 = (k 2t+8.., n g); C (16×8) c0, c1 = (g, 2t..2t+1), c2, c3 = (g+8, 2t..2t+1); the lower index in the low half.
// Fragments of tiles in shared memory come by ldmatrix.x4 (row strides of D + 8 and 64 + 8 bf16: the 8 rows of
// each 8×8 matrix fall in distinct banks), .trans where B's k runs down the tile's rows (V, K in dQ, dO and Q in
// dK and dV) and for Pᵀ and dSᵀ as A.
// The f32 and f64 storage variants trap in these kernels: the host runs those through attention_gemm.
#include "common.cuh"

#define FA_BQ 64
#define FA_BK 64
#define FA_WARPS 4

#if !defined(STORE_F32) && !defined(STORE_F64)

__device__ __forceinline__ unsigned pack2(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<unsigned *>(&v);
}

/**
 * p[0] += a, p[1] += b, atomically for each (p 8-byte aligned: two neighbouring f32 accumulators). Hopper (sm_90+)
 * adds both in one vector atomic (red.global.add.v2.f32): half the atomic instructions and L2 requests of dQ, dK, dV.
 */
__device__ __forceinline__ void atomic_add2(float *p, float a, float b) {
#if defined(MT_HOST_EMULATOR) || (defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900)
  atomicAdd(reinterpret_cast<float2 *>(p), make_float2(a, b));
#else
  atomicAdd(p, a);
  atomicAdd(p + 1, b);
#endif
}

__device__ __forceinline__ void mma16816(float c[4], const unsigned a[4], unsigned b0, unsigned b1) {
#ifdef MT_HOST_EMULATOR // the kernel emulator of the tests (test/backend/cuda/emulator): the warp's fragments on the host
  mt_mma_m16n8k16_bf16(c, a, b0, b1);
#else
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

/**
 * ldmatrix.sync.aligned.m8n8.x4 (.trans with `T`): four 8×8 bf16 matrices from shared memory, the rows of matrix j
 * at the addresses lanes 8j..8j+7 give (16-byte aligned); r[j] gets this lane's two elements of matrix j — row
 * lane / 4, columns 2·(lane % 4) and the next, or with .trans rows 2·(lane % 4) and the next of column lane / 4:
 * an mma A or B fragment straight from a row-major tile (B from its transpose with .trans).
 */
template <bool T>
__device__ __forceinline__ void ldsm_x4(unsigned r[4], const store_t *row) {
#ifdef MT_HOST_EMULATOR
  mt_ldmatrix_x4(r, row, T);
#else
  unsigned a;
  asm("{ .reg .u64 u; cvta.to.shared.u64 u, %1; cvt.u32.u64 %0, u; }" : "=r"(a) : "l"(row));
  if (T) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
  } else {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
  }
#endif
}

/**
 * cp.async.cg: 16 bytes from global memory at src to shared memory at dst (both 16-byte aligned: the tensors by
 * flashRefusal, shared rows of D + 8 or 64 + 8 bf16 from an aligned base, offsets multiples of 8) without passing
 * through registers, zeros instead where !valid (src-size 0: nothing is read). The copy lands some time before this
 * thread's cp_async_wait that covers its group; readers in other threads also need a barrier after that wait.
 */
__device__ __forceinline__ void cp_async16(store_t *dst, const store_t *src, bool valid) {
#ifdef MT_HOST_EMULATOR
  mt_cp_async(dst, src, 16, valid ? 16 : 0);
#else
  unsigned a;
  asm("{ .reg .u64 u; cvta.to.shared.u64 u, %1; cvt.u32.u64 %0, u; }" : "=r"(a) : "l"(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(a), "l"(src), "r"(valid ? 16 : 0) : "memory");
#endif
}

/** cp.async.ca of one 4-byte word (both addresses 4-byte aligned), as cp_async16. */
__device__ __forceinline__ void cp_async4(int *dst, const int *src) {
#ifdef MT_HOST_EMULATOR
  mt_cp_async(dst, src, 4, 4);
#else
  unsigned a;
  asm("{ .reg .u64 u; cvta.to.shared.u64 u, %1; cvt.u32.u64 %0, u; }" : "=r"(a) : "l"(dst));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" :: "r"(a), "l"(src) : "memory");
#endif
}

/** Closes this thread's group of cp.async copies issued since the last commit (an empty group where none were). */
__device__ __forceinline__ void cp_async_commit() {
#ifdef MT_HOST_EMULATOR
  mt_cp_async_commit();
#else
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

/** Waits until at most N of this thread's committed cp.async groups (the newest) are still in flight. */
template <int N>
__device__ __forceinline__ void cp_async_wait() {
#ifdef MT_HOST_EMULATOR
  mt_cp_async_wait(N);
#else
  asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory");
#endif
}

/** Two consecutive bf16 of a row as one 32-bit word (even offset: 4-byte aligned). */
__device__ __forceinline__ unsigned ld2(const store_t *p, long long i) {
  return *reinterpret_cast<const unsigned *>(p + i);
}

template <int D>
__device__ __forceinline__ void flash_forward(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, float scale, int window) {
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
    __syncthreads();    // and every thread's
    const Row *const Ks = Kst + cur * FA_BK, *const Vs = Vst + cur * FA_BK;
    const int *const segK = segSt + cur * FA_BK;

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
    // mask and scale; the tile's row maxima over the quad that shares a row
    float mt[2] = {NEG_INF, NEG_INF};
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt++) {
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int r = e / 2, jj = nt * 8 + 2 * t + (e % 2), j = j0 + jj;
        const bool vis = qseg[r] >= 0 && j <= qa[r] && segK[jj] == qseg[r] && (window <= 0 || qa[r] - j < window);
        s[nt][e] = vis ? s[nt][e] * scale : NEG_INF;
        mt[r] = fmaxf(mt[r], s[nt][e]);
      }
    }
    float corr[2];
#pragma unroll
    for (int r = 0; r < 2; r++) {
      mt[r] = fmaxf(mt[r], __shfl_xor_sync(0xffffffffu, mt[r], 1));
      mt[r] = fmaxf(mt[r], __shfl_xor_sync(0xffffffffu, mt[r], 2));
      const float mNew = fmaxf(m[r], mt[r]);
      corr[r] = mNew == NEG_INF ? 1.f : __expf(m[r] - mNew); // no visible key yet: nothing to rescale
      m[r] = mNew;
      l[r] *= corr[r];
    }
    // P = exp(S − m) (0 where masked), its row sums (this thread's part), and O rescaled
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt++) {
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int r = e / 2;
        const float p = s[nt][e] == NEG_INF ? 0.f : __expf(s[nt][e] - m[r]);
        s[nt][e] = p;
        l[r] += p;
      }
    }
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
    const float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;
    const long long row = ((long long)b * T + qi[r]) * qs + (long long)h * D;
#pragma unroll
    for (int nd = 0; nd < D / 8; nd++) {
      *reinterpret_cast<unsigned *>(out + row + nd * 8 + 2 * t) = pack2(o[nd][2 * r] * inv, o[nd][2 * r + 1] * inv);
    }
    if (t == 0) lse[((long long)b * Hq + h) * T + qi[r]] = l[r] > 0.f ? m[r] + __logf(l[r]) : NEG_INF;
  }
}


/**
 * acc (this warp's 16 keys × D) += Xᵀ·Y over the tile's 64 queries: X (queries × keys) in shared memory with
 * row stride FA_BK + 8 (P or dS), Y (queries × D) with row stride D + 8 (dO or Q). A = Xᵀ: rows are keys.
 */
template <int D>
__device__ __forceinline__ void kv_accumulate(float acc[D / 8][4], const store_t *X, const store_t *Y, int warp, int lane) {
  constexpr int LD = D + 8, LP = FA_BK + 8;
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
 * Backward (training shapes: K = T, q_offset = 0), FlashAttention-2's order: one block of 4 warps per 64 keys of
 * one query head and row (its KV head's keys), walking the query tiles that see them. Per tile: S = Q·Kᵀ and
 * dP = dO·Vᵀ (warp w: queries 16w..16w+15), P = exp(S·scale − lse), dS = P∘(dP − rowdot); P, then dS, go to
 * shared memory as bf16 so that dV += Pᵀ·dO and dK += dSᵀ·Q run with the block's keys as rows (warp w: keys
 * 16w..16w+15, accumulated in registers over every tile); dQ += scale·dS·K is added to the f32 dq_acc with
 * atomics, and at the end the head's share of dK (scaled) and dV to dk_acc and dv_acc, where the heads of a KV
 * group meet (the caller zeroes the three and rounds them into dq, dk, dv). A block per query head rather than
 * per KV head: 4× the blocks under GQA 4, so the causally short and long key tiles even out over the SMs.
 * Dynamic shared memory: K, V, Q, dO tiles (64 × (D + 8) bf16 each), P/dS (64 × 72 bf16), lse, rowdot and
 * the query segments (64 each), sized by launch.ts's flashAttentionBackward.
 */
template <int D>
__device__ __forceinline__ void flash_backward(exact_t *dq_acc, exact_t *dk_acc_out, exact_t *dv_acc_out, const store_t *q, const store_t *k,
    const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq, int Hkv,
    float scale, int window) {
  constexpr int LD = D + 8, LP = FA_BK + 8;
  extern __shared__ __align__(16) unsigned char smem_bytes[];
  store_t *Ks = reinterpret_cast<store_t *>(smem_bytes), *Vs = Ks + FA_BK * LD, *Qs = Vs + FA_BK * LD, *dOs = Qs + FA_BQ * LD;
  store_t *Ps = dOs + FA_BQ * LD;
  float *lseS = reinterpret_cast<float *>(Ps + FA_BQ * LP), *rdS = lseS + FA_BQ;
  int *segQ = reinterpret_cast<int *>(rdS + FA_BQ), *segK = segQ + FA_BQ;
  const int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP, g = lane / 4, t = lane % 4;
  // grid (head, key tile, row): the first key tiles, which the most query tiles see, start first in every head
  const int h = blockIdx.x, b = blockIdx.z, kvh = h / (Hq / Hkv), j0 = blockIdx.y * FA_BK;
  const int *seg = segments + (long long)b * T;
  const long long qs = (long long)Hq * D, ks = (long long)Hkv * D;

  // the block's K and V tiles by cp.async (16 bytes a copy, zeros past T), waited for with the first query tile's
  for (int e = threadIdx.x; e < FA_BK * (D / 8); e += FA_WARPS * WARP) {
    const int row = e / (D / 8), col = 8 * (e % (D / 8)), j = j0 + row;
    const long long at = ((long long)b * T + (j < T ? j : 0)) * ks + (long long)kvh * D + col;
    cp_async16(&Ks[row * LD + col], k + at, j < T);
    cp_async16(&Vs[row * LD + col], v + at, j < T);
  }
  for (int e = threadIdx.x; e < FA_BK; e += FA_WARPS * WARP) segK[e] = j0 + e < T ? seg[j0 + e] : -2;

  float dk_acc[D / 8][4], dv_acc[D / 8][4];
#pragma unroll
  for (int nd = 0; nd < D / 8; nd++)
#pragma unroll
    for (int e = 0; e < 4; e++) dk_acc[nd][e] = dv_acc[nd][e] = 0.f;

  // the query tiles that can see these keys: from the keys' own tile (causal) to the window's end
  const int jLast = min(T, j0 + FA_BK) - 1;
  const int qFirst = (j0 / FA_BQ) * FA_BQ;
  const int qEnd = window > 0 ? min(T, jLast + window) : T;
  for (int q0 = qFirst; q0 < qEnd; q0 += FA_BQ) {
    __syncthreads(); // the previous tile's Q, dO and P/dS are read by now
    // the tile's Q and dO by cp.async: every copy in flight at once, none through registers
    for (int e = threadIdx.x; e < FA_BQ * (D / 8); e += FA_WARPS * WARP) {
      const int row = e / (D / 8), col = 8 * (e % (D / 8)), i = q0 + row;
      const long long at = ((long long)b * T + (i < T ? i : 0)) * qs + (long long)h * D + col;
      cp_async16(&Qs[row * LD + col], q + at, i < T);
      cp_async16(&dOs[row * LD + col], dout + at, i < T);
    }
    cp_async_commit();
    for (int e = threadIdx.x; e < FA_BQ; e += FA_WARPS * WARP) {
      const int i = q0 + e;
      const long long li = ((long long)b * Hq + h) * T + i;
      lseS[e] = i < T ? (float)lse[li] : NEG_INF;
      rdS[e] = i < T ? (float)rowdot[li] : 0.f;
      segQ[e] = i < T ? seg[i] : -1;
    }
    cp_async_wait<0>(); // this thread's copies have landed (and before the first tile, K's and V's)
    __syncthreads();    // and every thread's

    // S = Q·Kᵀ and dP = dO·Vᵀ for the warp's 16 queries × 64 keys
    float sp[FA_BK / 8][4], dp[FA_BK / 8][4];
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt++)
#pragma unroll
      for (int e = 0; e < 4; e++) sp[nt][e] = dp[nt][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) {
      unsigned aq[4], ad[4]; // the warp's Q and dO rows as A fragments
      const int arow = (warp * 16 + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + kk * 16 + 8 * (lane / 16);
      ldsm_x4<false>(aq, Qs + arow);
      ldsm_x4<false>(ad, dOs + arow);
#pragma unroll
      for (int nt = 0; nt < FA_BK / 8; nt += 2) { // K's and V's rows are B's columns, two n-tiles per ldmatrix
        const int brow = (nt * 8 + (lane % 8) + 8 * (lane / 16)) * LD + kk * 16 + 8 * ((lane / 8) % 2);
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
      const int il = warp * 16 + g + 8 * r;
      rSeg[r] = lseS[il] != NEG_INF ? segQ[il] : -1; // a query that sees no key (lse −inf) takes no gradient
      rLse[r] = lseS[il];
      rDot[r] = rdS[il];
    }
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt++) {
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int r = e / 2, jl = nt * 8 + 2 * t + (e % 2), i = q0 + warp * 16 + g + 8 * r, j = j0 + jl;
        const bool vis = rSeg[r] >= 0 && j <= i && segK[jl] == rSeg[r] && (window <= 0 || i - j < window);
        const float p = vis ? __expf(sp[nt][e] * scale - rLse[r]) : 0.f;
        sp[nt][e] = p;
        dp[nt][e] = p * (dp[nt][e] - rDot[r]);
      }
#pragma unroll
      for (int r = 0; r < 2; r++) {
        *reinterpret_cast<unsigned *>(&Ps[(warp * 16 + g + 8 * r) * LP + nt * 8 + 2 * t]) = pack2(sp[nt][2 * r], sp[nt][2 * r + 1]);
      }
    }
    // dQ += scale·dS·K (this warp's 16 queries), added to dq_acc
    unsigned as[FA_BK / 16][4];
#pragma unroll
    for (int kc = 0; kc < FA_BK / 16; kc++) {
      as[kc][0] = pack2(dp[2 * kc][0], dp[2 * kc][1]);
      as[kc][1] = pack2(dp[2 * kc][2], dp[2 * kc][3]);
      as[kc][2] = pack2(dp[2 * kc + 1][0], dp[2 * kc + 1][1]);
      as[kc][3] = pack2(dp[2 * kc + 1][2], dp[2 * kc + 1][3]);
    }
#pragma unroll
    for (int nd = 0; nd < D / 8; nd += 2) {
      float c[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
      for (int kc = 0; kc < FA_BK / 16; kc++) { // K as B (keys × d) by a transposing ldmatrix, two d-tiles at once
        unsigned kb[4];
        ldsm_x4<true>(kb, Ks + (kc * 16 + (lane % 8) + 8 * ((lane / 8) % 2)) * LD + nd * 8 + 8 * (lane / 16));
        mma16816(c[0], as[kc], kb[0], kb[1]);
        mma16816(c[1], as[kc], kb[2], kb[3]);
      }
#pragma unroll
      for (int r = 0; r < 2; r++) {
        const int i = q0 + warp * 16 + g + 8 * r;
        if (i < T) {
          exact_t *dst = dq_acc + ((long long)b * T + i) * qs + (long long)h * D + nd * 8 + 2 * t;
#pragma unroll
          for (int u = 0; u < 2; u++) atomic_add2(dst + 8 * u, scale * c[u][2 * r], scale * c[u][2 * r + 1]);
        }
      }
    }
    __syncthreads(); // P complete in shared memory
    // dV += Pᵀ·dO, the warp's 16 keys as rows (A from P transposed, B from dO)
    kv_accumulate<D>(dv_acc, Ps, dOs, warp, lane);
    __syncthreads(); // P read: dS takes its place
#pragma unroll
    for (int nt = 0; nt < FA_BK / 8; nt++)
#pragma unroll
      for (int r = 0; r < 2; r++)
        *reinterpret_cast<unsigned *>(&Ps[(warp * 16 + g + 8 * r) * LP + nt * 8 + 2 * t]) = pack2(dp[nt][2 * r], dp[nt][2 * r + 1]);
    __syncthreads();
    // dK += dSᵀ·Q
    kv_accumulate<D>(dk_acc, Ps, Qs, warp, lane);
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

// The entry points (the f32 and f64 variants trap: the host never launches them there).
extern "C" __global__ void flash_attention_forward_d64(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, real scale, int window) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_forward<64>(out, lse, q, k, v, segments, T, K, q_offset, Hq, Hkv, scale, window);
#else
  __trap();
#endif
}

extern "C" __global__ void flash_attention_forward_d128(store_t *out, exact_t *lse, const store_t *q, const store_t *k, const store_t *v,
    const int *segments, int T, int K, int q_offset, int Hq, int Hkv, real scale, int window) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_forward<128>(out, lse, q, k, v, segments, T, K, q_offset, Hq, Hkv, scale, window);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(FA_WARPS * WARP, 2) flash_attention_backward_d64(exact_t *dq_acc, exact_t *dk_acc, exact_t *dv_acc, const store_t *q, const store_t *k,
    const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq, int Hkv,
    real scale, int window) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_backward<64>(dq_acc, dk_acc, dv_acc, q, k, v, dout, lse, rowdot, segments, T, Hq, Hkv, scale, window);
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(FA_WARPS * WARP, 2) flash_attention_backward_d128(exact_t *dq_acc, exact_t *dk_acc, exact_t *dv_acc, const store_t *q, const store_t *k,
    const store_t *v, const store_t *dout, const exact_t *lse, const exact_t *rowdot, const int *segments, int T, int Hq, int Hkv,
    real scale, int window) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  flash_backward<128>(dq_acc, dk_acc, dv_acc, q, k, v, dout, lse, rowdot, segments, T, Hq, Hkv, scale, window);
#else
  __trap();
#endif
}
