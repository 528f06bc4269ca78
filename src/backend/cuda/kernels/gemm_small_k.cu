// A GEMM of our own for bf16 products whose inner dimension is small — LoRA's rank: its up-projection s·z·Bᵀ and
// ∂x += dz·A — on tensor cores (MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1, a variant: gemm-small-k.ts decides which products):
//   C (m×n, row stride ldc) = alpha·A·op(B) + beta·addend
// A is m×k (row stride lda); op(B) is Bᵀ with B stored n×k (transB) or B stored k×n (row stride ldb); k ≤ SK_MAX_K;
// the addend has C's layout (C itself when in place) and is not read when beta = 0. cuBLASLt's kernels for k = 16 ran
// at about a third of the memory's speed on an H200 (device run 1, BENCHMARKS.md), where such a product only has to
// write C. A block of SK_WARPS warps computes a SK_BM × SK_BN tile of C: the tile's rows of A and columns of op(B), all
// of k (zero-padded to a multiple of 16), are staged in shared memory (k contiguous in both; 16 bytes a load where rows allow); each warp takes 16 rows and
// runs mma.sync m16n8k16 (mma.cuh) over the tile's SK_BN / 8 column tiles with f32 accumulators. The epilogue
// writes alpha·A·op(B) in f32 to shared memory (over the staged operands), then each thread takes 8 neighbouring
// columns of a row: beta·addend added in f32, rounded once, one 16-byte store (and one 16-byte load of the addend)
// where C's (and the addend's) address allows it, else element by element — so a warp writes whole 32-byte sectors of
// two rows, where the fragments' own layout wrote 4 bytes a thread over 8 rows. Rows and columns past m and n are
// masked. The f32 and f64 variants trap: the host sends only bf16 products here.
#include "mma.cuh"

#define SK_BM 64
#define SK_BN 128
#define SK_WARPS (SK_BM / 16)
#define SK_MAX_K 64
// a staged row: k padded by 8 bf16 (16 bytes), so a fragment's 8 rows g = 0..7 fall in distinct banks
#define SK_LD (SK_MAX_K + 8)
// a row of the f32 tile of C: padded by 4 floats (16 bytes), so the fragments' rows g = 0..7 start 4 banks apart
#define SK_CLD (SK_BN + 4)
#define SK_STAGED_BYTES ((SK_BM + SK_BN) * SK_LD * 2)
#define SK_C_BYTES (SK_BM * SK_CLD * 4)
#define SK_SMEM_BYTES (SK_STAGED_BYTES > SK_C_BYTES ? SK_STAGED_BYTES : SK_C_BYTES)
// the epilogue: 8 columns (16 bytes of bf16) a thread, SK_BN / 8 threads a row
#define SK_CVEC 8

#if !defined(STORE_F32) && !defined(STORE_F64)
/** dst[r][0, kp) = src's row (first + r), columns [0, k), zero past k and past `rows_in` (rows `ld` apart). */
__device__ __forceinline__ void stage_rows(store_t (*dst)[SK_LD], const store_t *src, int rows, int first, int rows_in, int k, int kp,
    int ld, int tid) {
  const store_t zero = __float2bfloat16_rn(0.f);
  if (k % 8 == 0 && ld % 8 == 0 && aligned16(src)) {
    for (int i = tid; i < rows * (kp / 8); i += SK_WARPS * 32) {
      const int r = i / (kp / 8), kk = i % (kp / 8) * 8;
      uint4 v = {0u, 0u, 0u, 0u};
      if (first + r < rows_in && kk < k) v = *reinterpret_cast<const uint4 *>(src + (long long)(first + r) * ld + kk);
      *reinterpret_cast<uint4 *>(&dst[r][kk]) = v;
    }
    return;
  }
  for (int i = tid; i < rows * kp; i += SK_WARPS * 32) {
    const int r = i / kp, kk = i % kp;
    dst[r][kk] = first + r < rows_in && kk < k ? src[(long long)(first + r) * ld + kk] : zero;
  }
}
#endif

extern "C" __global__ void __launch_bounds__(SK_WARPS * 32) gemm_small_k(store_t *c, const store_t *addend, const store_t *a, const store_t *b,
    int m, int n, int k, int transB, int lda, int ldb, int ldc, real alpha, real beta) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  // the staged operands, and after the products the tile of C in f32 over them
  __shared__ __align__(16) unsigned char smem[SK_SMEM_BYTES];
  store_t (*As)[SK_LD] = reinterpret_cast<store_t (*)[SK_LD]>(smem);                           // As[r][kk] = A(row0 + r, kk)
  store_t (*Bs)[SK_LD] = reinterpret_cast<store_t (*)[SK_LD]>(smem + SK_BM * SK_LD * sizeof(store_t)); // Bs[q][kk] = op(B)(kk, col0 + q)
  float (*Cs)[SK_CLD] = reinterpret_cast<float (*)[SK_CLD]>(smem);                               // Cs[r][q] = alpha·(A·op(B))(row0 + r, col0 + q)
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, t = lane % 4;
  const int row0 = blockIdx.y * SK_BM, col0 = blockIdx.x * SK_BN;
  const int kp = (k + 15) / 16 * 16;
  const store_t zero = __float2bfloat16_rn(0.f);
  // A's rows, and B's where transB (a column of op(B) is a row of B, read along k): 8 elements (16 bytes) a load
  // where k and the row stride keep every row's start 16-byte aligned, else one by one
  stage_rows(As, a, SK_BM, row0, m, k, kp, lda, tid);
  if (transB) {
    stage_rows(Bs, b, SK_BN, col0, n, k, kp, ldb, tid);
  } else { // B (k×n): read along its rows (n), stored transposed
    for (int i = tid; i < SK_BN * kp; i += SK_WARPS * 32) {
      const int kk = i / SK_BN, q = i % SK_BN;
      Bs[q][kk] = col0 + q < n && kk < k ? b[(long long)kk * ldb + col0 + q] : zero;
    }
  }
  __syncthreads();
  float acc[SK_BN / 8][4];
#pragma unroll
  for (int nt = 0; nt < SK_BN / 8; nt++) acc[nt][0] = acc[nt][1] = acc[nt][2] = acc[nt][3] = 0.f;
  const int r = warp * 16 + g;
  for (int k0 = 0; k0 < kp; k0 += 16) {
    unsigned af[4];
    af[0] = *reinterpret_cast<const unsigned *>(&As[r][k0 + 2 * t]);
    af[1] = *reinterpret_cast<const unsigned *>(&As[r + 8][k0 + 2 * t]);
    af[2] = *reinterpret_cast<const unsigned *>(&As[r][k0 + 2 * t + 8]);
    af[3] = *reinterpret_cast<const unsigned *>(&As[r + 8][k0 + 2 * t + 8]);
#pragma unroll
    for (int nt = 0; nt < SK_BN / 8; nt++) {
      const unsigned b0 = *reinterpret_cast<const unsigned *>(&Bs[nt * 8 + g][k0 + 2 * t]);
      const unsigned b1 = *reinterpret_cast<const unsigned *>(&Bs[nt * 8 + g][k0 + 2 * t + 8]);
      mma16816(acc[nt], af, b0, b1);
    }
  }
  // c0, c1 at (row r, columns 2t, 2t + 1) of each 8-column tile, c2, c3 at row r + 8, into the f32 tile over the
  // staged operands (every warp done reading them first)
  __syncthreads();
#pragma unroll
  for (int nt = 0; nt < SK_BN / 8; nt++) {
#pragma unroll
    for (int h = 0; h < 2; h++) {
      Cs[r + 8 * h][nt * 8 + 2 * t] = alpha * acc[nt][2 * h];
      Cs[r + 8 * h][nt * 8 + 2 * t + 1] = alpha * acc[nt][2 * h + 1];
    }
  }
  __syncthreads();
  for (int i = tid; i < SK_BM * (SK_BN / SK_CVEC); i += SK_WARPS * 32) {
    const int tr = i / (SK_BN / SK_CVEC), tc = (i % (SK_BN / SK_CVEC)) * SK_CVEC;
    const int row = row0 + tr, col = col0 + tc;
    if (row >= m || col >= n) continue;
    const long long at = (long long)row * ldc + col;
    float v[SK_CVEC];
    if (col + SK_CVEC <= n && aligned16(c + at) && (beta == 0.f || aligned16(addend + at))) {
      float add[SK_CVEC];
      if (beta != 0.f) ld_vec(addend, at, add);
      else for (int e = 0; e < SK_CVEC; e++) add[e] = 0.f; // not read: C may hold NaN where beta = 0
#pragma unroll
      for (int e = 0; e < SK_CVEC; e++) v[e] = Cs[tr][tc + e] + (beta == 0.f ? 0.f : beta * add[e]);
      st_vec(c, at, v);
    } else {
      for (int e = 0; e < SK_CVEC && col + e < n; e++) st(c, at + e, Cs[tr][tc + e] + (beta == 0.f ? 0.f : beta * ld(addend, at + e)));
    }
  }
#else
  __trap();
#endif
}
