// The SIMD GEMM over operands outside the kernels' memory, copied in a block at a time (gemm-blocks.ts): within a bound,
// with the bits of the GEMM framed whole, for every transpose, α/β, padded leading dimensions, batched strided entries and
// edge tiles of one row or column.
import * as fs from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmSpec } from '../../src/backend/backend.ts';
import { gemm, gemmLoops, resolveGemm } from '../../src/backend/cpu/gemm.ts';
import { GEMM_KC, gemmTile, tileChoices } from '../../src/backend/cpu/wasm/gemm-blocks.ts';
import { WasmKernels } from '../../src/backend/cpu/wasm/wasm-kernels.ts';
import { Rng } from '../../src/util/rng.ts';
import { relErr } from '../helpers.ts';

const wasm = WasmKernels.load(3); // the threads split each block too
const skip = { skip: !wasm && 'WebAssembly SIMD unavailable' };
const bits = (a: Float32Array): Uint8Array => new Uint8Array(a.slice().buffer);

test('gemmTile: the whole GEMM when its outside operands fit; else blocks within the bound that keep the large operand whole-rowed and copied once', () => {
  const g = (s: GemmSpec): ReturnType<typeof resolveGemm> => resolveGemm(s, Infinity, Infinity, Infinity);
  const band = 64 * 2 ** 20;
  assert.deepEqual(gemmTile(g({ m: 9, n: 17, k: 600 }), [true, true, true], band), { mb: 9, nb: 17, kb: 600 });
  assert.deepEqual(gemmTile(g({ m: 9, n: 17, k: 600 }), [false, false, false], 0), { mb: 9, nb: 17, kb: 600 });
  // nothing fits: one micro-tile and one KC block
  assert.deepEqual(gemmTile(g({ m: 9, n: 17, k: 600 }), [true, true, true], 0), { mb: 4, nb: 8, kb: GEMM_KC });
  // Mistral Nemo's float32 LM head (131072 × 5120, 2.5 GiB) outside the memory: forward in tiles of its rows (columns of C)...
  assert.deepEqual(gemmTile(g({ m: 512, n: 131072, k: 5120, transB: true }), [false, true, false], band), { mb: 512, nb: 2048, kb: 5120 });
  // ...backward (dlogits · W) in steps of k, its rows again: blocks of whole rows, each copied once
  assert.deepEqual(gemmTile(g({ m: 512, n: 5120, k: 131072 }), [false, true, false], band), { mb: 512, nb: 5120, kb: 2048 });
  // sums over k are cut only on the kernel's KC blocks, or the order of the sums would change
  const kernel = fs.readFileSync(new URL('../../src/backend/cpu/wasm/kernels/sgemm.c', import.meta.url), 'utf8');
  assert.match(kernel, new RegExp(`#define KC ${GEMM_KC}\\n`), 'GEMM_KC is sgemm.c\'s KC');
  for (const kb of [gemmTile(g({ m: 512, n: 5120, k: 131072 }), [true, true, true], band).kb, gemmTile(g({ m: 4, n: 8, k: 1000 }), [true, true, false], 9000).kb]) {
    assert.equal(kb % GEMM_KC, 0, `a step of ${kb}`);
  }
});

test('gemmTile searches once per GEMM: the same GEMM again (each batch entry, each training step) takes the choice made', skip, () => {
  const k = wasm!;
  const saved = k.bandBytes;
  tileChoices.byShape.clear();
  const searches = (): number => tileChoices.searches;
  try {
    const spec: GemmSpec = { m: 9, n: 17, k: 600, transB: true, batch: 4, strideA: 9 * 600, strideB: 17 * 600, strideC: 9 * 17 };
    const rng = new Rng(8);
    const [A, B] = [4 * 9 * 600, 4 * 17 * 600].map((len) => Float32Array.from({ length: len }, () => rng.next() - 0.5));
    const g = resolveGemm(spec, A!.length, B!.length, 4 * 9 * 17);
    const run = (bandBytes: number): number => {
      k.bandBytes = bandBytes;
      const before = searches();
      gemm(new Float32Array(4 * 9 * 17), A!, B!, g, null, k); // B outside: each of the 4 entries is cut in blocks
      return searches() - before;
    };
    assert.equal(run(6000), 1, 'the first of 4 batch entries searches, the others take its choice');
    assert.equal(run(6000), 0, 'the same GEMM in the next step searches no more');
    assert.equal(run(7000), 1, 'another bound is another choice');
    const before = searches();
    gemmTile(g, [true, true, false], 6000);
    gemmTile(g, [true, true, false], 6000);
    assert.equal(searches() - before, 1, 'other operands outside are another choice, made once');
    assert.equal(run(2 ** 30), 0, 'a GEMM that fits whole has nothing to search');
  } finally {
    k.bandBytes = saved;
  }
});

interface Case { m: number; n: number; k: number; transA: boolean; transB: boolean; alpha: number; beta: number; pad: number; batch: number }

/** Operands of `c` (padded, batched with gaps), A, B and C each in the kernels' memory or not as `outside` says. */
function operands(k: WasmKernels, c: Case, outside: readonly boolean[], rng: Rng): { spec: GemmSpec; arrays: Float32Array[]; release: () => void } {
  const [rowsA, colsA] = c.transA ? [c.k, c.m] : [c.m, c.k];
  const [rowsB, colsB] = c.transB ? [c.n, c.k] : [c.k, c.n];
  const lda = colsA + c.pad, ldb = colsB + c.pad, ldc = c.n + c.pad;
  const strideA = rowsA * lda + 3, strideB = rowsB * ldb + 1, strideC = c.m * ldc + 2;
  const lens = [c.batch * strideA, c.batch * strideB, c.batch * strideC];
  const releases: Array<() => void> = [];
  const arrays = lens.map((len, i) => {
    const block = outside[i] ? null : k.allocF32(len);
    if (block) releases.push(block.release);
    const a = block?.data ?? new Float32Array(len);
    for (let j = 0; j < len; j++) a[j] = (rng.next() - 0.5) * 4;
    return a;
  });
  const spec = { m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB, alpha: c.alpha, beta: c.beta, lda, ldb, ldc, batch: c.batch, strideA, strideB, strideC };
  return { spec, arrays, release: () => releases.forEach((r) => r()) };
}

test('SIMD GEMM with operands outside the memory: in blocks within bandBytes, the bits of one frame, close to the TypeScript loops', skip, () => {
  const k = wasm!;
  const saved = k.bandBytes;
  const rng = new Rng(5);
  // edge tiles of one row (m = 4q + 1) and one column (n = 8q + 1), k of several KC blocks and a partial one
  const cases: Case[] = [];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      cases.push({ m: 9, n: 17, k: 600, transA, transB, alpha: 1, beta: 0, pad: 0, batch: 1 });
      cases.push({ m: 13, n: 25, k: 300, transA, transB, alpha: -0.5, beta: 1, pad: 3, batch: 2 });
      cases.push({ m: 21, n: 9, k: 520, transA, transB, alpha: 2, beta: -0.25, pad: 1, batch: 3 });
    }
  }
  const outsides = [[true, true, true], [false, true, false], [true, false, false], [false, false, true], [true, true, false]] as const;
  try {
    for (const c of cases) {
      for (const outside of outsides) {
        const { spec, arrays: [A, B, C0], release } = operands(k, c, outside, rng);
        const run = (bandBytes: number): Float32Array => {
          k.bandBytes = bandBytes;
          const C = C0!.slice();
          gemm(C, A!, B!, resolveGemm(spec, A!.length, B!.length, C.length), null, k);
          return C;
        };
        const where = `${JSON.stringify(c)} outside ${outside.join()}`;
        k.largestFrame = 0;
        const blocked = run(0); // each block one micro-tile (4 × 8) by one KC block
        assert.ok(k.largestFrame <= 4 * (4 * GEMM_KC + GEMM_KC * 8 + 4 * 8), `${where}: framed ${k.largestFrame} bytes at once`);
        k.largestFrame = 0;
        const middle = run(40_000); // blocks of several micro-tiles (the whole GEMM where it fits: its rows framed with their padding)
        assert.ok(k.largestFrame <= 40_000, `${where}: framed ${k.largestFrame} bytes at once, past 40,000`);
        const whole = run(2 ** 30); // one block: the whole GEMM (gemmTile's test)
        assert.deepEqual(bits(blocked), bits(whole), `${where}: blocks of one micro-tile differ from one frame`);
        assert.deepEqual(bits(middle), bits(whole), `${where}: blocks within 40,000 bytes differ from one frame`);
        // the GEMM framed whole computes the product (its padding and gaps kept, as the loops keep them)
        const ref = C0!.slice();
        gemm(ref, A!, B!, resolveGemm(spec, A!.length, B!.length, ref.length), null, null);
        assert.ok(relErr(whole, ref) < 1e-5, `${where}: ${relErr(whole, ref)} from the TypeScript loops`);
        release();
      }
    }
  } finally {
    k.bandBytes = saved;
  }
});

test('SIMD GEMM: k = 0 in blocks still scales C by β (β = 0 clears NaN), and an empty C leaves it alone', skip, () => {
  const k = wasm!;
  const saved = k.bandBytes;
  k.bandBytes = 0;
  try {
    for (const beta of [0, 3]) {
      const C = Float32Array.of(1, NaN, 2, 4, 5, 6);
      k.sgemm(resolveGemm({ m: 2, n: 3, k: 0, beta }, 0, 0, 6), new Float32Array(0), new Float32Array(0), C);
      const want = Float32Array.of(1, NaN, 2, 4, 5, 6);
      gemmLoops(want, new Float32Array(0), new Float32Array(0), resolveGemm({ m: 2, n: 3, k: 0, beta }, 0, 0, 6));
      assert.deepEqual(Array.from(C), Array.from(want), `beta ${beta}`);
    }
    const C = Float32Array.of(7);
    k.sgemm(resolveGemm({ m: 0, n: 1, k: 4 }, 0, 4, 1), new Float32Array(0), new Float32Array(4), C);
    assert.deepEqual(Array.from(C), [7]);
  } finally {
    k.bandBytes = saved;
  }
});
