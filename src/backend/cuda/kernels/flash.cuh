// What the flash attention kernels share (attention_flash_forward.cu, attention_flash_backward.cu;
// MISTRAL_TUNE_CUDA_ATTENTION=flash, bf16 storage, head dims 64 and 128): the tile sizes and the test of a fully
// visible tile (ldmatrix, cp.async and the two-float atomic are tile_io.cuh's, mma.sync is mma.cuh's).
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
#include "tile_io.cuh"

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

#endif
