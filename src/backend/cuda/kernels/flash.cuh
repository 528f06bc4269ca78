// What the flash attention kernels share (attention_flash_forward.cu, attention_flash_backward.cu;
// MISTRAL_TUNE_CUDA_ATTENTION=flash, bf16 storage, head dims 64 and 128): the tile sizes, and ldmatrix and cp.async as
// device functions (each with the kernel emulator's stand-in under MT_HOST_EMULATOR; mma.sync is mma.cuh's).
// Layouts and visibility as attention.cu: q, out (B, T, Hq·D); k, v (B, K, Hkv·D); segments (B, K); lse
// (B, Hq, T); key j is visible from query i (key index a = q_offset + i) when segments[j] = segments[a] ≥ 0,
// j ≤ a and (window ≤ 0 or a − j < window); a query that sees no key gets out = 0 and lse = −inf.
// Fragment layouts: mma.cuh's (PTX ISA, mma.m16n8k16 .bf16). Fragments of tiles in shared memory come by ldmatrix.x4
// (row strides of D + 8 and 64 + 8 bf16: the 8 rows of each 8×8 matrix fall in distinct banks), .trans where B's k
// runs down the tile's rows (V, K in dQ, dO and Q in dK and dV) and for Pᵀ and dSᵀ as A.
// Interior tiles (FlashAttention-2's): most tiles of a causal, long-row call have every (query, key) pair visible — all but
// the diagonal ones, those at the window's edge and where packed samples' segments change. The kernels decide it once
// a tile for the whole block — by position (tile_visible, uniform), and by segments: each thread checks the segments it
// staged itself against the block's first query's (forward) or key's (backward) and the tile's barrier after the
// cp.async wait, __syncthreads_and, gives the block's AND — and skip the mask on those (no visibility test and no −inf
// select: the same operations on every element as the masked path's on a visible one, so the same bits). interior = 0
// (the host's MISTRAL_TUNE_CUDA_FLASH_INTERIOR=0: flash-attention.ts) masks every tile, to measure the difference.
// The f32 and f64 storage variants trap in these kernels: the host runs those calls on another path (flashFallback).
#pragma once
#include "common.cuh"
#include "mma.cuh"

#define FA_BQ 64
#define FA_BK 64
#define FA_WARPS 4

#if !defined(STORE_F32) && !defined(STORE_F64)

/**
 * Whether every key j0..j0+nk−1 is below K and visible by position from every query key index a0..a0+nq−1: causal
 * (the last key ≤ the first query's index) and inside the window (window ≤ 0: none) for the farthest pair. The
 * segments (and the queries' own bounds) are the caller's.
 */
__device__ __forceinline__ bool tile_visible(int a0, int nq, int j0, int nk, int K, int window) {
  return j0 + nk <= K && j0 + nk - 1 <= a0 && (window <= 0 || a0 + nq - 1 - j0 < window);
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
#endif
