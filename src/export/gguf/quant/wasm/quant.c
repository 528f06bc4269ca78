// Q4_K, Q5_K, Q6_K and Q8_0 quantisers for WebAssembly (built into quant.wasm by scripts/build-quant-wasm.sh, loaded
// by wasm-quant.ts): ggml-quants.c's quantize_row_q4_K_ref and quantize_row_q5_K_ref (make_qkx2_quants), quantize_row_q6_K_ref
// (make_qx_quants, rmse_type 1) and quantize_row_q8_0_ref written anew, with the same float32 operations in the
// same order, so the bytes equal ggml's and the TypeScript quantisers' (q4-k.ts, q5-k.ts, q6-k.ts, q8-0.ts: the
// reference, which the tests compare).
//
// Speed: the sub-blocks of a super-block are independent, so the search runs four of them at a time, one per
// lane of an f32x4 (Q4_K, Q5_K: 8 sub-blocks of 32 in two vectors; Q6_K: 16 of 16 in four). Each lane does exactly
// the scalar code's operations in its order (IEEE float32 per lane; no fused multiply-add: -ffp-contract=off,
// no fast-math), and a branch of the C source becomes a per-lane select. The per-super-block scale packing
// is scalar, as in ggml.
//
// Interface: the caller writes up to CHUNK floats at quant_in(), calls quantize_q4_k(nb), _q5_k(nb) or _q6_k(nb)
// for nb super-blocks of 256 (quantize_q8_0(nb): nb blocks of 32), and reads the blocks at quant_out(). No
// allocation; the memory never grows.
#include <wasm_simd128.h>

typedef unsigned char u8;
typedef signed char i8;
typedef unsigned short u16;
typedef unsigned int u32;

#define QK 256
#define CHUNK (1 << 16) /* floats per call: 256 super-blocks */
#define GROUP_MAX_EPS 1e-15f

static float in_buf[CHUNK];
static u8 out_buf[CHUNK / 32 * 34]; /* the largest: Q8_0's 34 bytes per 32 (Q6_K: 210 per 256) */

float *quant_in(void) { return in_buf; }
u8 *quant_out(void) { return out_buf; }
int quant_chunk(void) { return CHUNK; }

static inline u32 bits_of(float f) { u32 u; __builtin_memcpy(&u, &f, 4); return u; }
static inline float from_bits(u32 u) { float f; __builtin_memcpy(&f, &u, 4); return f; }
static inline float fabs_(float f) { return from_bits(bits_of(f) & 0x7fffffffu); }

/* nearest_int: the low 23 bits of fval + 1.5·2^23 (no assert: as llama.cpp's release builds) */
static inline int nearest_int(float fval) {
  float val = fval + 12582912.f;
  return (int)(bits_of(val) & 0x007fffff) - 0x00400000;
}

/* nearest_int on four lanes */
static inline v128_t nearest_int4(v128_t f) {
  v128_t val = wasm_f32x4_add(f, wasm_f32x4_splat(12582912.f));
  return wasm_i32x4_sub(wasm_v128_and(val, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x00400000));
}

static inline v128_t clamp4(v128_t l, int lo, int hi) {
  return wasm_i32x4_max(wasm_i32x4_splat(lo), wasm_i32x4_min(wasm_i32x4_splat(hi), l));
}

/* a ? b : c per lane (a: a comparison's all-ones/all-zeros lanes) */
static inline v128_t sel(v128_t a, v128_t b, v128_t c) { return wasm_v128_bitselect(b, c, a); }

/* ggml_compute_fp32_to_fp16 (the portable one) */
static u16 fp32_to_fp16(float f) {
  float base = (fabs_(f) * 0x1.0p+112f) * 0x1.0p-110f;
  const u32 w = bits_of(f);
  const u32 shl1_w = w + w;
  const u32 sign = w & 0x80000000u;
  u32 bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = from_bits((bias >> 1) + 0x07800000u) + base;
  const u32 b = bits_of(base);
  const u32 nonsign = ((b >> 13) & 0x00007C00u) + (b & 0x00000FFFu);
  return (u16)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

/* ggml_compute_fp16_to_fp32 (the portable one) */
static float fp16_to_fp32(u16 h) {
  const u32 w = (u32)h << 16;
  const u32 sign = w & 0x80000000u;
  const u32 two_w = w + w;
  const float normalized = from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float denormalized = from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
  return from_bits(sign | (two_w < (1u << 27) ? bits_of(denormalized) : bits_of(normalized)));
}

/* ---------------------------------------------------------------- Q4_K and Q5_K */

/*
 * make_qkx2_quants(32, nmax, x, weights, L, &the_min, Laux, rmin, rdelta = 0.1, nstep, use_mad = false) (Q4_K:
 * nmax 15, rmin -1, nstep 20; Q5_K: 31, -0.5, 15) on the 8 sub-blocks of a super-block: X[i][g], W[i][g] hold element i of sub-blocks 4g … 4g + 3 (one per
 * lane); L[i][g] gets their levels (as floats); returns their scales in scale[g] and sets the_min[g]. The two
 * groups are independent chains of float adds, interleaved so that one's adds wait while the other's run.
 */
static inline void make_qkx2_quants8(const v128_t (*X)[2], const v128_t (*W)[2], v128_t (*L)[2], v128_t *scale, v128_t *the_min,
                                     int nmax, float rmin, int nstep) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  v128_t min[2], max[2], sum_w[2], sum_x[2], flat[2], flat_min[2], best_error[2], XM[32][2];
  for (int g = 0; g < 2; ++g) {
    min[g] = max[g] = X[0][g];
    sum_w[g] = W[0][g];
    sum_x[g] = wasm_f32x4_mul(sum_w[g], X[0][g]);
  }
  for (int i = 1; i < 32; ++i) {
    for (int g = 0; g < 2; ++g) {
      min[g] = sel(wasm_f32x4_lt(X[i][g], min[g]), X[i][g], min[g]);
      max[g] = sel(wasm_f32x4_gt(X[i][g], max[g]), X[i][g], max[g]);
      sum_w[g] = wasm_f32x4_add(sum_w[g], W[i][g]);
      sum_x[g] = wasm_f32x4_add(sum_x[g], wasm_f32x4_mul(W[i][g], X[i][g]));
    }
  }
  for (int g = 0; g < 2; ++g) {
    min[g] = sel(wasm_f32x4_gt(min[g], zero), zero, min[g]);
    flat[g] = wasm_f32x4_eq(max[g], min[g]); /* these lanes return at once: L = 0, scale 0, the_min = -min */
    flat_min[g] = min[g];
    const v128_t iscale = wasm_f32x4_div(wasm_f32x4_splat((float)nmax), wasm_f32x4_sub(max[g], min[g]));
    scale[g] = wasm_f32x4_div(wasm_f32x4_splat(1.f), iscale);
    best_error[g] = zero;
    for (int i = 0; i < 32; ++i) {
      XM[i][g] = wasm_f32x4_sub(X[i][g], min[g]);
      const v128_t l = wasm_f32x4_convert_i32x4(clamp4(nearest_int4(wasm_f32x4_mul(iscale, XM[i][g])), 0, nmax));
      L[i][g] = l;
      v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(scale[g], l), min[g]), X[i][g]);
      diff = wasm_f32x4_mul(diff, diff);
      best_error[g] = wasm_f32x4_add(best_error[g], wasm_f32x4_mul(W[i][g], diff));
    }
  }
  v128_t Laux[32][2];
  for (int is = 0; is <= nstep; ++is) {
    const float num = rmin + 0.1f * (float)is + (float)nmax; /* (rmin + rdelta*is + nmax), left to right */
    v128_t iscale[2], sum_l[2], sum_l2[2], sum_xl[2];
    for (int g = 0; g < 2; ++g) {
      iscale[g] = wasm_f32x4_div(wasm_f32x4_splat(num), wasm_f32x4_sub(max[g], min[g]));
      sum_l[g] = sum_l2[g] = sum_xl[g] = zero;
    }
    for (int i = 0; i < 32; ++i) {
      for (int g = 0; g < 2; ++g) {
        const v128_t l = wasm_f32x4_convert_i32x4(clamp4(nearest_int4(wasm_f32x4_mul(iscale[g], XM[i][g])), 0, nmax));
        Laux[i][g] = l;
        const v128_t wl = wasm_f32x4_mul(W[i][g], l);
        sum_l[g] = wasm_f32x4_add(sum_l[g], wl);
        sum_l2[g] = wasm_f32x4_add(sum_l2[g], wasm_f32x4_mul(wl, l));
        sum_xl[g] = wasm_f32x4_add(sum_xl[g], wasm_f32x4_mul(wl, X[i][g]));
      }
    }
    v128_t ok[2], this_scale[2], this_min[2], cur_error[2];
    for (int g = 0; g < 2; ++g) {
      const v128_t D = wasm_f32x4_sub(wasm_f32x4_mul(sum_w[g], sum_l2[g]), wasm_f32x4_mul(sum_l[g], sum_l[g]));
      ok[g] = wasm_f32x4_gt(D, zero);
      this_scale[g] = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_w[g], sum_xl[g]), wasm_f32x4_mul(sum_x[g], sum_l[g])), D);
      this_min[g] = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_l2[g], sum_x[g]), wasm_f32x4_mul(sum_l[g], sum_xl[g])), D);
      const v128_t pos = wasm_f32x4_gt(this_min[g], zero);
      this_min[g] = sel(pos, zero, this_min[g]);
      this_scale[g] = sel(pos, wasm_f32x4_div(sum_xl[g], sum_l2[g]), this_scale[g]);
      cur_error[g] = zero;
    }
    if (!wasm_v128_any_true(wasm_v128_or(ok[0], ok[1]))) continue;
    for (int i = 0; i < 32; ++i) {
      for (int g = 0; g < 2; ++g) {
        v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(this_scale[g], Laux[i][g]), this_min[g]), X[i][g]);
        diff = wasm_f32x4_mul(diff, diff);
        cur_error[g] = wasm_f32x4_add(cur_error[g], wasm_f32x4_mul(W[i][g], diff));
      }
    }
    for (int g = 0; g < 2; ++g) {
      const v128_t take = wasm_v128_and(ok[g], wasm_f32x4_lt(cur_error[g], best_error[g]));
      if (!wasm_v128_any_true(take)) continue;
      for (int i = 0; i < 32; ++i) L[i][g] = sel(take, Laux[i][g], L[i][g]);
      best_error[g] = sel(take, cur_error[g], best_error[g]);
      scale[g] = sel(take, this_scale[g], scale[g]);
      min[g] = sel(take, this_min[g], min[g]);
      for (int i = 0; i < 32; ++i) XM[i][g] = wasm_f32x4_sub(X[i][g], min[g]); /* the C source reads x[i] - min anew */
    }
  }
  for (int g = 0; g < 2; ++g) {
    for (int i = 0; i < 32; ++i) L[i][g] = sel(flat[g], zero, L[i][g]);
    the_min[g] = wasm_f32x4_neg(sel(flat[g], flat_min[g], min[g]));
    scale[g] = sel(flat[g], zero, scale[g]);
  }
}

/*
 * quantize_row_q4_K_ref / quantize_row_q5_K_ref of one super-block up to the quants' packing: d, dmin and
 * scales[12] into y[0 … 16), each value's level (0 … nmax) into L.
 */
static inline void k_scales_block(const float *x, u8 *y, u8 *L, int nmax, float rmin, int nstep) {
  v128_t X[32][2], W[32][2], Lv[32][2], scale[2], the_min[2];
  float scales[8], mins[8];
  for (int g = 0; g < 2; ++g) { /* sub-blocks 4g … 4g + 3, one per lane */
    const float *x0 = x + 128 * g;
    v128_t sum_x2 = wasm_f32x4_splat(0.f);
    for (int l = 0; l < 32; ++l) {
      X[l][g] = wasm_f32x4_make(x0[l], x0[32 + l], x0[64 + l], x0[96 + l]);
      sum_x2 = wasm_f32x4_add(sum_x2, wasm_f32x4_mul(X[l][g], X[l][g]));
    }
    v128_t av_x = wasm_f32x4_sqrt(wasm_f32x4_div(sum_x2, wasm_f32x4_splat(32.f)));
    for (int l = 0; l < 32; ++l) W[l][g] = wasm_f32x4_add(av_x, wasm_f32x4_abs(X[l][g]));
  }
  make_qkx2_quants8(X, W, Lv, scale, the_min, nmax, rmin, nstep);
  for (int g = 0; g < 2; ++g) {
    wasm_v128_store(scales + 4 * g, scale[g]);
    wasm_v128_store(mins + 4 * g, the_min[g]);
    for (int l = 0; l < 32; ++l) {
      const v128_t li = wasm_i32x4_trunc_sat_f32x4(Lv[l][g]); /* 0 … nmax, exact */
      L[128 * g + l] = (u8)wasm_i32x4_extract_lane(li, 0);
      L[128 * g + 32 + l] = (u8)wasm_i32x4_extract_lane(li, 1);
      L[128 * g + 64 + l] = (u8)wasm_i32x4_extract_lane(li, 2);
      L[128 * g + 96 + l] = (u8)wasm_i32x4_extract_lane(li, 3);
    }
  }
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  u8 *sc = y + 4;
  for (int j = 0; j < 12; ++j) sc[j] = 0;
  for (int j = 0; j < 8; ++j) {
    u8 ls = (u8)nearest_int(inv_scale * scales[j]);
    u8 lm = (u8)nearest_int(inv_min * mins[j]);
    ls = ls < 63 ? ls : 63;
    lm = lm < 63 ? lm : 63;
    if (j < 4) {
      sc[j] = ls;
      sc[j + 4] = lm;
    } else {
      sc[j + 4] = (u8)((ls & 0xF) | ((lm & 0xF) << 4));
      sc[j - 4] |= (u8)((ls >> 4) << 6);
      sc[j] |= (u8)((lm >> 4) << 6);
    }
  }
  const u16 d16 = fp32_to_fp16(max_scale / 63.f), dmin16 = fp32_to_fp16(max_min / 63.f);
  y[0] = (u8)d16; y[1] = (u8)(d16 >> 8);
  y[2] = (u8)dmin16; y[3] = (u8)(dmin16 >> 8);
  const float d_all = fp16_to_fp32(d16), dmin_all = fp16_to_fp32(dmin16);
  for (int j = 0; j < 8; ++j) {
    /* get_scale_min_k4 */
    const u8 s = j < 4 ? sc[j] & 63 : (u8)((sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4));
    const u8 m = j < 4 ? sc[j + 4] & 63 : (u8)((sc[j + 4] >> 4) | ((sc[j] >> 6) << 4));
    const float d = d_all * s;
    if (!d) continue;
    const v128_t dv = wasm_f32x4_splat(d), dm = wasm_f32x4_splat(dmin_all * m);
    for (int ii = 0; ii < 32; ii += 4) {
      v128_t l = clamp4(nearest_int4(wasm_f32x4_div(wasm_f32x4_add(wasm_v128_load(x + 32 * j + ii), dm), dv)), 0, nmax);
      L[32 * j + ii] = (u8)wasm_i32x4_extract_lane(l, 0);
      L[32 * j + ii + 1] = (u8)wasm_i32x4_extract_lane(l, 1);
      L[32 * j + ii + 2] = (u8)wasm_i32x4_extract_lane(l, 2);
      L[32 * j + ii + 3] = (u8)wasm_i32x4_extract_lane(l, 3);
    }
  }
}

/* quantize_row_q4_K_ref of one super-block: 144 bytes (d, dmin, scales[12], qs[128]) */
static void q4_k_block(const float *x, u8 *y) {
  u8 L[QK];
  k_scales_block(x, y, L, 15, -1.f, 20);
  u8 *q = y + 16;
  for (int j = 0; j < QK; j += 64) {
    for (int l = 0; l < 32; ++l) q[l] = (u8)(L[j + l] | (L[j + l + 32] << 4));
    q += 32;
  }
}

void quantize_q4_k(int nb) {
  for (int i = 0; i < nb; ++i) q4_k_block(in_buf + QK * i, out_buf + 144 * i);
}

/* quantize_row_q5_K_ref of one super-block: 176 bytes (d, dmin, scales[12], qh[32], qs[128]) */
static void q5_k_block(const float *x, u8 *y) {
  u8 L[QK];
  k_scales_block(x, y, L, 31, -0.5f, 15);
  u8 *qh = y + 16, *q = y + 48;
  for (int j = 0; j < 32; ++j) qh[j] = 0;
  u8 m1 = 1, m2 = 2;
  for (int n = 0; n < QK; n += 64) {
    for (int j = 0; j < 32; ++j) {
      int l1 = L[n + j], l2 = L[n + j + 32];
      if (l1 > 15) { l1 -= 16; qh[j] |= m1; }
      if (l2 > 15) { l2 -= 16; qh[j] |= m2; }
      q[j] = (u8)(l1 | (l2 << 4));
    }
    m1 <<= 2; m2 <<= 2;
    q += 32;
  }
}

void quantize_q5_k(int nb) {
  for (int i = 0; i < nb; ++i) q5_k_block(in_buf + QK * i, out_buf + 176 * i);
}

/* ---------------------------------------------------------------- Q6_K */

/*
 * make_qx_quants(16, 32, x, L, rmse_type = 1, qw = NULL) on four sub-blocks: X[i] holds element i of each
 * (one per lane); L[i] gets level + 32; returns the scales.
 */
static v128_t make_qx_quants4(const v128_t *X, v128_t *L) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  v128_t max = zero, amax = zero;
  for (int i = 0; i < 16; ++i) {
    v128_t ax = wasm_f32x4_abs(X[i]);
    v128_t gt = wasm_f32x4_gt(ax, amax);
    amax = sel(gt, ax, amax);
    max = sel(gt, X[i], max);
  }
  const v128_t small = wasm_f32x4_lt(amax, wasm_f32x4_splat(GROUP_MAX_EPS)); /* all zero: L = 0, scale 0 */
  v128_t W[16], WX[16];
  for (int i = 0; i < 16; ++i) {
    W[i] = wasm_f32x4_mul(X[i], X[i]);
    WX[i] = wasm_f32x4_mul(W[i], X[i]);
  }
  v128_t iscale = wasm_f32x4_div(wasm_f32x4_splat(-32.f), max);
  v128_t sumlx = zero, suml2 = zero;
  for (int i = 0; i < 16; ++i) {
    v128_t l = clamp4(nearest_int4(wasm_f32x4_mul(iscale, X[i])), -32, 31);
    L[i] = wasm_i32x4_add(l, wasm_i32x4_splat(32));
    v128_t fl = wasm_f32x4_convert_i32x4(l);
    sumlx = wasm_f32x4_add(sumlx, wasm_f32x4_mul(WX[i], fl));
    suml2 = wasm_f32x4_add(suml2, wasm_f32x4_mul(wasm_f32x4_mul(W[i], fl), fl));
  }
  v128_t scale = sel(wasm_f32x4_ne(suml2, zero), wasm_f32x4_div(sumlx, suml2), zero);
  v128_t best = wasm_f32x4_mul(scale, sumlx);
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = wasm_f32x4_div(wasm_f32x4_splat(-(32.f + 0.1f * (float)is)), max);
    v128_t Lt[16];
    sumlx = suml2 = zero;
    for (int i = 0; i < 16; ++i) {
      v128_t l = clamp4(nearest_int4(wasm_f32x4_mul(iscale, X[i])), -32, 31);
      Lt[i] = l;
      v128_t fl = wasm_f32x4_convert_i32x4(l);
      sumlx = wasm_f32x4_add(sumlx, wasm_f32x4_mul(WX[i], fl));
      suml2 = wasm_f32x4_add(suml2, wasm_f32x4_mul(wasm_f32x4_mul(W[i], fl), fl));
    }
    v128_t take = wasm_v128_and(wasm_f32x4_gt(suml2, zero), wasm_f32x4_gt(wasm_f32x4_mul(sumlx, sumlx), wasm_f32x4_mul(best, suml2)));
    if (!wasm_v128_any_true(take)) continue;
    for (int i = 0; i < 16; ++i) L[i] = sel(take, wasm_i32x4_add(Lt[i], wasm_i32x4_splat(32)), L[i]);
    scale = sel(take, wasm_f32x4_div(sumlx, suml2), scale);
    best = sel(take, wasm_f32x4_mul(scale, sumlx), best);
  }
  for (int i = 0; i < 16; ++i) L[i] = sel(small, wasm_i32x4_splat(0), L[i]);
  return sel(small, zero, scale);
}

/* quantize_row_q6_K_ref of one super-block: 210 bytes (ql[128], qh[64], scales[16], d) */
static void q6_k_block(const float *x, u8 *y) {
  v128_t X[16], Lv[16];
  float scales[16];
  i8 L[QK];
  for (int g = 0; g < 4; ++g) { /* sub-blocks 4g … 4g + 3, one per lane */
    const float *x0 = x + 64 * g;
    for (int i = 0; i < 16; ++i) X[i] = wasm_f32x4_make(x0[i], x0[16 + i], x0[32 + i], x0[48 + i]);
    wasm_v128_store(scales + 4 * g, make_qx_quants4(X, Lv));
    for (int i = 0; i < 16; ++i) {
      L[64 * g + i] = (i8)wasm_i32x4_extract_lane(Lv[i], 0);
      L[64 * g + 16 + i] = (i8)wasm_i32x4_extract_lane(Lv[i], 1);
      L[64 * g + 32 + i] = (i8)wasm_i32x4_extract_lane(Lv[i], 2);
      L[64 * g + 48 + i] = (i8)wasm_i32x4_extract_lane(Lv[i], 3);
    }
  }
  float max_scale = 0, max_abs_scale = 0;
  for (int ib = 0; ib < 16; ++ib) {
    const float abs_scale = fabs_(scales[ib]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[ib];
    }
  }
  for (int k = 0; k < 210; ++k) y[k] = 0;
  if (max_abs_scale < GROUP_MAX_EPS) return; /* d = fp16(0) = 0: all bytes zero */
  const float iscale = -128.f / max_scale;
  const u16 d16 = fp32_to_fp16(1 / iscale);
  y[208] = (u8)d16; y[209] = (u8)(d16 >> 8);
  i8 *sc = (i8 *)(y + 192);
  for (int ib = 0; ib < 16; ++ib) {
    const int l = nearest_int(iscale * scales[ib]);
    sc[ib] = (i8)(l < 127 ? l : 127);
  }
  const float d_all = fp16_to_fp32(d16);
  for (int j = 0; j < 16; ++j) {
    const float d = d_all * sc[j];
    if (!d) continue;
    const v128_t dv = wasm_f32x4_splat(d);
    for (int ii = 0; ii < 16; ii += 4) {
      v128_t l = wasm_i32x4_add(clamp4(nearest_int4(wasm_f32x4_div(wasm_v128_load(x + 16 * j + ii), dv)), -32, 31), wasm_i32x4_splat(32));
      L[16 * j + ii] = (i8)wasm_i32x4_extract_lane(l, 0);
      L[16 * j + ii + 1] = (i8)wasm_i32x4_extract_lane(l, 1);
      L[16 * j + ii + 2] = (i8)wasm_i32x4_extract_lane(l, 2);
      L[16 * j + ii + 3] = (i8)wasm_i32x4_extract_lane(l, 3);
    }
  }
  u8 *ql = y, *qh = y + 128;
  for (int j = 0; j < QK; j += 128) {
    for (int l = 0; l < 32; ++l) {
      const u8 q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
      ql[l] = (u8)(q1 | (q3 << 4));
      ql[l + 32] = (u8)(q2 | (q4 << 4));
      qh[l] = (u8)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
    }
    ql += 64;
    qh += 32;
  }
}

void quantize_q6_k(int nb) {
  for (int i = 0; i < nb; ++i) q6_k_block(in_buf + QK * i, out_buf + 210 * i);
}

/* ---------------------------------------------------------------- Q8_0 */

/* roundf (half away from zero) on four lanes: x − trunc(x) is exact */
static inline v128_t roundf4(v128_t x) {
  const v128_t t = wasm_f32x4_trunc(x);
  const v128_t up = wasm_f32x4_ge(wasm_f32x4_abs(wasm_f32x4_sub(x, t)), wasm_f32x4_splat(0.5f));
  const v128_t one = wasm_v128_or(wasm_f32x4_splat(1.f), wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000))); /* ±1 as x's sign */
  return wasm_f32x4_add(t, wasm_v128_and(up, one));
}

/* (int)f as x86-64 compilers emit it (cvttss2si: INT_MIN out of range or NaN), on four lanes */
static inline v128_t cvtt4(v128_t f) {
  const v128_t in = wasm_v128_and(wasm_f32x4_gt(f, wasm_f32x4_splat(-2147483904.f)), wasm_f32x4_lt(f, wasm_f32x4_splat(2147483648.f)));
  return sel(in, wasm_i32x4_trunc_sat_f32x4(f), wasm_i32x4_splat((int)0x80000000));
}

/* quantize_row_q8_0_ref of one block of 32: 34 bytes (d, qs[32]) */
static void q8_0_block(const float *x, u8 *y) {
  float amax = 0.0f;
  for (int j = 0; j < 32; j++) {
    const float a = fabs_(x[j]);
    amax = amax > a ? amax : a; /* MAX(amax, fabsf(v)) */
  }
  const float d = amax / 127;
  const float id = d ? 1.0f / d : 0.0f;
  const u16 d16 = fp32_to_fp16(d);
  y[0] = (u8)d16; y[1] = (u8)(d16 >> 8);
  const v128_t idv = wasm_f32x4_splat(id);
  for (int j = 0; j < 32; j += 4) {
    const v128_t q = cvtt4(roundf4(wasm_f32x4_mul(wasm_v128_load(x + j), idv))); /* (int8_t)roundf(x·id): the low byte */
    y[2 + j] = (u8)wasm_i32x4_extract_lane(q, 0);
    y[3 + j] = (u8)wasm_i32x4_extract_lane(q, 1);
    y[4 + j] = (u8)wasm_i32x4_extract_lane(q, 2);
    y[5 + j] = (u8)wasm_i32x4_extract_lane(q, 3);
  }
}

void quantize_q8_0(int nb) {
  for (int i = 0; i < nb; ++i) q8_0_block(in_buf + 32 * i, out_buf + 34 * i);
}
