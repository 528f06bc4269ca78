// SIMD kernels of the CPU backend, compiled to WebAssembly (wasm32 + simd128) by scripts/build-wasm.sh.
// The TypeScript kernels are the reference; test/backend/wasm.test.ts checks these against them.
// Memory: the module imports no memory of its own choosing: the host passes byte offsets into the
// module's exported linear memory, where it has copied the inputs.
#include <wasm_simd128.h>

typedef float f32;
typedef double f64;

// e^x for four lanes, float32 accuracy (≈1 ulp): x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of
// ln2), e^r by a degree-6 polynomial, 2^n built in the exponent bits. Inputs below −87 give 0.
static inline v128_t exp4(v128_t x) {
  const v128_t lo = wasm_f32x4_splat(-87.3365f);
  v128_t under = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_max(x, lo);
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, e), under);
}

static inline f32 hmax(v128_t v) {
  f32 a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1);
  f32 c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  f32 m = a > b ? a : b, k = c > d ? c : d;
  return m > k ? m : k;
}

static inline f64 hsum2(v128_t v) {
  return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1);
}

// Softmax statistics of `rows` rows of logits (rows, V) for cross-entropy against targets (rows), ignore
// index −100: stats (rows, 3) f64 receive max, Σ exp(x − max) and x[target] (z = 0 for an ignored row), so
// the host computes NLL = max + log z − x[target]. With grad != 0 the logits are overwritten by their
// gradient gradScale·(softmax − onehot) (zeros for ignored rows). The SIMD loop takes 4 lanes; a tail of
// V mod 4 is done lane by lane.
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
    v128_t mx = wasm_f32x4_splat(-3.402823e38f);
    for (int v = 0; v < V4; v += 4) mx = wasm_f32x4_max(mx, wasm_v128_load(x + v));
    f32 max = hmax(mx);
    for (int v = V4; v < V; v++) if (x[v] > max) max = x[v];
    f32 xy = x[y];
    v128_t m4 = wasm_f32x4_splat(max);
    v128_t z2 = wasm_f64x2_splat(0);
    f64 z = 0;
    if (grad) {
      for (int v = 0; v < V4; v += 4) {
        v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(x + v), m4));
        wasm_v128_store(x + v, e);
        z2 = wasm_f64x2_add(z2, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(e), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(e, e, 2, 3, 0, 1))));
      }
    } else {
      for (int v = 0; v < V4; v += 4) {
        v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(x + v), m4));
        z2 = wasm_f64x2_add(z2, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(e), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(e, e, 2, 3, 0, 1))));
      }
    }
    z = hsum2(z2);
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
