// Shared by every kernel: the storage type (bf16 by default, float with -DSTORE_F32), loads and stores
// that compute in float, block-wide reductions, and the ignore index. Inlined into each .cu before NVRTC
// compiles it (kernel-source.ts), so the kernel cache key covers it.
#pragma once
#include <cuda_bf16.h>

#ifdef STORE_F32
typedef float store_t;
__device__ __forceinline__ float ld(const store_t *p, long long i) { return p[i]; }
__device__ __forceinline__ void st(store_t *p, long long i, float v) { p[i] = v; }
#else
typedef __nv_bfloat16 store_t;
__device__ __forceinline__ float ld(const store_t *p, long long i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void st(store_t *p, long long i, float v) { p[i] = __float2bfloat16_rn(v); }
#endif

#define IGNORE_INDEX (-100)
#define WARP 32
/** ±infinity without <math.h> (NVRTC has none). */
#define POS_INF (__int_as_float(0x7f800000))
#define NEG_INF (-POS_INF)

/** Grid-stride loop over [0, n). */
#define FOR_EACH(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = WARP / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ double warp_sum_d(double v) {
  for (int o = WARP / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = WARP / 2; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/**
 * Sum (or max) of `v` over the block, returned to every thread. blockDim.x must be a multiple of 32;
 * `scratch` holds 32 values in shared memory. Contains __syncthreads: every thread must call it.
 */
template <bool IS_MAX>
__device__ float block_reduce(float v, float *scratch) {
  const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
  v = IS_MAX ? warp_max(v) : warp_sum(v);
  __syncthreads(); // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float r = lane < warps ? scratch[lane] : (IS_MAX ? NEG_INF : 0.0f);
  return IS_MAX ? warp_max(r) : warp_sum(r);
}
__device__ __forceinline__ float block_sum(float v, float *scratch) { return block_reduce<false>(v, scratch); }
__device__ __forceinline__ float block_max(float v, float *scratch) { return block_reduce<true>(v, scratch); }

/** Double-precision block sum (for the norms), returned to thread 0 only; `scratch` holds 32 doubles. */
__device__ double block_sum_d(double v, double *scratch) {
  const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
  v = warp_sum_d(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  double r = lane < warps ? scratch[lane] : 0.0;
  return warp_sum_d(r);
}
