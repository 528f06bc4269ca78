// Elementwise kernels and reductions over n store_t elements: add, axpy, scale, scale by a device scalar,
// fill, dropout (the CPU backend's counter-based hash, bit for bit), and Σx / Σx² in double: each block
// stores its partial sum, and convert.cu's finish_sum adds the partials in a fixed order into a scalar of
// the caller's dtype (no atomics: the same sum on every run).
#include "common.cuh"

extern "C" __global__ void add(store_t *out, const store_t *a, const store_t *b, long long n) {
  FOR_EACH(i, n) st(out, i, ld(a, i) + ld(b, i));
}

extern "C" __global__ void axpy(store_t *y, const store_t *x, real alpha, long long n) {
  FOR_EACH(i, n) st(y, i, ld(y, i) + alpha * ld(x, i));
}

extern "C" __global__ void scale(store_t *out, const store_t *x, real alpha, long long n) {
  FOR_EACH(i, n) st(out, i, alpha * ld(x, i));
}

/** out = alpha[0] · x: the clipping factor read on the device. */
extern "C" __global__ void scale_by_scalar(store_t *out, const store_t *x, const exact_t *alpha, long long n) {
  const real a = *alpha;
  FOR_EACH(i, n) st(out, i, a * ld(x, i));
}

extern "C" __global__ void fill(store_t *out, real value, long long n) {
  FOR_EACH(i, n) st(out, i, value);
}

/** murmur3's finaliser over (seed, index): uniformHash of src/backend/cpu/kernels/elementwise.ts as 32 bits. */
__device__ __forceinline__ unsigned int uniform_hash_bits(unsigned int seed, unsigned int index) {
  unsigned int h = ((index ^ 0x9e3779b9u) * 0x85ebca6bu) ^ (seed * 0xc2b2ae35u);
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/**
 * Inverted dropout: keep when hash ≥ threshold (= ceil(p · 2³²), so that hash / 2³² ≥ p exactly as on the
 * CPU); m = keep ? keep_scale : 0 (keep_scale = Math.fround(1/(1−p)) from the host); out = x · m (out may
 * alias x). No mask is stored: the model regenerates it in the backward from the seed.
 */
extern "C" __global__ void dropout(store_t *out, const store_t *x, unsigned long long threshold, float keep_scale,
    unsigned int seed, long long n) {
  FOR_EACH(i, n) {
    const real m = uniform_hash_bits(seed, (unsigned int)i) >= threshold ? (real)keep_scale : (real)0;
    st(out, i, ld(x, i) * m);
  }
}

/**
 * partials[block] = this block's share of Σ x[i] (squares = 0) or Σ x[i]² (squares = 1), in double; finish_sum adds
 * the partials in a fixed order, so a sum does not depend on the order the blocks ran in (atomics would).
 */
extern "C" __global__ void reduce_sum(double *partials, const store_t *x, long long n, int squares) {
  __shared__ double scratch[WARP];
  double s = 0.0;
  FOR_EACH(i, n) {
    const double v = ld(x, i);
    s += squares ? v * v : v;
  }
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
