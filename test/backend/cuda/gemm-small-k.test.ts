// gemm_small_k (gemm-small-k.ts) without a GPU: the switch, which products it takes, and the backend's launch on the
// recording stand-ins — C, the addend (C itself in place), A, B and the product's shape, transposition, strides, α and β;
// cuBLASLt for the rest, and for all of them with the switch off. What the kernel computes:
// test/backend/gemm-skinny.test.ts on CUDA with MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 (the emulator in npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveGemm, type ResolvedGemm } from '../../../src/backend/cpu/gemm.ts';
import type { GemmSpec } from '../../../src/backend/backend.ts';
import { gemmRunTypes } from '../../../src/backend/cuda/gemm-plan.ts';
import { gemmSmallKFromEnv, smallKFits } from '../../../src/backend/cuda/gemm-small-k.ts';
import { gemmSmallK } from '../../../src/backend/cuda/launch.ts';
import { UserError } from '../../../src/util/errors.ts';
import { fakeBackend } from './fake-cuda.ts';
import { captureStderr } from '../../tokenizer/helpers.ts';

const resolved = (s: GemmSpec): ResolvedGemm => resolveGemm(s, 2 ** 40, 2 ** 40, 2 ** 40);
const BF16 = gemmRunTypes('bf16', 'bf16', 'bf16');

test('MISTRAL_TUNE_CUDA_GEMM_SMALL_K: 0 by default (also when empty), 1 turns it on, anything else a one-line error naming the variable', () => {
  assert.equal(gemmSmallKFromEnv({}), false);
  assert.equal(gemmSmallKFromEnv({ MISTRAL_TUNE_CUDA_GEMM_SMALL_K: '' }), false);
  assert.equal(gemmSmallKFromEnv({ MISTRAL_TUNE_CUDA_GEMM_SMALL_K: '1' }), true);
  assert.throws(() => gemmSmallKFromEnv({ MISTRAL_TUNE_CUDA_GEMM_SMALL_K: 'yes' }), (e: Error) => e instanceof UserError && /^MISTRAL_TUNE_CUDA_GEMM_SMALL_K=yes: expected 1/.test(e.message));
});

test('the products it takes: bf16 A, B and C, one matrix, A not transposed, 0 < k ≤ 64; its grid tiles C by 64 rows and 128 columns', () => {
  assert.ok(smallKFits(resolved({ m: 2048, n: 14336, k: 16, transB: true }), BF16), 'the up-projection');
  assert.ok(smallKFits(resolved({ m: 2048, n: 4096, k: 48 }), BF16), '∂x += dz·[A₁; A₂; A₃]');
  assert.ok(smallKFits(resolved({ m: 1, n: 1, k: 64 }), BF16));
  assert.ok(!smallKFits(resolved({ m: 64, n: 64, k: 65 }), BF16), 'k past 64');
  assert.ok(!smallKFits(resolved({ m: 4096, n: 16, k: 16, transA: true }), BF16), 'A transposed');
  assert.ok(!smallKFits(resolved({ m: 64, n: 64, k: 16, batch: 2 }), BF16), 'a batch');
  assert.ok(!smallKFits(resolved({ m: 64, n: 64, k: 16 }), gemmRunTypes('bf16', 'bf16', 'f32')), 'f32 C');
  assert.ok(!smallKFits(resolved({ m: 64, n: 64, k: 16 }), gemmRunTypes('f32', 'f32', 'f32')), 'f32 operands');
  // more row tiles than a grid's y holds (65,535 of 64 rows): cuBLASLt's, not gemmSmallK's error (a review helper's find)
  assert.ok(smallKFits(resolved({ m: 65535 * 64, n: 16, k: 16 }), BF16));
  assert.ok(!smallKFits(resolved({ m: 65535 * 64 + 1, n: 16, k: 16 }), BF16), 'rows past the grid');
  assert.throws(() => gemmSmallK({ m: 65535 * 64 + 1, n: 16 }), /exceeds the small-k kernel's grid/);
  // strides past an int (the kernel takes lda/ldb/ldc as int, its offsets in 64 bits): cuBLASLt's, not a RangeError at launch
  assert.ok(smallKFits(resolved({ m: 2, n: 16, k: 16, lda: 2 ** 31 - 1 }), BF16));
  assert.ok(!smallKFits(resolved({ m: 2, n: 16, k: 16, lda: 2 ** 31 }), BF16), 'lda past an int');
  assert.ok(!smallKFits(resolved({ m: 2, n: 16, k: 16, transB: true, ldb: 2 ** 31 }), BF16), 'ldb past an int');
  assert.ok(!smallKFits(resolved({ m: 2, n: 16, k: 16, ldc: 2 ** 31 }), BF16), 'ldc past an int');
  assert.deepEqual(gemmSmallK({ m: 2048, n: 14336 }), { grid: { x: 112, y: 32, z: 1 }, block: { x: 128, y: 1, z: 1 }, sharedBytes: 0 });
  assert.deepEqual(gemmSmallK({ m: 65, n: 129 }).grid, { x: 2, y: 2, z: 1 });
});

test('the CUDA backend launches gemm_small_k for them with C, the addend, A, B, the shape, strides, α and β; cuBLASLt otherwise, and always with the switch off', () => {
  const ptr = (buf: unknown): bigint => (buf as { ptr: bigint }).ptr;
  const on = fakeBackend({ smallK: true }), { be, launches, ltCalls } = on;
  // the up-projection: z read in its slot of three (lda 48), the residual as addend, α = s
  const z = be.alloc('bf16', 2048 * 48), B = be.alloc('bf16', 4096 * 16), y = be.alloc('bf16', 2048 * 4096), res = be.alloc('bf16', 2048 * 4096);
  const zSlot = be.view(z, 16, z.length - 16);
  be.gemm(y, zSlot, B, { m: 2048, n: 4096, k: 16, transB: true, lda: 48, alpha: 2, beta: 1 }, res);
  assert.deepEqual(launches.map((l) => l.name), ['gemm_small_k']);
  const values = (i: number): unknown[] => launches[i]!.args.map((v) => v.value);
  assert.deepEqual(values(0), [ptr(y), ptr(res), ptr(zSlot), ptr(B), 2048, 4096, 16, 1, 48, 16, 4096, 2, 1]);
  // ∂x += dz·A in place: C is its own addend; B not transposed
  const dx = be.alloc('bf16', 2048 * 4096), A = be.alloc('bf16', 48 * 4096);
  be.gemm(dx, z, A, { m: 2048, n: 4096, k: 48, beta: 1 });
  assert.deepEqual(values(1), [ptr(dx), ptr(dx), ptr(z), ptr(A), 2048, 4096, 48, 0, 48, 4096, 4096, 1, 1]);
  assert.equal(ltCalls.length, 0, 'neither went to cuBLASLt');
  // what it does not take goes to cuBLASLt: k = 65, A transposed, f32 C
  be.gemm(be.alloc('bf16', 64 * 64), be.alloc('bf16', 64 * 65), be.alloc('bf16', 65 * 64), { m: 64, n: 64, k: 65 });
  be.gemm(be.alloc('bf16', 64 * 16), be.alloc('bf16', 2048 * 64), be.alloc('bf16', 2048 * 16), { m: 64, n: 16, k: 2048, transA: true });
  be.gemm(be.alloc('f32', 64 * 64), be.alloc('bf16', 64 * 16), be.alloc('bf16', 16 * 64), { m: 64, n: 64, k: 16 });
  assert.equal(launches.length, 2);
  assert.equal(ltCalls.length, 3);
  const off = fakeBackend();
  off.be.gemm(off.be.alloc('bf16', 2048 * 4096), off.be.alloc('bf16', 2048 * 16), off.be.alloc('bf16', 4096 * 16), { m: 2048, n: 4096, k: 16, transB: true });
  assert.deepEqual([off.launches.length, off.ltCalls.length], [0, 1]);
});

test('on a GPU below compute capability 8.0 (no bf16 mma.sync: gemm_small_k does not compile) the switch leaves the products to cuBLASLt, said once', () => {
  const { result: { be, launches, ltCalls }, stderr } = captureStderr(() => fakeBackend({ smallK: true, arch: 'sm_75' }));
  assert.equal(stderr, 'cuda backend: MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 does not run on compute capability 7.5 (it needs 8.0 or newer): LoRA\'s products of the rank\'s k on cuBLASLt instead\n');
  be.gemm(be.alloc('bf16', 2048 * 4096), be.alloc('bf16', 2048 * 16), be.alloc('bf16', 4096 * 16), { m: 2048, n: 4096, k: 16, transB: true });
  assert.deepEqual([launches.length, ltCalls.length], [0, 1]);
});

test('profiled, its products are their own class', () => {
  const { be } = fakeBackend({ smallK: true, profile: true });
  be.gemm(be.alloc('bf16', 2048 * 14336), be.alloc('bf16', 2048 * 16), be.alloc('bf16', 14336 * 16), { m: 2048, n: 14336, k: 16, transB: true });
  assert.match(be.profiler!.report('fake'), /gemm 2048×14336×16 Bᵀ bf16→bf16 \(small-k kernel\)/);
});
