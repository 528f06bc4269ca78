// The blocked float32 GEMM with its packing and 4 × 8 micro-kernel.
#include "simd-math.h"

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
