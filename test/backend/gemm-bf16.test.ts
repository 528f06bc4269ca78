// GEMMs on bf16 operands on the CPU (gemm-bf16.ts): the larger bf16 operand widened block by block, the other whole,
// against a float64 product of the widened values — every transpose, padded leading dimensions, alpha and beta, A, B
// or both bf16, batches; with blocks a few rows long so that every split runs (by rows of C, by columns, over k).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { Bf16Gemm } from '../../src/backend/cpu/gemm-bf16.ts';
import { gemmLoops, type ResolvedGemm } from '../../src/backend/cpu/gemm.ts';
import { rng } from './util.ts';

/** C = alpha·op(A)·op(B) + beta·C in float64 for every batch entry, padding untouched. */
function reference(A: Float32Array, B: Float32Array, C0: Float32Array, g: ResolvedGemm): Float64Array {
  const C = Float64Array.from(C0);
  for (let bi = 0; bi < g.batch; bi++) {
    for (let i = 0; i < g.m; i++) {
      for (let j = 0; j < g.n; j++) {
        let acc = 0;
        for (let p = 0; p < g.k; p++) {
          const a = A[bi * g.strideA + (g.transA ? p * g.lda + i : i * g.lda + p)]!;
          const b = B[bi * g.strideB + (g.transB ? j * g.ldb + p : p * g.ldb + j)]!;
          acc += a * b;
        }
        const at = bi * g.strideC + i * g.ldc + j;
        C[at] = g.alpha * acc + (g.beta === 0 ? 0 : g.beta * C[at]!);
      }
    }
  }
  return C;
}

function spec(m: number, n: number, k: number, transA: boolean, transB: boolean, pad: number, batch: number, beta: number): ResolvedGemm {
  const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
  return {
    m, n, k, transA, transB, alpha: 0.75, beta, lda, ldb, ldc, batch,
    strideA: (transA ? k : m) * lda, strideB: (transB ? n : k) * ldb, strideC: m * ldc,
  };
}

const randomBits = (rand: () => number, n: number): Uint16Array => f32ToBf16(Float32Array.from({ length: n }, () => rand() * 2 - 1));

test('a GEMM of bf16 operands in blocks equals the product of the widened values, whichever operand is streamed and split', () => {
  const rand = rng(7);
  const blocked = new Bf16Gemm({ short: 12, long: 40 }); // blocks of a few rows: every operand is split
  let cases = 0;
  for (const [m, n, k] of [[1, 9, 13], [3, 17, 5], [20, 6, 11], [2, 1, 30]] as const) {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      for (const which of ['A', 'B', 'both'] as const) {
        const pad = cases % 3, batch = 1 + (cases % 2), beta = [0, 1, 0.5][cases % 3]!;
        const g = spec(m, n, k, transA, transB, pad, batch, beta);
        const aBits = randomBits(rand, g.strideA * batch), bBits = randomBits(rand, g.strideB * batch);
        const [aWide, bWide] = [bf16ToF32(aBits), bf16ToF32(bBits)];
        const C = Float32Array.from({ length: g.strideC * batch }, () => rand());
        const want = reference(aWide, bWide, C, g);
        const A = which === 'B' ? aWide : aBits, B = which === 'A' ? bWide : bBits;
        blocked.run(C, A, B, g, (c, a, b, g1) => gemmLoops(c, a, b, g1));
        const scale = Math.max(...Array.from(want, Math.abs));
        const worst = Math.max(...Array.from(C, (x, i) => Math.abs(x - want[i]!)));
        assert.ok(worst <= 1e-6 * scale, `m ${m} n ${n} k ${k} transA ${transA} transB ${transB} bf16 ${which}: off by ${worst}`);
        cases++;
      }
    }
  }
  assert.equal(cases, 48);
});

test('the CPU backend multiplies bf16 A and B without staging them (C f32 or bf16, k of zero), as the f32 product of their values', () => {
  const be = new CpuBackend({ gemm: 'js' });
  const rand = rng(3);
  const m = 4, n = 6, k = 10;
  const aBits = randomBits(rand, m * k), bBits = randomBits(rand, n * k);
  const up = (dtype: 'f32' | 'bf16', data: Uint16Array | Float32Array) => {
    const buf = be.alloc(dtype, data.length);
    be.upload(buf, data instanceof Uint16Array ? { dtype: 'bf16', data } : { dtype: 'f32', data });
    return buf;
  };
  const [A16, B16, A32, B32] = [up('bf16', aBits), up('bf16', bBits), up('f32', bf16ToF32(aBits)), up('f32', bf16ToF32(bBits))];
  const s = { m, n, k, transB: true };
  const [want, got, got16] = [be.alloc('f32', m * n), be.alloc('f32', m * n), be.alloc('bf16', m * n)];
  be.gemm(want, A32, B32, s);
  be.gemm(got, A16, B16, s);
  be.gemm(got16, A16, B32, s);
  assert.deepEqual(Array.from(be.download(got)), Array.from(be.download(want)));
  assert.deepEqual(Array.from(be.download(got16)), Array.from(bf16ToF32(f32ToBf16(be.download(want)))));
  be.fill(got, 5);
  be.gemm(got, A16, B16, { m, n, k: 0, transB: true, beta: 0.5 }); // no product: C scaled by beta
  assert.deepEqual(Array.from(be.download(got)), new Array(m * n).fill(2.5));
});
