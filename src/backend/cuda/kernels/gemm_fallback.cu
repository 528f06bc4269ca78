// A GEMM of our own for the products cuBLASLt has no algorithm for (its heuristic returned none, or "not
// supported": an operand's alignment, leading dimension or type mix that no kernel of the library takes). Simple
// and slow, on CUDA cores, but right for every layout Backend.gemm allows:
//   C (m×n, row stride ldc) = alpha·op(A)·op(B) + beta·addend
// op(A) is m×k (A stored m×k, or k×m when transA, row stride lda), op(B) k×n (stored k×n, or n×k when transB);
// batch entries strideA/B/C elements apart (0: the same matrix for every entry); the addend has C's layout (C
// itself when in place) and is not read when beta = 0 (it may hold anything, as cuBLASLt's C may then).
// Products are summed in `real` (f32; f64 in the f64 variant) in k order, and C is rounded once.
// One block of 16×16 threads per 16×16 tile of C: tiles along blockIdx.x (row tile · column tiles + column tile),
// batch entries along blockIdx.z with a stride loop past gridDim.z; 16-wide slices of op(A) and op(B) come
// through shared memory, each loaded along the operand's rows (the fast thread index walks contiguous memory).
// launch.ts's gemmFallback sizes the grid.
#include "common.cuh"

#define GF_TILE 16

/** p[i] in real: a store_t buffer through ld (bf16 widened), an exact_t one as is. */
template <bool STORE, typename T>
__device__ __forceinline__ real gf_load(const T *p, long long i) {
  if constexpr (STORE) return ld(reinterpret_cast<const store_t *>(p), i);
  else return (real)p[i];
}

template <bool STORE, typename T>
__device__ __forceinline__ void gf_store(T *p, long long i, real v) {
  if constexpr (STORE) st(reinterpret_cast<store_t *>(p), i, v);
  else p[i] = (T)v;
}

/**
 * tile[i][j] = op(X)(i0 + i, j0 + j) for the 16×16 tile of op(X) (rows × cols) at (i0, j0), zeros outside: X is
 * stored as op(X) (row stride ldx), or as its transpose when `trans`. Thread (x, y) loads along X's rows (x walks
 * the contiguous dimension) and stores where that element of op(X) goes.
 */
__device__ __forceinline__ void gf_tile(real tile[GF_TILE][GF_TILE + 1], const store_t *X, int ldx, int trans, int i0, int j0, int rows, int cols) {
  const int x = threadIdx.x, y = threadIdx.y;
  const int i = i0 + (trans ? x : y), j = j0 + (trans ? y : x);
  const real v = i < rows && j < cols ? ld(X, trans ? (long long)j * ldx + i : (long long)i * ldx + j) : (real)0;
  if (trans) tile[x][y] = v;
  else tile[y][x] = v;
}

template <bool STORE, typename out_t>
__device__ __forceinline__ void gemm_fallback_tile(out_t *c, const out_t *addend, const store_t *a, const store_t *b, int m, int n, int k,
    int transA, int transB, int lda, int ldb, int ldc, long long strideA, long long strideB, long long strideC, int batch, real alpha, real beta) {
  __shared__ real As[GF_TILE][GF_TILE + 1]; // As[r][kk] = op(A)(row0 + r, k0 + kk)
  __shared__ real Bs[GF_TILE][GF_TILE + 1]; // Bs[kk][q] = op(B)(k0 + kk, col0 + q)
  const int x = threadIdx.x, y = threadIdx.y;
  const int colTiles = (n + GF_TILE - 1) / GF_TILE;
  const int row0 = (blockIdx.x / colTiles) * GF_TILE, col0 = (blockIdx.x % colTiles) * GF_TILE;
  const int i = row0 + y, j = col0 + x;
  for (int bt = blockIdx.z; bt < batch; bt += gridDim.z) {
    const store_t *A = a + bt * strideA, *B = b + bt * strideB;
    real acc = 0;
    for (int k0 = 0; k0 < k; k0 += GF_TILE) {
      gf_tile(As, A, lda, transA, row0, k0, m, k);
      gf_tile(Bs, B, ldb, transB, k0, col0, k, n);
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < GF_TILE; kk++) acc += As[y][kk] * Bs[kk][x];
      __syncthreads(); // the slices are read before the next are loaded
    }
    if (i < m && j < n) {
      const long long at = bt * strideC + (long long)i * ldc + j;
      real v = alpha * acc;
      if (beta != (real)0) v += beta * gf_load<STORE>(addend, at);
      gf_store<STORE>(c, at, v);
    }
  }
}

/** C in the storage type (bf16, f32 or f64 by variant). */
extern "C" __global__ void gemm_fallback(store_t *c, const store_t *addend, const store_t *a, const store_t *b, int m, int n, int k,
    int transA, int transB, int lda, int ldb, int ldc, long long strideA, long long strideB, long long strideC, int batch, real alpha, real beta) {
  gemm_fallback_tile<true>(c, addend, a, b, m, n, k, transA, transB, lda, ldb, ldc, strideA, strideB, strideC, batch, alpha, beta);
}

/** C in f32 from bf16 operands (f32 and f64 in their variants, where it is gemm_fallback). */
extern "C" __global__ void gemm_fallback_exact(exact_t *c, const exact_t *addend, const store_t *a, const store_t *b, int m, int n, int k,
    int transA, int transB, int lda, int ldb, int ldc, long long strideA, long long strideB, long long strideC, int batch, real alpha, real beta) {
  gemm_fallback_tile<false>(c, addend, a, b, m, n, k, transA, transB, lda, ldb, ldc, strideA, strideB, strideC, batch, alpha, beta);
}
