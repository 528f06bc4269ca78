// Attention's masked softmax, its backward's probabilities and score gradient, and the packing of its operands.
#include "simd-math.h"

// ---- attention softmax ----
// Scores S (T, K) of a block (query heads × queries of one batch row): score row i is row r0 + i of the
// block, the query at key index a = off + (r0 + i) mod period, and sees key j when seg[j] == seg[a] >= 0,
// j <= a and (window < 0 or a − j < window).

static inline int first_key(int a, int window) {
  int lo = window < 0 ? 0 : a - window + 1;
  return lo < 0 ? 0 : lo;
}

// Lanes of keys [j, j+4) in segment si.
static inline v128_t visible4(const int *seg, int j, int si) {
  return wasm_i32x4_eq(wasm_v128_load(seg + j), wasm_i32x4_splat(si));
}

// In place, S becomes the probabilities (0 where masked); stats (T, 2) f64 receive each row's max and
// Σ exp(s − max) over the visible keys (z = 0 for a query that sees no key: its row is all 0), so the
// host computes lse = max + log z.
void masked_softmax(f32 *S, f64 *stats, const int *seg, int T, int K, int off, int window, int r0, int period) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  for (int i = 0; i < T; i++) {
    f32 *row = S + (long)i * K;
    int a = off + (r0 + i) % period, si = seg[a], lo = first_key(a, window), hi = a + 1; // keys [lo, hi)
    f32 max = -__builtin_inff();
    if (si >= 0) {
      int j = lo;
      v128_t mx = ninf;
      for (; j + 4 <= hi; j += 4) mx = wasm_f32x4_pmax(mx, wasm_v128_bitselect(wasm_v128_load(row + j), ninf, visible4(seg, j, si)));
      max = hmax(mx);
      for (; j < hi; j++) if (seg[j] == si && row[j] > max) max = row[j];
    }
    // a query that sees its own key (si ≥ 0) without a maximum has only NaN scores (pmax and > skip a NaN): NaN out, as
    // from a plain softmax (a NaN score among finite ones does so through the exponentials); else a padded query
    if (si >= 0 && max == -__builtin_inff()) max = __builtin_nanf("");
    stats[2 * i] = max;
    stats[2 * i + 1] = 0;
    if (max == -__builtin_inff()) {
      for (int q = 0; q < K; q++) row[q] = 0;
      continue;
    }
    v128_t m4 = wasm_f32x4_splat(max), z2 = wasm_f64x2_splat(0);
    int j = lo;
    for (; j + 4 <= hi; j += 4) {
      v128_t e = wasm_v128_and(exp4(wasm_f32x4_sub(wasm_v128_load(row + j), m4)), visible4(seg, j, si));
      wasm_v128_store(row + j, e);
      z2 = wasm_f64x2_add(z2, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(e), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(e, e, 2, 3, 0, 1))));
    }
    f64 z = hsum2(z2);
    for (; j < hi; j++) {
      f32 e = seg[j] == si ? wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(row[j] - max)), 0) : 0;
      row[j] = e;
      z += e;
    }
    for (int q = 0; q < lo; q++) row[q] = 0;
    for (int q = hi; q < K; q++) row[q] = 0;
    f32 inv = (f32)(1.0 / z);
    v128_t inv4 = wasm_f32x4_splat(inv);
    for (j = lo; j + 4 <= hi; j += 4) wasm_v128_store(row + j, wasm_f32x4_mul(wasm_v128_load(row + j), inv4));
    for (; j < hi; j++) row[j] *= inv;
    stats[2 * i + 1] = z;
  }
}

// The backward's probabilities for T score rows over K keys (a causal block of a training row), rows
// numbered as masked_softmax's: in place over the scores S (T, K), P = exp(S − lse) where visible, else 0.
void probs_from_lse(f32 *S, const f32 *lse, const int *seg, int T, int K, int off, int window, int r0, int period) {
  for (int i = 0; i < T; i++) {
    f32 *row = S + (long)i * K;
    int a = off + (r0 + i) % period, si = seg[a], lo = first_key(a, window), hi = a + 1;
    f32 l = lse[i];
    if (si < 0 || l == -__builtin_inff()) {
      for (int q = 0; q < K; q++) row[q] = 0;
      continue;
    }
    v128_t l4 = wasm_f32x4_splat(l);
    int j = lo;
    for (; j + 4 <= hi; j += 4) {
      wasm_v128_store(row + j, wasm_v128_and(exp4(wasm_f32x4_sub(wasm_v128_load(row + j), l4)), visible4(seg, j, si)));
    }
    for (; j < hi; j++) row[j] = seg[j] == si ? wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(row[j] - l)), 0) : 0;
    for (int q = 0; q < lo; q++) row[q] = 0;
    for (int q = hi; q < K; q++) row[q] = 0;
  }
}

// dS (T, K) = P ∘ (dP − rowDot), in place over dP.
void attn_dscores(f32 *dS, const f32 *P, const f32 *rowDot, int T, int K) {
  for (int i = 0; i < T; i++) {
    f32 *d = dS + (long)i * K;
    const f32 *p = P + (long)i * K;
    v128_t r = wasm_f32x4_splat(rowDot[i]);
    int j = 0;
    for (; j + 4 <= K; j += 4) wasm_v128_store(d + j, wasm_f32x4_mul(wasm_v128_load(p + j), wasm_f32x4_sub(wasm_v128_load(d + j), r)));
    for (; j < K; j++) d[j] = p[j] * (d[j] - rowDot[i]);
  }
}

// The packed operands of an attention block: the vectors of D floats of `heads` query heads × `rows`
// queries, at x + i·ld + j·D in the (tokens, heads·D) layout and at p + (j·rows + i)·D packed head-major.
// toPacked: x → p, else p → x.
__attribute__((export_name("attn_pack")))
void attn_pack(f32 *p, f32 *x, int heads, int rows, int D, int ld, int toPacked) {
  for (int j = 0; j < heads; j++) {
    for (int i = 0; i < rows; i++) {
      f32 *a = x + (long)i * ld + (long)j * D, *b = p + ((long)j * rows + i) * D;
      if (toPacked) for (int d = 0; d < D; d++) b[d] = a[d];
      else for (int d = 0; d < D; d++) a[d] = b[d];
    }
  }
}

// rowDot (heads·rows) = Σ_d dO·O per block row, dO packed (as attn_pack's p), O in the x layout; summed in
// float64 in order, as the TypeScript kernel does, so the bits agree.
__attribute__((export_name("attn_row_dots")))
void attn_row_dots(f32 *rowDot, const f32 *dO, const f32 *O, int heads, int rows, int D, int ld) {
  for (int j = 0; j < heads; j++) {
    for (int i = 0; i < rows; i++) {
      const f32 *o = O + (long)i * ld + (long)j * D, *g = dO + ((long)j * rows + i) * D;
      f64 acc = 0;
      for (int d = 0; d < D; d++) acc += (f64)g[d] * (f64)o[d];
      rowDot[j * rows + i] = (f32)acc;
    }
  }
}
