// SwiGLU's elementwise forward and backward.
#include "simd-math.h"

// ---- SwiGLU ----
static inline v128_t sigmoid4(v128_t g) {
  v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(g))));
}

// out (n) = silu(gate) · up.
void swiglu_forward(f32 *out, const f32 *gate, const f32 *up, int n) {
  int n4 = n & ~3;
  for (int i = 0; i < n4; i += 4) {
    v128_t g = wasm_v128_load(gate + i);
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(g, sigmoid4(g)), wasm_v128_load(up + i)));
  }
  for (int i = n4; i < n; i++) {
    f32 s = wasm_f32x4_extract_lane(sigmoid4(wasm_f32x4_splat(gate[i])), 0);
    out[i] = gate[i] * s * up[i];
  }
}

// dgate, dup (n) from dout (n): dup = dout·silu(g), dgate = dout·up·s·(1 + g·(1 − s)). dgate may be gate and
// dup may be up (the backward writes over its inputs).
void swiglu_backward(f32 *dgate, f32 *dup, const f32 *dout, const f32 *gate, const f32 *up, int n) {
  int n4 = n & ~3;
  v128_t one = wasm_f32x4_splat(1.0f);
  for (int i = 0; i < n4; i += 4) {
    v128_t g = wasm_v128_load(gate + i), d = wasm_v128_load(dout + i), u = wasm_v128_load(up + i);
    v128_t s = sigmoid4(g);
    wasm_v128_store(dup + i, wasm_f32x4_mul(d, wasm_f32x4_mul(g, s)));
    v128_t ds = wasm_f32x4_mul(s, wasm_f32x4_add(one, wasm_f32x4_mul(g, wasm_f32x4_sub(one, s))));
    wasm_v128_store(dgate + i, wasm_f32x4_mul(wasm_f32x4_mul(d, u), ds));
  }
  for (int i = n4; i < n; i++) { // every input read before either output is written: they may alias
    f32 g = gate[i], u = up[i], d = dout[i];
    f32 s = wasm_f32x4_extract_lane(sigmoid4(wasm_f32x4_splat(g)), 0);
    dup[i] = d * g * s;
    dgate[i] = d * u * s * (1.0f + g * (1.0f - s));
  }
}
