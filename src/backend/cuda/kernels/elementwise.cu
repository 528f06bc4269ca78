// Elementwise kernels and reductions over n store_t elements: add, axpy, scale, mul, fill, dropout (the
// CPU backend's counter-based hash, bit for bit), and sum / sum of squares accumulated in double into a
// device scalar (which the caller zeroes first: blocks add their partial sums atomically).
#include "common.cuh"

extern "C" __global__ void add(store_t *out, const store_t *a, const store_t *b, long long n) {
  FOR_EACH(i, n) st(out, i, ld(a, i) + ld(b, i));
}

extern "C" __global__ void axpy(store_t *y, const store_t *x, float alpha, long long n) {
  FOR_EACH(i, n) st(y, i, ld(y, i) + alpha * ld(x, i));
}

extern "C" __global__ void scale(store_t *out, const store_t *x, float alpha, long long n) {
  FOR_EACH(i, n) st(out, i, alpha * ld(x, i));
}

extern "C" __global__ void mul(store_t *out, const store_t *x, const store_t *y, long long n) {
  FOR_EACH(i, n) st(out, i, ld(x, i) * ld(y, i));
}

extern "C" __global__ void fill(store_t *out, float value, long long n) {
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
 * CPU); m = keep ? keep_scale : 0; out = x · m (out may alias x); mask (n) float = m unless mask is null
 * (the model passes null and regenerates the mask in the backward from the same seed).
 */
extern "C" __global__ void dropout(store_t *out, float *mask, const store_t *x, unsigned long long threshold, float keep_scale,
    unsigned int seed, long long n) {
  FOR_EACH(i, n) {
    const float m = uniform_hash_bits(seed, (unsigned int)i) >= threshold ? keep_scale : 0.0f;
    if (mask) mask[i] = m;
    st(out, i, ld(x, i) * m);
  }
}

/** *out += Σ x[i] (squares = 0) or Σ x[i]² (squares = 1), in double. */
extern "C" __global__ void reduce_sum(double *out, const store_t *x, long long n, int squares) {
  __shared__ double scratch[WARP];
  double acc = 0.0;
  FOR_EACH(i, n) {
    const double v = ld(x, i);
    acc += squares ? v * v : v;
  }
  acc = block_sum_d(acc, scratch);
  if (threadIdx.x == 0) atomicAdd(out, acc);
}
