// The helpers every kernel file shares: the scalar type names and four-lane e^x, max and float64 sum.
#ifndef SIMD_MATH_H
#define SIMD_MATH_H
#include <wasm_simd128.h>

typedef float f32;
typedef double f64;

// e^x for four lanes, float32 accuracy (≈1 ulp): x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of
// ln2), e^r by a degree-6 polynomial, 2^n built in the exponent bits. Inputs below −87.3 give 0, above
// 88.7 give +inf, as float32 exp does; NaN stays NaN. n is rounded by adding 1.5·2^23: the sum's low
// mantissa bits are then n (two's complement), and subtracting the constant gives n as a float — the same
// round-to-nearest-even as f32x4.nearest (the constant is even), so the same bits as before, without
// nearest's and trunc_sat's long x86 lowerings.
// pmin/pmax (one instruction each) clamp with the operand order that keeps a NaN; x at the upper clamp
// gets n = 128, whose exponent field is that of +inf.
static inline v128_t exp4(v128_t x) {
  const v128_t lo = wasm_f32x4_splat(-87.3365f), hi = wasm_f32x4_splat(88.7228f);
  const v128_t round = wasm_f32x4_splat(12582912.0f); // 1.5·2^23
  v128_t under = wasm_f32x4_lt(x, lo);
  __asm__("" : "+r"(under)); // keeps the mask opaque, so the end is one andnot (LLVM would make a 3-op bitselect)
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), round);
  v128_t n = wasm_f32x4_sub(t, round);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(t, wasm_i32x4_splat(127)), 23); // 2^n
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

#endif
