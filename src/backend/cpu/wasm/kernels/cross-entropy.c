// Cross-entropy over the vocabulary: softmax statistics per row and, in place, the logits' gradient.
#include "simd-math.h"

// Softmax statistics of `rows` rows of logits (rows, V) for cross-entropy against targets (rows), ignore
// index −100: stats (rows, 3) f64 receive max, Σ exp(x − max) and x[target] (z = 0 for an ignored row), so
// the host computes NLL = max + log z − x[target]. With grad != 0 the logits are overwritten by their
// gradient gradScale·(softmax − onehot) (zeros for ignored rows). The SIMD loops take 4 lanes; a tail of
// V mod 4 is done lane by lane. The max uses pmax (one x86 instruction; a NaN logit is skipped, as by the
// TypeScript kernel's `>`) on four accumulators; the sum adds CE_BLOCK exponentials (each ≤ 1) in float32
// lanes and each block's lanes in float64, instead of promoting every lane.
#define CE_BLOCK 256

static inline f32 row_max(const f32 *x, int V) {
  int V16 = V & ~15, v = 0;
  v128_t m0 = wasm_f32x4_splat(-3.402823e38f), m1 = m0, m2 = m0, m3 = m0;
  for (; v < V16; v += 16) {
    m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + v));
    m1 = wasm_f32x4_pmax(m1, wasm_v128_load(x + v + 4));
    m2 = wasm_f32x4_pmax(m2, wasm_v128_load(x + v + 8));
    m3 = wasm_f32x4_pmax(m3, wasm_v128_load(x + v + 12));
  }
  for (; v + 4 <= V; v += 4) m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + v));
  f32 max = hmax(wasm_f32x4_pmax(wasm_f32x4_pmax(m0, m1), wasm_f32x4_pmax(m2, m3)));
  for (; v < V; v++) if (x[v] > max) max = x[v];
  return max;
}

// Σ exp(x[v] − max) over v < V4 (a multiple of 4), storing the exponentials over x when `store`.
static inline f64 exp_sum(f32 *x, int V4, f32 max, int store) {
  v128_t m4 = wasm_f32x4_splat(max), z2 = wasm_f64x2_splat(0);
  for (int b = 0; b < V4; b += CE_BLOCK) {
    int end = b + CE_BLOCK < V4 ? b + CE_BLOCK : V4;
    v128_t s = wasm_f32x4_splat(0);
    if (store) {
      for (int v = b; v < end; v += 4) {
        v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(x + v), m4));
        wasm_v128_store(x + v, e);
        s = wasm_f32x4_add(s, e);
      }
    } else {
      for (int v = b; v < end; v += 4) s = wasm_f32x4_add(s, exp4(wasm_f32x4_sub(wasm_v128_load(x + v), m4)));
    }
    z2 = wasm_f64x2_add(z2, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(s), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(s, s, 2, 3, 0, 1))));
  }
  return hsum2(z2);
}

void cross_entropy(f32 *logits, const int *targets, int rows, int V, f64 *stats, int grad, f32 gradScale) {
  for (int t = 0; t < rows; t++) {
    f32 *x = logits + (long)t * V;
    int y = targets[t];
    if (y == -100) {
      stats[3 * t] = 0;
      stats[3 * t + 1] = 0;
      stats[3 * t + 2] = 0;
      if (grad) for (int v = 0; v < V; v++) x[v] = 0;
      continue;
    }
    int V4 = V & ~3;
    f32 max = row_max(x, V);
    f32 xy = x[y];
    f64 z = exp_sum(x, V4, max, grad);
    for (int v = V4; v < V; v++) {
      f32 e = wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(x[v] - max)), 0);
      if (grad) x[v] = e;
      z += e;
    }
    stats[3 * t] = max;
    stats[3 * t + 1] = z;
    stats[3 * t + 2] = xy;
    if (grad) {
      v128_t s = wasm_f32x4_splat((f32)(gradScale / z));
      for (int v = 0; v < V4; v += 4) wasm_v128_store(x + v, wasm_f32x4_mul(wasm_v128_load(x + v), s));
      for (int v = V4; v < V; v++) x[v] *= (f32)(gradScale / z);
      x[y] -= gradScale;
    }
  }
}
