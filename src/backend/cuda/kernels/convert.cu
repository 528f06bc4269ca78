// Dtype conversions, independent of the storage variant: copy with conversion between f32, f64, bf16,
// f16 and i32 (rounding to nearest even when narrowing, as the host's f32ToBf16 does), and the sum of
// reduce_sum's double partials stored into a scalar of any float dtype. Type codes: DTYPE_CODE of kernel-table.ts.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
// block_sum, for finish_sum (the storage types it defines go unused here)
#include "common.cuh"

#define T_F32 0
#define T_F64 1
#define T_BF16 2
#define T_F16 3
#define T_I32 4

__device__ __forceinline__ double load_as_double(const void *p, int type, long long i) {
  switch (type) {
    case T_F32: return ((const float *)p)[i];
    case T_F64: return ((const double *)p)[i];
    case T_BF16: return __bfloat162float(((const __nv_bfloat16 *)p)[i]);
    case T_F16: return __half2float(((const __half *)p)[i]);
    default: return ((const int *)p)[i];
  }
}

/** Stores v (exactly representable in f32 unless type is f64 or i32) rounding to nearest even. */
__device__ __forceinline__ void store_from_double(void *p, int type, long long i, double v) {
  switch (type) {
    case T_F32: ((float *)p)[i] = (float)v; break;
    case T_F64: ((double *)p)[i] = v; break;
    case T_BF16: ((__nv_bfloat16 *)p)[i] = __float2bfloat16_rn((float)v); break;
    case T_F16: ((__half *)p)[i] = __float2half_rn((float)v); break;
    default: ((int *)p)[i] = (int)v; break;
  }
}

/**
 * dst[i] = src[i] converted, over n. An f64 source narrowing to bf16/f16 is rounded to f32 first (as the
 * host does: Float64Array → f32 → bf16). dst and src do not overlap unless they are the same buffer and type.
 */
extern "C" __global__ void convert(void *dst, int dst_type, const void *src, int src_type, long long n) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    store_from_double(dst, dst_type, i, load_as_double(src, src_type, i));
  }
}

/**
 * out[0] = Σ partials[0, count) (accumulate = 0) or out[0] += that sum (accumulate = 1), in out's float type: one
 * block, each thread adding its strided share in order and the block's tree after, the same order on every run.
 */
extern "C" __global__ void finish_sum(void *out, int out_type, const double *partials, int count, int accumulate) {
  __shared__ double scratch[WARP];
  if (blockIdx.x != 0) return;
  double s = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partials[i];
  s = block_sum(s, scratch);
  if (threadIdx.x != 0) return;
  store_from_double(out, out_type, 0, accumulate ? load_as_double(out, out_type, 0) + s : s);
}

/**
 * A split-K product's sum (gemm-splitk.ts): out (m rows of n, ldc apart, out_type) = alpha·Σ_s partials[s] + beta·addend
 * over `slices` packed m×n partial sums, added in order s = 0, 1, … in f32 and rounded once to out's type; the addend
 * (addend_type, out's layout; it may be out itself) is read only where beta ≠ 0.
 */
extern "C" __global__ void splitk_reduce(void *out, int out_type, const void *addend, int addend_type, const exact_t *partials,
                                         int slices, int m, int n, int ldc, float alpha, float beta) {
  const long long mn = (long long)m * n;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < mn; i += (long long)gridDim.x * blockDim.x) {
    float acc = 0.0f;
    for (int s = 0; s < slices; s++) acc = __fadd_rn(acc, (float)partials[s * mn + i]);
    float v = __fmul_rn(alpha, acc);
    const long long at = (i / n) * ldc + i % n;
    if (beta != 0.0f) v = __fadd_rn(v, __fmul_rn(beta, (float)load_as_double(addend, addend_type, at)));
    store_from_double(out, out_type, at, (double)v);
  }
}
