// Binding a CBLAS library (openblas.ts's bindCblas) on a fake one: gemv is bound apart from the GEMMs, so a library
// without cblas_sgemv / cblas_dgemv still gives sgemm and dgemm, and gemm.ts runs a one-row product with them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm, gemmLoops, resolveGemm } from '../../src/backend/cpu/gemm.ts';
import { bindCblas, type CblasLibrary } from '../../src/backend/cpu/openblas.ts';
import type { FloatArray } from '../../src/backend/dtype.ts';

const TRANS = 112;

/** A library of the CBLAS GEMMs (the reference loops behind them) and none of `missing`; `called` lists the GEMMs run. */
function fakeLibrary(missing: string[], called: string[]): CblasLibrary {
  const cblasGemm = (name: string) => (_order: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number,
    a: FloatArray, lda: number, b: FloatArray, ldb: number, beta: number, c: FloatArray, ldc: number): void => {
    called.push(name);
    gemmLoops(c, a, b, { m, n, k, transA: ta === TRANS, transB: tb === TRANS, alpha, beta, lda, ldb, ldc, batch: 1, strideA: 0, strideB: 0, strideC: 0 });
  };
  return {
    func(declaration: string): unknown {
      const name = /(\w+)\(/.exec(declaration)![1]!;
      if (missing.includes(name) || !/^cblas_[sd]gemm$/.test(name)) throw new Error(`Cannot find function '${name}' in shared library`); // as koffi says
      return cblasGemm(name);
    },
  };
}

test('bindCblas: a library without gemv still binds its GEMMs, and a one-row GEMM runs on them', () => {
  const called: string[] = [];
  const blas = bindCblas(fakeLibrary(['cblas_sgemv', 'cblas_dgemv'], called), 'libfakeblas.so');
  assert.equal(blas.sgemv, undefined);
  assert.equal(blas.dgemv, undefined);
  assert.equal(blas.description, 'OpenBLAS', 'no thread count or core name where the library lacks them');
  for (const [Array_, name] of [[Float32Array, 'cblas_sgemm'], [Float64Array, 'cblas_dgemm']] as const) {
    // (1, 3) · (3, 4)ᵀ with B transposed: gemm.ts gives a one-row C to gemv when the library has it
    const a = new Array_([1, 2, 3]), b = new Array_(Array.from({ length: 12 }, (_, i) => i - 5));
    const g = resolveGemm({ m: 1, n: 4, k: 3, transB: true, alpha: 2, beta: 0 }, a.length, b.length, 4);
    const got = new Array_(4).fill(NaN), want = new Array_(4);
    called.length = 0;
    gemm(got, a, b, g, blas);
    gemmLoops(want, a, b, g);
    assert.deepEqual(called, [name]);
    assert.deepEqual([...got], [...want]);
  }
});

test('bindCblas: a library without sgemm is not bound (the caller tries the next one)', () => {
  assert.throws(() => bindCblas(fakeLibrary(['cblas_sgemm'], []), 'libfakeblas.so'), /cblas_sgemm/);
});
