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
