// Shared by every kernel: the storage variant, loads and stores that compute in `real`, block-wide
// reductions, and the ignore index. Inlined into each .cu before NVRTC compiles it (kernel-source.ts), so
// the kernel cache key covers it. Three variants, one source:
//   default      store_t = bf16,   exact_t = float,  real (math and scalars) = float   (the bf16 path)
//   -DSTORE_F32  store_t = float,  exact_t = float,  real = float                      (the fp32 path)
//   -DSTORE_F64  store_t = double, exact_t = double, real = double                     (gradient checks)
// exact_t holds what is never rounded to 16 bits (rstd, lse, losses, dw, the embedding's dx, scalars).
#pragma once
#include <cuda_bf16.h>

#if defined(STORE_F64)
typedef double store_t;
typedef double exact_t;
typedef double real;
#elif defined(STORE_F32)
typedef float store_t;
typedef float exact_t;
typedef float real;
#else
typedef __nv_bfloat16 store_t;
typedef float exact_t;
typedef float real;
#endif

#ifdef STORE_F32
#define STORE_IS_NATIVE 1
#elif defined(STORE_F64)
#define STORE_IS_NATIVE 1
#endif

#ifdef STORE_IS_NATIVE
__device__ __forceinline__ real ld(const store_t *p, long long i) { return p[i]; }
__device__ __forceinline__ void st(store_t *p, long long i, real v) { p[i] = v; }
#else
__device__ __forceinline__ real ld(const store_t *p, long long i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void st(store_t *p, long long i, real v) { p[i] = __float2bfloat16_rn(v); }
#endif

// Math in the variant's precision: one overload per type, so the kernels are written once.
__device__ __forceinline__ float r_exp(float x) { return expf(x); }
__device__ __forceinline__ double r_exp(double x) { return exp(x); }
__device__ __forceinline__ float r_log(float x) { return logf(x); }
__device__ __forceinline__ double r_log(double x) { return log(x); }
__device__ __forceinline__ float r_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double r_sqrt(double x) { return sqrt(x); }
// One rounding per operation, never contracted into an FMA: where two code paths must agree to the bit (NVRTC
// may contract `a * b + c` differently in two inlined or unswitched copies of the same expression)
__device__ __forceinline__ float r_mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double r_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float r_add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double r_add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float r_sub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double r_sub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float r_div(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double r_div(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float r_max(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double r_max(double a, double b) { return fmax(a, b); }

#define IGNORE_INDEX (-100)
#define WARP 32
/** ±infinity without <math.h> (NVRTC has none). */
#define POS_INF ((real)__int_as_float(0x7f800000))
#define NEG_INF (-POS_INF)
/**
 * A quiet NaN without <math.h>: what attention gives a query that sees a key (each query of a segment sees its own)
 * but sums no positive weight, i.e. met a NaN score (fmaxf skips a NaN; its exponential is NaN) — never the zeros of
 * a padded query, which would hide a NaN in q or k.
 */
#define NOT_A_NUMBER ((real)__int_as_float(0x7fc00000))

/**
 * Whether query key index a of a row with segments `seg` sees its own key alone (a segment's first token; every token
 * under a window of 1): no key j < a inside the window holds its segment. Its softmax has one weight, exactly 1, so
 * torch's backward gives its scores exactly zero gradient; Σ_d dO·O (the row dot) rounds apart from the products' dP
 * and left q and k gradients of rounding noise there, which AdamW's g / (|g| + eps) turns into steps of up to lr.
 * The backward marks such a row's row dot alone_rowdot(); the score gradients read it as dS = 0 (alone_row).
 */
__device__ __forceinline__ bool query_alone(const int *seg, int a, int window) {
  const int s = seg[a], lo = window > 0 ? a - window + 1 : 0;
  if (s < 0) return false; // a padded query: P is 0 already
  for (int j = a - 1; j >= lo && j >= 0; j--) if (seg[j] == s) return false;
  return true;
}
/**
 * The mark of such a row's row dot: a quiet NaN of a payload of its own, only stored and copied (a NaN that arithmetic
 * makes, from a NaN in q, k, v or dO, is another one and stays NaN: its gradients are not zeroed).
 */
#define ALONE_BITS32 0x7fc0a10e
#define ALONE_BITS64 0x7ff8a10e00000000LL
__device__ __forceinline__ float alone_rowdot(float) { return __int_as_float(ALONE_BITS32); }
__device__ __forceinline__ double alone_rowdot(double) { return __longlong_as_double(ALONE_BITS64); }
/** Whether a row dot is alone_rowdot's mark: the row's score gradients are 0. */
__device__ __forceinline__ bool alone_row(float rowdot) { return __float_as_int(rowdot) == ALONE_BITS32; }
__device__ __forceinline__ bool alone_row(double rowdot) { return __double_as_longlong(rowdot) == ALONE_BITS64; }

/** Grid-stride loop over [0, n). */
#define FOR_EACH(i, n) FOR_EACH_FROM(i, 0, n)
/** Grid-stride loop over [start, n). */
#define FOR_EACH_FROM(i, start, n) \
  for (long long i = (start) + (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

// Vector access: VEC consecutive store_t in one 16-byte load or store (8 bf16), for the memory-bound kernels,
// where one 2-byte access per thread keeps too few bytes in flight to reach the memory's bandwidth. A kernel
// takes its vector path when its pointers are 16-byte aligned (aligned16) and handles the rest one by one.
#define VEC ((int)(16 / sizeof(store_t)))
__device__ __forceinline__ bool aligned16(const void *p) { return ((unsigned long long)p & 15ull) == 0; }
/** out[0, VEC) = p[i, i + VEC) in real; p + i 16-byte aligned. */
__device__ __forceinline__ void ld_vec(const store_t *p, long long i, real *out) {
  const uint4 raw = *reinterpret_cast<const uint4 *>(p + i);
  const store_t *e = reinterpret_cast<const store_t *>(&raw);
#pragma unroll
  for (int j = 0; j < VEC; j++) out[j] = ld(e, j);
}
/** p[i, i + VEC) = v[0, VEC) rounded as st rounds; p + i 16-byte aligned. */
__device__ __forceinline__ void st_vec(store_t *p, long long i, const real *v) {
  uint4 raw;
  store_t *e = reinterpret_cast<store_t *>(&raw);
#pragma unroll
  for (int j = 0; j < VEC; j++) st(e, j, v[j]);
  *reinterpret_cast<uint4 *>(p + i) = raw;
}
/** K (1 or VEC) elements: one access, scalar or vector. */
template <int K> __device__ __forceinline__ void ld_k(const store_t *p, long long i, real *out) {
  if constexpr (K == 1) out[0] = ld(p, i);
  else ld_vec(p, i, out);
}
template <int K> __device__ __forceinline__ void st_k(store_t *p, long long i, const real *v) {
  if constexpr (K == 1) st(p, i, v[0]);
  else st_vec(p, i, v);
}

template <bool IS_MAX, typename T>
__device__ __forceinline__ T warp_reduce(T v) {
  for (int o = WARP / 2; o > 0; o /= 2) {
    const T u = __shfl_xor_sync(0xffffffffu, v, o);
    v = IS_MAX ? r_max(v, u) : v + u;
  }
  return v;
}

/**
 * Sum (or max) of `v` over the block, returned to every thread. blockDim.x must be a multiple of 32;
 * `scratch` holds 32 values in shared memory. Contains __syncthreads: every thread must call it.
 */
template <bool IS_MAX, typename T>
__device__ T block_reduce(T v, T *scratch) {
  const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
  v = warp_reduce<IS_MAX>(v);
  __syncthreads(); // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const T r = lane < warps ? scratch[lane] : (IS_MAX ? (T)NEG_INF : (T)0);
  return warp_reduce<IS_MAX>(r);
}
template <typename T> __device__ __forceinline__ T block_sum(T v, T *scratch) { return block_reduce<false>(v, scratch); }
template <typename T> __device__ __forceinline__ T block_max(T v, T *scratch) { return block_reduce<true>(v, scratch); }
