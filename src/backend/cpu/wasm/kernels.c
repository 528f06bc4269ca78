// SIMD kernels of the CPU backend, compiled to WebAssembly (wasm32 + simd128) by scripts/build-wasm.sh.
// The TypeScript kernels are the reference; test/backend/wasm.test.ts checks these against them.
// Memory: the module imports a shared memory (the backend's arena, arena.ts); the host passes byte
// offsets into it. Worker threads (pool.ts) instantiate the same module on the same memory, each with its
// own stack (__stack_pointer is exported for that); every kernel here only touches the rows or columns
// it is given, so the host can split a call across threads.
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

// ---- GEMM (the fallback when no BLAS library loads) ----
// C (m, n) = alpha·op(A)·op(B) + beta·C, row-major, with op(A)[i][p] = transA ? A[p·lda + i] : A[i·lda + p]
// and op(B)[p][j] = transB ? B[j·ldb + p] : B[p·ldb + j]. Blocked as GotoBLAS does: panels of op(B)
// (KC × NR) and op(A) (MR × KC) are packed into pb and pa, and a 4 × 8 SIMD micro-kernel accumulates.
// Each element of C is Σ over k blocks of KC, each block's sum in p order, whatever m, n and the
// thread split: the host may cut C into column or row blocks and get the same bits.
// Without FMA (wasm SIMD has none) the 4 × 8 kernel is bound by its 16 multiplies and adds per p: it runs at
// ~90% of a register-only f32x4 mul+add loop, and unrolling it makes V8 spill (docs/cpu-performance.md).
#define MR 4
#define NR 8
#define KC 256
#define MC 64
#define NC 2048

// Lanes (r0[i], r1[i], r2[i], r3[i]) for i = 0..3: a 4 × 4 transpose in place.
static inline void transpose4(v128_t *r0, v128_t *r1, v128_t *r2, v128_t *r3) {
  v128_t t0 = wasm_i32x4_shuffle(*r0, *r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*r0, *r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(*r2, *r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*r2, *r3, 2, 6, 3, 7);
  *r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  *r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  *r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  *r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

// Four rows x, x + ld, x + 2ld, x + 3ld (each contiguous in p) stored interleaved, w apart: out[p·w + r] = x[r·ld + p]
// for p < kc (4 lanes at a time, then the tail).
static void interleave4(f32 *out, int w, const f32 *x, int ld, int kc) {
  int p = 0;
  for (; p + 4 <= kc; p += 4) {
    v128_t r0 = wasm_v128_load(x + p), r1 = wasm_v128_load(x + ld + p);
    v128_t r2 = wasm_v128_load(x + 2 * (long)ld + p), r3 = wasm_v128_load(x + 3 * (long)ld + p);
    transpose4(&r0, &r1, &r2, &r3);
    wasm_v128_store(out + p * w, r0);
    wasm_v128_store(out + (p + 1) * w, r1);
    wasm_v128_store(out + (p + 2) * w, r2);
    wasm_v128_store(out + (p + 3) * w, r3);
  }
  for (; p < kc; p++)
    for (int r = 0; r < 4; r++) out[p * w + r] = x[(long)r * ld + p];
}

// op(A) rows [i0, i0 + mc) × k [p0, p0 + kc) into micro-panels of MR rows: pa[ir·kc + p·MR + r] (rows past mc are 0).
static void pack_a(f32 *pa, const f32 *A, int lda, int transA, int i0, int mc, int p0, int kc) {
  for (int ir = 0; ir < mc; ir += MR, pa += MR * kc) {
    int i = i0 + ir;
    if (ir + MR <= mc) {
      if (transA) {
        for (int p = 0; p < kc; p++) wasm_v128_store(pa + p * MR, wasm_v128_load(A + (long)(p0 + p) * lda + i));
      } else {
        interleave4(pa, MR, A + (long)i * lda + p0, lda, kc);
      }
      continue;
    }
    for (int p = 0; p < kc; p++)
      for (int r = 0; r < MR; r++)
        pa[p * MR + r] = ir + r < mc ? (transA ? A[(long)(p0 + p) * lda + i + r] : A[(long)(i + r) * lda + p0 + p]) : 0.0f;
  }
}

// op(B) k [p0, p0 + kc) × columns [j0, j0 + nc) into micro-panels of NR columns: pb[jr·kc + p·NR + c] (columns past nc are 0).
static void pack_b(f32 *pb, const f32 *B, int ldb, int transB, int j0, int nc, int p0, int kc) {
  for (int jr = 0; jr < nc; jr += NR, pb += NR * kc) {
    int j = j0 + jr;
    if (jr + NR <= nc) {
      if (transB) {
        interleave4(pb, NR, B + (long)j * ldb + p0, ldb, kc);
        interleave4(pb + 4, NR, B + (long)(j + 4) * ldb + p0, ldb, kc);
      } else {
        for (int p = 0; p < kc; p++) {
          const f32 *b = B + (long)(p0 + p) * ldb + j;
          wasm_v128_store(pb + p * NR, wasm_v128_load(b));
          wasm_v128_store(pb + p * NR + 4, wasm_v128_load(b + 4));
        }
      }
      continue;
    }
    for (int p = 0; p < kc; p++)
      for (int c = 0; c < NR; c++)
        pb[p * NR + c] = jr + c < nc ? (transB ? B[(long)(j + c) * ldb + p0 + p] : B[(long)(p0 + p) * ldb + j + c]) : 0.0f;
  }
}

// c[0..4) = (beta == 0 ? 0 : beta·c) + alpha·acc, lane by lane the same arithmetic as the scalar edge update.
static inline void update4(f32 *c, v128_t acc, v128_t alpha4, f32 beta) {
  v128_t prev = beta == 0 ? wasm_f32x4_splat(0) : beta == 1 ? wasm_v128_load(c) : wasm_f32x4_mul(wasm_f32x4_splat(beta), wasm_v128_load(c));
  wasm_v128_store(c, wasm_f32x4_add(prev, wasm_f32x4_mul(alpha4, acc)));
}

// The rows × cols (at most MR × NR) tile of C at c over kc steps: element (r, p) of A's micro-panel at a[r·ars + p·aps],
// columns 0..7 of B's at b + p·bps (packed: ars 1, aps MR, bps NR; an operand read in place has its own strides).
// Always inlined into the variants below, so each gets constant strides where it has them.
// The micro-kernel's multiply-add: c + a·b rounded twice (baseline SIMD), or, in the relaxed-SIMD build
// (kernels-relaxed.wasm, -DRELAXED_SIMD), f32x4.relaxed_madd — one fused FMA instruction where the CPU has
// one (x86-64 FMA3, ARM), rounded once. Each build's results are the same run to run and for any thread count.
#ifdef RELAXED_SIMD
#define MADD(c, a, b) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(c, a, b) wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#endif

static inline __attribute__((always_inline)) void tile(int kc, const f32 *a, int ars, int aps, const f32 *b, int bps, f32 *c, int ldc,
                                                       f32 alpha, f32 beta, int rows, int cols) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + ars);
    v128_t a2 = wasm_v128_load32_splat(a + 2 * ars), a3 = wasm_v128_load32_splat(a + 3 * ars);
    c00 = MADD(c00, a0, b0); c01 = MADD(c01, a0, b1);
    c10 = MADD(c10, a1, b0); c11 = MADD(c11, a1, b1);
    c20 = MADD(c20, a2, b0); c21 = MADD(c21, a2, b1);
    c30 = MADD(c30, a3, b0); c31 = MADD(c31, a3, b1);
    a += aps;
    b += bps;
  }
  if (rows == MR && cols == NR) {
    v128_t al = wasm_f32x4_splat(alpha);
    update4(c, c00, al, beta); update4(c + 4, c01, al, beta); c += ldc;
    update4(c, c10, al, beta); update4(c + 4, c11, al, beta); c += ldc;
    update4(c, c20, al, beta); update4(c + 4, c21, al, beta); c += ldc;
    update4(c, c30, al, beta); update4(c + 4, c31, al, beta);
    return;
  }
  f32 acc[MR * NR];
  wasm_v128_store(acc, c00); wasm_v128_store(acc + 4, c01);
  wasm_v128_store(acc + 8, c10); wasm_v128_store(acc + 12, c11);
  wasm_v128_store(acc + 16, c20); wasm_v128_store(acc + 20, c21);
  wasm_v128_store(acc + 24, c30); wasm_v128_store(acc + 28, c31);
  for (int r = 0; r < rows; r++, c += ldc)
    for (int q = 0; q < cols; q++) c[q] = (beta == 0 ? 0 : beta * c[q]) + alpha * acc[r * NR + q];
}

// The tiles of an mc × nc block of C at c over kc steps: A's micro-panel of rows ir at a + (ir / MR)·astep, B's of
// columns jr at b + (jr / NR)·bstep; column panel by column panel, so a B micro-panel stays in L1 while A's block
// streams from L2.
static inline __attribute__((always_inline)) void tiles(int kc, int mc, int nc, const f32 *a, int ars, int aps, long astep,
                                                        const f32 *b, int bps, long bstep, f32 *c, int ldc, f32 alpha, f32 beta) {
  for (int jr = 0; jr < nc; jr += NR)
    for (int ir = 0; ir < mc; ir += MR)
      tile(kc, a + (ir / MR) * astep, ars, aps, b + (jr / NR) * bstep, bps, c + (long)ir * ldc + jr, ldc, alpha, beta,
           mc - ir < MR ? mc - ir : MR, nc - jr < NR ? nc - jr : NR);
}

// Both operands packed (pa: mc × kc, pb: kc × nc): the kernel of the big GEMMs.
static void tiles_packed(int kc, int mc, int nc, const f32 *pa, const f32 *pb, f32 *c, int ldc, f32 alpha, f32 beta) {
  tiles(kc, mc, nc, pa, 1, MR, (long)MR * kc, pb, NR, (long)NR * kc, c, ldc, alpha, beta);
}

// A read in place at a (rows of op(A) ars apart, k steps aps apart; mc whole micro-panels), B packed.
static void tiles_direct_a(int kc, int mc, int nc, const f32 *a, int ars, int aps, const f32 *pb, f32 *c, int ldc, f32 alpha, f32 beta) {
  if (aps == 1) tiles(kc, mc, nc, a, ars, 1, (long)MR * ars, pb, NR, (long)NR * kc, c, ldc, alpha, beta);
  else tiles(kc, mc, nc, a, 1, aps, MR, pb, NR, (long)NR * kc, c, ldc, alpha, beta);
}

// A packed, B (op(B) = B) read in place at b, rows ldb apart (nc whole micro-panels).
static void tiles_direct_b(int kc, int mc, int nc, const f32 *pa, const f32 *b, int ldb, f32 *c, int ldc, f32 alpha, f32 beta) {
  tiles(kc, mc, nc, pa, 1, MR, (long)MR * kc, b, ldb, NR, c, ldc, alpha, beta);
}

// pa: MC·KC floats, pb: KC·NC floats of scratch. Packing pays when a micro-panel is used many times; in the skinny
// GEMMs of LoRA (n or m = r = 16) a panel of the long operand is used only a few times, so it is read in place:
// A when C has at most 2·NR columns (and m is whole micro-panels), B (not transposed) when C has at most
// 4·MR rows (and n is whole micro-panels). The arithmetic is the same either way.
void sgemm(int transA, int transB, int m, int n, int k, f32 alpha, const f32 *A, int lda, const f32 *B, int ldb,
           f32 beta, f32 *C, int ldc, f32 *pa, f32 *pb) {
  if (k == 0) {
    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) C[(long)i * ldc + j] = beta == 0 ? 0 : beta * C[(long)i * ldc + j];
    return;
  }
  int directA = n <= 2 * NR && m % MR == 0;
  int directB = !directA && !transB && m <= 4 * MR && n % NR == 0;
  int ars = transA ? 1 : lda, aps = transA ? lda : 1; // op(A)[i][p] = A[i·ars + p·aps]
  for (int j0 = 0; j0 < n; j0 += NC) {
    int nc = n - j0 < NC ? n - j0 : NC;
    for (int p0 = 0; p0 < k; p0 += KC) {
      int kc = k - p0 < KC ? k - p0 : KC;
      f32 b_scale = p0 == 0 ? beta : 1.0f; // the first k block applies beta, the rest accumulate
      if (!directB) pack_b(pb, B, ldb, transB, j0, nc, p0, kc);
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = m - i0 < MC ? m - i0 : MC;
        if (!directA) pack_a(pa, A, lda, transA, i0, mc, p0, kc);
        f32 *c = C + (long)i0 * ldc + j0;
        if (directA) tiles_direct_a(kc, mc, nc, A + (long)i0 * ars + (long)p0 * aps, ars, aps, pb, c, ldc, alpha, b_scale);
        else if (directB) tiles_direct_b(kc, mc, nc, pa, B + (long)p0 * ldb + j0, ldb, c, ldc, alpha, b_scale);
        else tiles_packed(kc, mc, nc, pa, pb, c, ldc, alpha, b_scale);
      }
    }
  }
}

// ---- RMSNorm (the same float64 arithmetic as the TypeScript kernel, so the results are bit-identical) ----
// out (N, C) = w · x · r, rstd (N) = r = 1 / sqrt(mean(x²) + eps), the sum of squares in order.
void rmsnorm_forward(f32 *out, f32 *rstd, const f32 *x, const f32 *w, int N, int C, f64 eps) {
  for (int t = 0; t < N; t++) {
    const f32 *xr = x + (long)t * C;
    f32 *o = out + (long)t * C;
    f64 ss = 0;
    for (int c = 0; c < C; c++) ss += (f64)xr[c] * (f64)xr[c];
    f64 r = 1.0 / __builtin_sqrt(ss / C + eps);
    rstd[t] = (f32)r;
    for (int c = 0; c < C; c++) o[c] = (f32)((f64)w[c] * ((f64)xr[c] * r));
  }
}

// One chunk of the backward: dx += r·(w·dy) − x·r³/C · Σ(w·dy·x) for rows [r0, r1) (rows independent), and
// dw (C) += Σ_t dout·x·r for columns [c0, c1), summed over all N rows in order as the TypeScript kernel
// does (columns independent); dw = 0: no dw. The host gives each thread a band of rows and one of columns.
void rmsnorm_backward(f32 *dx, f32 *dw, const f32 *dout, const f32 *x, const f32 *w, const f32 *rstd, int N, int C,
                      int r0, int r1, int c0, int c1) {
  for (int t = r0; t < r1; t++) {
    long o = (long)t * C;
    f64 r = rstd[t], dot = 0;
    for (int c = 0; c < C; c++) dot += (f64)w[c] * (f64)dout[o + c] * (f64)x[o + c];
    f64 k = (dot * r * r * r) / C;
    for (int c = 0; c < C; c++) dx[o + c] = (f32)((f64)dx[o + c] + (r * (f64)w[c] * (f64)dout[o + c] - k * (f64)x[o + c]));
  }
  if (!dw) return;
  for (int t = 0; t < N; t++) {
    long o = (long)t * C;
    f64 r = rstd[t];
    for (int c = c0; c < c1; c++) dw[c] = (f32)((f64)dw[c] + (f64)dout[o + c] * (f64)x[o + c] * r);
  }
}

// ---- AdamW (torch.optim.AdamW, the TypeScript kernel's float64 arithmetic) ----
static void adamw_range(f32 *param, const f32 *grad, f32 *m, f32 *v, int lo, int hi, f64 b1, f64 omb1, f64 b2, f64 omb2,
                        f64 stepSize, f64 bc2Sqrt, f64 eps, f64 decay) {
  for (int i = lo; i < hi; i++) {
    f64 g = grad[i];
    f64 mi = b1 * (f64)m[i] + omb1 * g;
    f64 vi = b2 * (f64)v[i] + omb2 * g * g;
    m[i] = (f32)mi;
    v[i] = (f32)vi;
    param[i] = (f32)((f64)param[i] * decay - (stepSize * mi) / (__builtin_sqrt(vi) / bc2Sqrt + eps));
  }
}

// Elements [lo, hi) of the flat parameters: decayIn inside the sorted spans (S, 2) = [start, end), decayOut
// in the gaps; spans = 0: decayIn everywhere. The host validates the spans and splits [0, n) across threads.
void adamw(f32 *param, const f32 *grad, f32 *m, f32 *v, int lo, int hi, const int *spans, int S, f64 b1, f64 omb1,
           f64 b2, f64 omb2, f64 stepSize, f64 bc2Sqrt, f64 eps, f64 decayIn, f64 decayOut) {
  if (!spans) {
    adamw_range(param, grad, m, v, lo, hi, b1, omb1, b2, omb2, stepSize, bc2Sqrt, eps, decayIn);
    return;
  }
  int s = 0, i = lo;
  while (i < hi) {
    while (s < S && spans[2 * s + 1] <= i) s++;
    int inside = s < S && spans[2 * s] <= i;
    int end = inside ? spans[2 * s + 1] : s < S ? spans[2 * s] : hi;
    if (end > hi) end = hi;
    adamw_range(param, grad, m, v, i, end, b1, omb1, b2, omb2, stepSize, bc2Sqrt, eps, inside ? decayIn : decayOut);
    i = end;
  }
}
