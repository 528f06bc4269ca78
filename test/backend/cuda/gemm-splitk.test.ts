// Split-K (gemm-splitk.ts) without a GPU: the switch, which products split and how, the slices' product as the
// whole one's sum (run by the CPU's GEMM), and the backend's calls on the recording stand-ins: the slices' batched
// product into the workspace's first half, splitk_reduce after it with C's layout, alpha, beta and the addend; the
// whole product where cuBLASLt has no algorithm for the slices. What the kernels compute: test/backend/gemm-skinny.test.ts
// on CUDA (the emulator in npm test, a GPU in test:gpu).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm, resolveGemm, type ResolvedGemm } from '../../../src/backend/cpu/gemm.ts';
import { GEMM_WORKSPACE_BYTES } from '../../../src/backend/cuda/gemm.ts';
import { gemmRunTypes } from '../../../src/backend/cuda/gemm-plan.ts';
import { gemmSplitKFromEnv, MIN_SLICE_K, slicesGemm, splitKPlan } from '../../../src/backend/cuda/gemm-splitk.ts';
import type { GemmSpec } from '../../../src/backend/backend.ts';
import { UserError } from '../../../src/util/errors.ts';
import { fakeBackend } from './fake-cuda.ts';

const BF16 = gemmRunTypes('bf16', 'bf16', 'bf16');
const H200_SMS = 132, HALF = GEMM_WORKSPACE_BYTES / 2;
const resolved = (s: GemmSpec): ResolvedGemm => resolveGemm(s, 2 ** 40, 2 ** 40, 2 ** 40);

test('MISTRAL_TUNE_CUDA_GEMM_SPLITK: 1 by default (also when empty), 0 turns it off, anything else a one-line error naming the variable', () => {
  assert.equal(gemmSplitKFromEnv({}), true);
  assert.equal(gemmSplitKFromEnv({ MISTRAL_TUNE_CUDA_GEMM_SPLITK: '' }), true);
  assert.equal(gemmSplitKFromEnv({ MISTRAL_TUNE_CUDA_GEMM_SPLITK: '0' }), false);
  assert.throws(() => gemmSplitKFromEnv({ MISTRAL_TUNE_CUDA_GEMM_SPLITK: 'on' }), (e: Error) => e instanceof UserError && /^MISTRAL_TUNE_CUDA_GEMM_SPLITK=on: expected 1/.test(e.message));
});

test('splitKPlan at Mistral 7B\'s LoRA shapes on an H200: the skinny products split near one block an SM; the base GEMMs, the LM head, batches and f32 do not', () => {
  const plan = (s: GemmSpec, run = BF16) => splitKPlan(resolved(s), run, H200_SMS, HALF);
  // 1×2048 (device run 1's profile): x·[Aq;Ak;Av]ᵀ (113 µs a call there), dz = s·dy·B of gate/up, ∂B of q, ∂A of q/k/v
  assert.deepEqual(plan({ m: 2048, n: 48, k: 4096, transB: true }), { slices: 8, sliceK: 512 });
  assert.deepEqual(plan({ m: 2048, n: 16, k: 14336 }), { slices: 8, sliceK: 1792 });
  assert.deepEqual(plan({ m: 4096, n: 16, k: 2048, transA: true }), { slices: 4, sliceK: 512 });
  assert.deepEqual(plan({ m: 1024, n: 16, k: 2048, transA: true }), { slices: 8, sliceK: 256 });
  assert.deepEqual(plan({ m: 48, n: 4096, k: 2048, transA: true }), { slices: 4, sliceK: 512 });
  // 2×2048: twice the rows, half the slices
  assert.deepEqual(plan({ m: 4096, n: 48, k: 4096, transB: true }), { slices: 4, sliceK: 1024 });
  // already enough tiles: ∂B of gate/up (14336×16), ∂A of down (16×14336)
  assert.equal(plan({ m: 14336, n: 16, k: 2048, transA: true }), null);
  assert.equal(plan({ m: 16, n: 14336, k: 2048, transA: true }), null);
  // the base products, LoRA's up-projections (k = r), the LM head, a batch (attention), f32 and f64 runs
  assert.equal(plan({ m: 2048, n: 4096, k: 4096, transB: true }), null);
  assert.equal(plan({ m: 2048, n: 4096, k: 16, transB: true }), null);
  assert.equal(plan({ m: 512, n: 32000, k: 4096, transB: true }), null);
  assert.equal(plan({ m: 64, n: 64, k: 4096, batch: 32, strideA: 1, strideB: 1, strideC: 1 }), null);
  assert.equal(plan({ m: 2048, n: 48, k: 4096, transB: true }, gemmRunTypes('f32', 'f32', 'f32')), null);
  assert.equal(plan({ m: 2048, n: 48, k: 4096, transB: true }, gemmRunTypes('f64', 'f64', 'f64')), null);
  // k too short for two slices of MIN_SLICE_K, or not cut into multiples of 8; partial sums past the scratch
  assert.equal(plan({ m: 64, n: 16, k: 2 * MIN_SLICE_K - 8 }), null);
  assert.deepEqual(plan({ m: 64, n: 16, k: 3 * 8 * 37 }), { slices: 3, sliceK: 296 }); // 888 = 3·296: 2 and 4 leave no multiple of 8
  assert.equal(splitKPlan(resolved({ m: 2048, n: 48, k: 4096 }), BF16, H200_SMS, 2 * 2048 * 48 * 4 - 1), null);
  assert.deepEqual(splitKPlan(resolved({ m: 2048, n: 48, k: 4096 }), BF16, H200_SMS, 2 * 2048 * 48 * 4), { slices: 2, sliceK: 2048 });
  // a GPU of 46 SMs (an L4-sized one): the same product in fewer slices; too few SMs for any
  assert.deepEqual(splitKPlan(resolved({ m: 2048, n: 48, k: 4096 }), BF16, 46, HALF), { slices: 2, sliceK: 2048 });
  assert.equal(splitKPlan(resolved({ m: 2048, n: 48, k: 4096 }), BF16, 31, HALF), null);
});

test('slicesGemm: the slices\' partial products add up to the whole product, for each transpose and padded leading dimensions', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const m = 5, n = 3, k = 48, split = { slices: 3, sliceK: 16 };
      const lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 1;
      const A = Float64Array.from({ length: (transA ? k : m) * lda }, (_, i) => Math.sin(i * 1.3));
      const B = Float64Array.from({ length: (transB ? n : k) * ldb }, (_, i) => Math.cos(i * 0.7));
      const g = resolved({ m, n, k, transA, transB, lda, ldb, alpha: 1 });
      const whole = new Float64Array(m * n), parts = new Float64Array(split.slices * m * n);
      gemm(whole, A, B, g, null);
      gemm(parts, A, B, slicesGemm(g, split), null);
      const summed = Array.from(whole, (_, i) => parts[i]! + parts[m * n + i]! + parts[2 * m * n + i]!);
      summed.forEach((v, i) => assert.ok(Math.abs(v - whole[i]!) < 1e-12, `transA ${transA} transB ${transB}: element ${i}`));
    }
  }
});

test('the CUDA backend splits a skinny bf16 product: the slices into the workspace\'s first half (cuBLASLt the second), then splitk_reduce with C\'s layout, α, β and the addend', () => {
  const { be, ltCalls, launches } = fakeBackend({ splitK: H200_SMS });
  const x = be.alloc('bf16', 2048 * 4096), A = be.alloc('bf16', 48 * 4096), z = be.alloc('bf16', 2048 * 96);
  const zSlot = be.view(z, 16, z.length - 16);
  be.gemm(zSlot, x, A, { m: 2048, n: 48, k: 4096, transB: true, ldc: 96, alpha: 0.5 });
  assert.equal(ltCalls.length, 1);
  const [g, types, c, a, b, ws, wsBytes] = ltCalls[0]! as [ResolvedGemm, unknown, bigint, bigint, bigint, bigint, number];
  assert.deepEqual(g, { m: 2048, n: 48, k: 512, transA: false, transB: true, alpha: 1, beta: 0, lda: 4096, ldb: 4096, ldc: 48, batch: 8, strideA: 512, strideB: 512, strideC: 2048 * 48 });
  assert.deepEqual(types, { a: 'bf16', b: 'bf16', c: 'f32' });
  const workspace = 0x1000_0000n; // the backend's first allocation on the stand-in (its addresses count up from there)
  assert.equal(ws, workspace + BigInt(HALF), 'cuBLASLt gets the workspace\'s second half');
  assert.equal(wsBytes, HALF);
  assert.equal(c, workspace, 'the partial sums at the workspace\'s start');
  assert.deepEqual([a, b], [(x as unknown as { ptr: bigint }).ptr, (A as unknown as { ptr: bigint }).ptr]);
  assert.deepEqual(launches.map((l) => l.name), ['splitk_reduce']);
  const args = launches[0]!.args.map((v) => v.value);
  const ptr = (buf: unknown): bigint => (buf as { ptr: bigint }).ptr;
  assert.deepEqual(args, [ptr(zSlot), 2, ptr(zSlot), 2, workspace, 8, 2048, 48, 96, 0.5, 0]);
  // f32 gradient += (∂B: β = 1, C its own addend), and an out-of-place addend
  launches.length = 0;
  const dB = be.alloc('f32', 4096 * 16), dy = be.alloc('bf16', 2048 * 4096), zq = be.alloc('bf16', 2048 * 16);
  be.gemm(dB, dy, zq, { m: 4096, n: 16, k: 2048, transA: true, alpha: 2, beta: 1 });
  assert.deepEqual(launches[0]!.args.map((v) => v.value), [ptr(dB), 0, ptr(dB), 0, workspace, 4, 4096, 16, 16, 2, 1]);
  const y = be.alloc('bf16', 2048 * 32), add = be.alloc('bf16', 2048 * 32);
  be.gemm(y, x, be.alloc('bf16', 32 * 4096), { m: 2048, n: 32, k: 4096, transB: true, beta: 1 }, add);
  assert.deepEqual(launches[1]!.args.map((v) => v.value).slice(0, 4), [ptr(y), 2, ptr(add), 2]);
});

test('the whole product where cuBLASLt has no algorithm for the slices; nothing splits with split-K off or at fp32', () => {
  const skinny = { m: 2048, n: 16, k: 4096, transB: true };
  const run = (fake: ReturnType<typeof fakeBackend>, dtype: 'bf16' | 'f32'): number[] => {
    fake.be.gemm(fake.be.alloc(dtype, 2048 * 16), fake.be.alloc(dtype, 2048 * 4096), fake.be.alloc(dtype, 16 * 4096), skinny);
    return fake.ltCalls.map((c) => (c[0] as ResolvedGemm).batch);
  };
  const refused = fakeBackend({ splitK: H200_SMS, refuse: (g) => g.batch > 1 });
  assert.deepEqual(run(refused, 'bf16'), [8, 1]);
  assert.deepEqual(refused.launches, []);
  assert.equal(refused.be.splitKRefusals, 1, 'counted (gemm-skinny.test says so rather than fail where a GPU\'s cuBLASLt refuses)');
  const off = fakeBackend(); // no SMs given: split-K off
  assert.deepEqual(run(off, 'bf16'), [1]);
  const fp32 = fakeBackend({ splitK: H200_SMS });
  assert.deepEqual(run(fp32, 'f32'), [1]);
  assert.deepEqual([...off.launches, ...fp32.launches], []);
  assert.deepEqual([off.be.splitKRefusals, fp32.be.splitKRefusals], [0, 0], 'nothing split, nothing refused');
});

test('profiled, the slices\' product is its own class beside the reduction kernel', () => {
  const { be } = fakeBackend({ splitK: H200_SMS, profile: true });
  be.gemm(be.alloc('bf16', 2048 * 48), be.alloc('bf16', 2048 * 4096), be.alloc('bf16', 48 * 4096), { m: 2048, n: 48, k: 4096, transB: true });
  const report = be.profiler!.report('fake');
  assert.match(report, /gemm 2048×48×4096 Bᵀ bf16→bf16 in 8 slices/);
  be.gemm(be.alloc('f32', 4096 * 16), be.alloc('bf16', 2048 * 4096), be.alloc('bf16', 2048 * 16), { m: 4096, n: 16, k: 2048, transA: true, beta: 1 });
  assert.match(be.profiler!.report('fake'), /gemm 4096×16×2048 Aᵀ bf16→f32 in 4 slices/, 'β = 0 in the slices\' class: the reduction adds C');
  assert.match(report, /splitk_reduce/);
});
