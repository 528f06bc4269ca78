// Row-major GEMM on typed arrays: C = alpha·op(A)·op(B) + beta·C, batched with strides.
// A BLAS library does the work when one loads; otherwise float32 goes to the WebAssembly SIMD kernel,
// and the TypeScript loops below are the reference the tests compare both with (and run float64).
import type { GemmSpec } from '../backend.ts';
import type { FloatArray } from '../dtype.ts';
import type { OpenBlas } from './openblas.ts';

export interface ResolvedGemm {
  m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  alpha: number; beta: number;
  lda: number; ldb: number; ldc: number;
  batch: number; strideA: number; strideB: number; strideC: number;
}

/**
 * The [start, length) ranges of C's elements in `g`: a batch's rows as one range when they are packed (ldc = n),
 * else each row on its own — what a copy or fill of C's layout, leaving the padding alone, walks.
 */
export function cSpans(g: ResolvedGemm): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let b = 0; b < g.batch; b++) {
    if (g.ldc === g.n) spans.push([b * g.strideC, g.m * g.n]);
    else for (let i = 0; i < g.m; i++) spans.push([b * g.strideC + i * g.ldc, g.n]);
  }
  return spans;
}

/** Fills defaults (packed leading dimensions, alpha 1, beta 0, batch 1) and checks the sizes fit. */
export function resolveGemm(s: GemmSpec, lenA: number, lenB: number, lenC: number): ResolvedGemm {
  const transA = s.transA ?? false;
  const transB = s.transB ?? false;
  const r: ResolvedGemm = {
    m: s.m, n: s.n, k: s.k, transA, transB,
    alpha: s.alpha ?? 1, beta: s.beta ?? 0,
    lda: s.lda ?? (transA ? s.m : s.k),
    ldb: s.ldb ?? (transB ? s.k : s.n),
    ldc: s.ldc ?? s.n,
    batch: s.batch ?? 1,
    strideA: s.strideA ?? 0, strideB: s.strideB ?? 0, strideC: s.strideC ?? 0,
  };
  const rowsA = transA ? r.k : r.m, colsA = transA ? r.m : r.k;
  const rowsB = transB ? r.n : r.k, colsB = transB ? r.k : r.n;
  const need = (rows: number, cols: number, ld: number, stride: number): number =>
    rows === 0 || cols === 0 ? 0 : (r.batch - 1) * stride + (rows - 1) * ld + cols;
  if (r.lda < colsA || r.ldb < colsB || r.ldc < r.n) throw new Error(`gemm: leading dimension too small (${JSON.stringify(s)})`);
  if (need(rowsA, colsA, r.lda, r.strideA) > lenA) throw new Error(`gemm: A has ${lenA} elements, too few for ${JSON.stringify(s)}`);
  if (need(rowsB, colsB, r.ldb, r.strideB) > lenB) throw new Error(`gemm: B has ${lenB} elements, too few for ${JSON.stringify(s)}`);
  if (need(r.m, r.n, r.ldc, r.strideC) > lenC) throw new Error(`gemm: C has ${lenC} elements, too few for ${JSON.stringify(s)}`);
  return r;
}

/** A float32 GEMM of one batch entry that is not BLAS (the WebAssembly SIMD kernel). */
export interface SimdGemm {
  sgemm(g: ResolvedGemm, A: Float32Array, B: Float32Array, C: Float32Array): void;
}

/** Runs a resolved GEMM with BLAS when given, else float32 with the SIMD kernel, else the TypeScript loops. */
export function gemm(c: FloatArray, a: FloatArray, b: FloatArray, g: ResolvedGemm, blas: OpenBlas | null, simd: SimdGemm | null = null): void {
  for (let bi = 0; bi < g.batch; bi++) {
    const A = a.subarray(bi * g.strideA);
    const B = b.subarray(bi * g.strideB);
    const C = c.subarray(bi * g.strideC);
    if (blas && g.m > 0 && g.n > 0) {
      if (blasGemv(C, A, B, g, blas)) continue;
      if (C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array) {
        blas.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, A, g.lda, B, g.ldb, g.beta, C, g.ldc);
        continue;
      }
      if (C instanceof Float64Array && A instanceof Float64Array && B instanceof Float64Array) {
        blas.dgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, A, g.lda, B, g.ldb, g.beta, C, g.ldc);
        continue;
      }
    }
    if (simd && g.m > 0 && g.n > 0 && C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array) {
      simd.sgemm(g, A, B, C);
      continue;
    }
    gemmLoops(C, A, B, g);
  }
}

/**
 * C of one row or one column by BLAS's matrix-vector product instead of its GEMM (false when it is neither, the
 * types differ, or the library has no gemv of the type): an sgemm with m = 1 — each generated token's projections
 * and LM head — packs all of B first, which made it 2–5× slower than sgemv on the same operands (OpenBLAS 0.3.21; 6.1 vs 3.0 ms for 1 × 256 · 256 × 32000).
 * The sums' order differs from the GEMM's: float32 rounding, not the same bits.
 */
function blasGemv(C: FloatArray, A: FloatArray, B: FloatArray, g: ResolvedGemm, blas: OpenBlas): boolean {
  if ((g.m !== 1 && g.n !== 1) || g.k === 0) return false; // k = 0: gemv returns early, where the GEMM scales C by β
  const f32 = C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array;
  const f64 = C instanceof Float64Array && A instanceof Float64Array && B instanceof Float64Array;
  if (f32 ? !blas.sgemv : !f64 || !blas.dgemv) return false; // neither type, or a library without this gemv
  // one row of C: C[0, :] = α·op(B)ᵀ·x + β·C with x = op(A)'s row; one column: C[:, 0] = α·op(A)·x with x = op(B)'s column.
  // A matrix M stored (rows × cols, ld) with op = transpose or not gives op(M) as gemv's (trans, rows, cols).
  const row = g.m === 1;
  const [mat, ld, matTrans, rows, cols] = row
    ? [B, g.ldb, !g.transB, g.transB ? g.n : g.k, g.transB ? g.k : g.n] as const
    : [A, g.lda, g.transA, g.transA ? g.k : g.m, g.transA ? g.m : g.k] as const;
  // x: op(A)'s row 0 (A[0, p] or, transposed, A[p, 0]) or op(B)'s column 0 (B[p, 0] or, transposed, B[0, p])
  const [x, incx] = row ? [A, g.transA ? g.lda : 1] as const : [B, g.transB ? 1 : g.ldb] as const;
  const incy = row ? 1 : g.ldc;
  // β = 0 must not read C (it may hold NaN from earlier use), as the GEMM does not; BLAS's gemv is not bound to that
  if (g.beta === 0) {
    const len = row ? g.n : g.m;
    for (let i = 0; i < len; i++) C[i * incy] = 0;
  }
  if (f32) blas.sgemv!(matTrans, rows, cols, g.alpha, mat as Float32Array, ld, x as Float32Array, incx, g.beta, C as Float32Array, incy);
  else blas.dgemv!(matTrans, rows, cols, g.alpha, mat as Float64Array, ld, x as Float64Array, incx, g.beta, C as Float64Array, incy);
  return true;
}

/** Plain loops: C (m, n) = alpha·op(A)·op(B) + beta·C for one batch entry. */
export function gemmLoops(C: FloatArray, A: FloatArray, B: FloatArray, g: ResolvedGemm): void {
  const { m, n, k, alpha, beta, lda, ldb, ldc } = g;
  // element (i, p) of op(A) is A[i*ai + p*ap]; element (p, j) of op(B) is B[p*bp + j*bj]
  const ai = g.transA ? 1 : lda, ap = g.transA ? lda : 1;
  const bp = g.transB ? 1 : ldb, bj = g.transB ? ldb : 1;
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    if (beta === 0) C.fill(0, ci, ci + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) C[ci + j]! *= beta;
  }
  if (bj === 1) {
    // rows of op(B) are contiguous: C[i, :] += alpha·A[i, p]·B[p, :]
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let p = 0; p < k; p++) {
        const x = alpha * A[i * ai + p * ap]!;
        if (x === 0) continue;
        const bo = p * bp;
        for (let j = 0; j < n; j++) C[ci + j]! += x * B[bo + j]!;
      }
    }
  } else if (ap === 1 && bp === 1) {
    // A rows and B columns (op(B) = Bᵀ) are contiguous: dot products
    for (let i = 0; i < m; i++) {
      const ao = i * ai, ci = i * ldc;
      for (let j = 0; j < n; j++) {
        const bo = j * bj;
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ao + p]! * B[bo + p]!;
        C[ci + j]! += alpha * s;
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[i * ai + p * ap]! * B[p * bp + j * bj]!;
        C[ci + j]! += alpha * s;
      }
    }
  }
}
