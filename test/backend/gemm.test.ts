// GEMM: OpenBLAS and the TypeScript loops against a plain float64 reference and against each other, for
// every transpose combination, padded leading dimensions, alpha/beta, batched strides (broadcast
// included), views at an offset, out of place (an addend for C), f32 and f64.
import assert from 'node:assert/strict';
import type { Backend, GemmSpec } from '../../src/backend/backend.ts';
// CpuBackend stays for the one test about the CPU backend's own GEMM paths (OpenBLAS vs TypeScript loops)
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { test } from './device.ts';
import { assertClose, backends, download, hasOpenBlas, randn, rng, stored, upload, type Float } from './util.ts';

/** C = alpha·op(A)·op(B) + beta·C in float64 over the stored (rounded) inputs; untouched padding kept. */
function reference(A: number[], B: number[], C0: number[], s: Required<GemmSpec>): number[] {
  const C = C0.slice();
  for (let bi = 0; bi < s.batch; bi++) {
    const a0 = bi * s.strideA, b0 = bi * s.strideB, c0 = bi * s.strideC;
    for (let i = 0; i < s.m; i++) {
      for (let j = 0; j < s.n; j++) {
        let acc = 0;
        for (let p = 0; p < s.k; p++) {
          const a = s.transA ? A[a0 + p * s.lda + i]! : A[a0 + i * s.lda + p]!;
          const b = s.transB ? B[b0 + j * s.ldb + p]! : B[b0 + p * s.ldb + j]!;
          acc += a * b;
        }
        const at = c0 + i * s.ldc + j;
        C[at] = s.alpha * acc + (s.beta === 0 ? 0 : s.beta * C[at]!);
      }
    }
  }
  return C;
}

interface Case {
  m: number; n: number; k: number; transA: boolean; transB: boolean; alpha: number; beta: number;
  pad: number; batch: number; broadcastB: boolean;
}

/** One GEMM of case c; `outOfPlace`: the product plus β·C written to another buffer (gemm's addend). */
function runCase(be: Backend, dtype: Float, c: Case, seed: number, outOfPlace = false): { got: number[]; want: number[] } {
  const rand = rng(seed);
  const rowsA = c.transA ? c.k : c.m, colsA = c.transA ? c.m : c.k;
  const rowsB = c.transB ? c.n : c.k, colsB = c.transB ? c.k : c.n;
  const lda = colsA + c.pad, ldb = colsB + c.pad, ldc = c.n + c.pad;
  const strideA = rowsA * lda + 2, strideB = c.broadcastB ? 0 : rowsB * ldb + 1, strideC = c.m * ldc + 3;
  const lenA = (c.batch - 1) * strideA + rowsA * lda;
  const lenB = (c.batch - 1) * strideB + rowsB * ldb;
  const lenC = (c.batch - 1) * strideC + c.m * ldc;
  const A = stored(randn(rand, lenA), dtype), B = stored(randn(rand, lenB), dtype), C0 = stored(randn(rand, lenC), dtype);
  const spec: Required<GemmSpec> = {
    m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB, alpha: c.alpha, beta: c.beta,
    lda, ldb, ldc, batch: c.batch, strideA, strideB, strideC,
  };
  const a = upload(be, dtype, A), b = upload(be, dtype, B), cc = upload(be, dtype, C0);
  if (!outOfPlace) {
    be.gemm(cc, a, b, spec);
    return { got: download(be, cc), want: reference(A, B, C0, spec) };
  }
  // D = α·op(A)·op(B) + β·C into another buffer: D's elements outside C's layout (padding, gaps) keep their values
  const D0 = stored(randn(rand, lenC), dtype), d = upload(be, dtype, D0);
  be.gemm(d, a, b, spec, cc);
  assert.deepEqual(download(be, cc), C0, 'the addend is only read');
  const inLayout = (i: number): boolean => {
    const at = i % strideC;
    return at < c.m * ldc && at % ldc < c.n;
  };
  return { got: download(be, d), want: reference(A, B, C0, spec).map((v, i) => (inLayout(i) ? v : D0[i]!)) };
}

const CASES: Case[] = [];
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    CASES.push({ m: 5, n: 7, k: 3, transA, transB, alpha: 1, beta: 0, pad: 0, batch: 1, broadcastB: false });
    CASES.push({ m: 33, n: 17, k: 65, transA, transB, alpha: 0.5, beta: -2, pad: 3, batch: 1, broadcastB: false });
    CASES.push({ m: 4, n: 9, k: 6, transA, transB, alpha: -1, beta: 1, pad: 2, batch: 3, broadcastB: false });
    CASES.push({ m: 6, n: 5, k: 8, transA, transB, alpha: 2, beta: 0.25, pad: 1, batch: 4, broadcastB: true });
    CASES.push({ m: 1, n: 1, k: 1, transA, transB, alpha: 1, beta: 1, pad: 0, batch: 1, broadcastB: false });
    // one row or one column of C: OpenBLAS runs these as gemv (a generated token's projections and LM head)
    CASES.push({ m: 1, n: 37, k: 50, transA, transB, alpha: 1, beta: 0, pad: 3, batch: 1, broadcastB: false });
    CASES.push({ m: 1, n: 9, k: 7, transA, transB, alpha: -0.5, beta: 2, pad: 2, batch: 3, broadcastB: true });
    CASES.push({ m: 29, n: 1, k: 40, transA, transB, alpha: 2, beta: -1, pad: 4, batch: 2, broadcastB: false });
  }
}

const label = (c: Case): string =>
  `${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'} m${c.m} n${c.n} k${c.k} α${c.alpha} β${c.beta} pad${c.pad} batch${c.batch}${c.broadcastB ? ' B broadcast' : ''}`;

for (const { name, be } of backends()) {
  for (const dtype of ['f32', 'f64'] as const) {
    test(`gemm (${name}, ${dtype}) matches a float64 reference: every transpose, ld, alpha/beta, batch`, () => {
      const tol = dtype === 'f32' ? 2e-5 : 1e-12;
      CASES.forEach((c, i) => {
        const { got, want } = runCase(be, dtype, c, 100 + i);
        assertClose(got, want, tol, `${name} ${dtype} ${label(c)}`);
      });
    });
    test(`gemm (${name}, ${dtype}) out of place (an addend for C) matches the same reference, the addend untouched`, () => {
      const tol = dtype === 'f32' ? 2e-5 : 1e-12;
      CASES.forEach((c, i) => {
        const { got, want } = runCase(be, dtype, c, 300 + i, true);
        assertClose(got, want, tol, `${name} ${dtype} out of place ${label(c)}`);
      });
    });
  }
}

test('gemm: OpenBLAS and the TypeScript loops agree with each other', { skip: !hasOpenBlas && 'libopenblas.so.0 not found' }, () => {
  const js = new CpuBackend({ gemm: 'js' }), blas = new CpuBackend({ gemm: 'openblas' });
  assert.match(blas.describe(), /OpenBLAS/);
  assert.match(js.describe(), /TypeScript/);
  for (const dtype of ['f32', 'f64'] as const) {
    CASES.forEach((c, i) => {
      const a = runCase(js, dtype, c, 500 + i).got, b = runCase(blas, dtype, c, 500 + i).got;
      assertClose(a, b, dtype === 'f32' ? 2e-5 : 1e-12, `js vs openblas ${dtype} ${label(c)}`);
    });
  }
});

for (const { name, be } of backends()) {
  test(`gemm (${name}): beta 0 ignores NaN in C; padding between rows of C is untouched; k = 0 scales C`, () => {
    const A = upload(be, 'f32', [1, 2, 3, 4]), B = upload(be, 'f32', [1, 0, 0, 1]); // (2, 2) each
    const C = upload(be, 'f32', [NaN, NaN, 77, NaN, NaN, 77]); // (2, 2) with ldc 3
    be.gemm(C, A, B, { m: 2, n: 2, k: 2, ldc: 3 });
    assert.deepEqual(download(be, C), [1, 2, 77, 3, 4, 77]);
    const empty = be.alloc('f32', 0);
    const C2 = upload(be, 'f32', [1, 2, 3, 4]);
    be.gemm(C2, empty, empty, { m: 2, n: 2, k: 0, beta: 3 });
    assert.deepEqual(download(be, C2), [3, 6, 9, 12]);
  });

  test(`gemm (${name}): one row or one column of C — beta 0 ignores NaN in C, k = 0 scales C, C's stride kept`, () => {
    const A = upload(be, 'f32', [1, 2, 3, 4, 5, 6]), B = upload(be, 'f32', [1, 0, 2, 0, 1, 0]);
    const row = upload(be, 'f32', [NaN, NaN, 77]); // (1, 2) · ... with B (3, 2): C (1, 2)
    be.gemm(row, A, B, { m: 1, n: 2, k: 3 });
    assert.deepEqual(download(be, row), [1 + 4 + 3, 0, 77]);
    const col = upload(be, 'f32', [NaN, 77, NaN, 77]); // A (2, 3) · B's column 0 (ldb 2) into C (2, 1) with ldc 2
    be.gemm(col, A, B, { m: 2, n: 1, k: 3, ldb: 2, ldc: 2 });
    assert.deepEqual(download(be, col), [1 + 4 + 3, 77, 4 + 10 + 6, 77]);
    const empty = be.alloc('f32', 0);
    const C2 = upload(be, 'f32', [1, 2, 3]);
    be.gemm(C2, empty, empty, { m: 1, n: 3, k: 0, beta: 3 });
    assert.deepEqual(download(be, C2), [3, 6, 9]);
  });

  test(`gemm (${name}): views at an offset read and write the right elements`, () => {
    const rand = rng(7);
    const big = stored(randn(rand, 64), 'f32');
    const buf = upload(be, 'f32', big);
    const a = be.view(buf, 5, 6); // (2, 3)
    const b = be.view(buf, 20, 12); // (3, 4)
    const out = be.alloc('f32', 8 + 3);
    be.fill(out, -1);
    be.gemm(be.view(out, 3, 8), a, b, { m: 2, n: 4, k: 3 });
    const want = reference(big.slice(5, 11), big.slice(20, 32), new Array<number>(8).fill(0), {
      m: 2, n: 4, k: 3, transA: false, transB: false, alpha: 1, beta: 0, lda: 3, ldb: 4, ldc: 4,
      batch: 1, strideA: 0, strideB: 0, strideC: 0,
    });
    const got = download(be, out);
    assert.deepEqual(got.slice(0, 3), [-1, -1, -1]);
    assertClose(got.slice(3), want, 1e-6, 'gemm on views');
  });

  test(`gemm (${name}): sizes that do not fit the buffers are refused`, () => {
    const a = be.alloc('f32', 6), b = be.alloc('f32', 6), c = be.alloc('f32', 4);
    assert.throws(() => be.gemm(c, a, b, { m: 2, n: 2, k: 4 }), /A has 6 elements/);
    assert.throws(() => be.gemm(c, a, b, { m: 2, n: 3, k: 2 }), /C has 4 elements/);
    assert.throws(() => be.gemm(c, a, b, { m: 2, n: 2, k: 3, lda: 2 }), /leading dimension/);
    assert.throws(() => be.gemm(c, a, b, { m: 2, n: 2, k: 3, batch: 2, strideB: 3 }), /B has 6 elements/);
  });
}
