// The CUDA backend's host side without a GPU: a recording stand-in for the driver, cuBLASLt and the kernel
// cache. Every Backend method runs through the real KernelRuntime (argument counts, null-ability, packing
// and range checks against the kernel table), launches the kernels the table names with as many arguments
// as the .cu declares, picks the storage variant from the buffers' dtypes and stages only mixed calls.
// What the kernels compute is checked only on a GPU (npm run test:gpu).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceBuffer } from '../../../src/backend/backend.ts';
import { CudaBackend, GEMM_WORKSPACE_BYTES } from '../../../src/backend/cuda/cuda-backend.ts';
import { sizeClass } from '../../../src/backend/cuda/allocator.ts';
import type { CudaBuffer } from '../../../src/backend/cuda/cuda-buffer.ts';
import { gemmRunTypes } from '../../../src/backend/cuda/gemm-plan.ts';
import { gemmAttentionWorkspaceBytes } from '../../../src/backend/cuda/gemm-attention.ts';
import { plannedAttentionPaths } from '../../../src/backend/cuda/flash-attention.ts';
import { attentionWorkspaceBytes, gemmFallback, MAX_ELEMENTWISE_BLOCKS } from '../../../src/backend/cuda/launch.ts';
import { KERNELS, type KernelName } from '../../../src/backend/cuda/kernel-table.ts';
import { packKernelArgs } from '../../../src/backend/cuda/kernel-args.ts';
import { chooseVariant, planStaging } from '../../../src/backend/cuda/staging.ts';
import type { DType } from '../../../src/backend/dtype.ts';
import { parseConfig } from '../../../src/model/config.ts';
import { validate } from '../../../src/train/config.ts';
import { planMemory } from '../../../src/train/memory-plan.ts';
import { UserError } from '../../../src/util/errors.ts';
import { captureStderr } from '../../tokenizer/helpers.ts';
import { withEnv } from '../../helpers.ts';
import { fakeBackend } from './fake-cuda.ts';

/** The reductions' per-block partial sums (f64), allocated once with the backend. */
const PARTIALS = 8 * MAX_ELEMENTWISE_BLOCKS;

/** Calls every kernel method of the backend once with buffers of `storage` (exact tensors in `exact`). */
function runAll(be: CudaBackend, storage: DType, exact: DType): void {
  const N = 4, C = 8, H = 2, D = 4, V = 16, n = N * C;
  const s = (len: number): DeviceBuffer => be.alloc(storage, len);
  const e = (len: number): DeviceBuffer => be.alloc(exact, len);
  const i = (len: number): DeviceBuffer => be.alloc('i32', len);
  const x = s(n), y = s(n), out = s(n);
  be.fill(x, 1);
  be.copy(out, x, n);
  be.gemm(out, x, y, { m: N, n: N, k: C, transB: true });
  be.add(out, x, y, n);
  be.axpy(y, x, 0.5, n);
  be.scale(out, x, 2, n);
  be.sumSquares(e(1), x, n);
  be.sum(e(1), x, n);
  be.accumulateSum(be.alloc('f64', 1), e(n), n);
  be.scaleByScalar(e(n), e(n), e(1), n);
  be.rowNorms(e(N), x, N, C);
  be.scaleColumns(out, x, e(C), e(C), N, C, null);
  be.scaleColumns(out, out, e(C), e(C), N, C, y);
  be.columnDots(e(C), x, y, e(C), N, C);
  be.rmsnormForward(out, e(N), x, s(C), N, C, 1e-5);
  be.rmsnormBackward(s(n), e(C), out, x, s(C), e(N), N, C);
  be.rmsnormBackward(s(n), null, out, x, s(C), e(N), N, C);
  be.rope(x, i(N), e(D / 2), N, H, D, false);
  const shape = { B: 1, T: N, Hq: H, Hkv: 1, D, scale: 0.5, window: null };
  be.attentionForward(s(N * H * D), e(H * N), s(N * H * D), s(N * D), s(N * D), i(N), shape);
  be.attentionBackward(s(N * H * D), s(N * D), s(N * D), s(N * H * D), s(N * H * D), e(H * N), s(N * H * D), s(N * D), s(N * D), i(N), shape);
  be.swigluForward(out, x, y, n);
  be.swigluBackward(s(n), s(n), out, x, y, n);
  be.crossEntropy(e(N), e(N * V), e(N * V), i(N), N, V, 0.25);
  be.crossEntropy(e(N), null, s(N * V), i(N), N, V, 1);
  be.gatherRows(s(2 * C), s(V * C), i(2), 2, C);
  be.scatterAddRows(e(V * C), s(2 * C), i(2), 2, C);
  be.dropout(out, x, 0.1, 42, n);
  be.randomNormal(out, 7, 100, 0.02, n);
  be.clipCoefficient(e(1), be.alloc('f64', 1), 1);
  be.adamw(e(n), e(n), e(n), e(n), i(4), 2, n, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 });
  be.adamw(e(n), e(n), e(n), e(n), null, 0, n, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 2 });
}

test('fp32: every kernel method launches its kernels with as many arguments as the .cu declares, f32 variant, nothing staged', () => {
  const { be, launches, gemms } = fakeBackend({ attention: 'kernel' });
  runAll(be, 'f32', 'f32');
  assert.ok(launches.length > 25);
  for (const l of launches) assert.equal(l.args.length, KERNELS[l.name as KernelName].params.length, l.name);
  const names = new Set(launches.map((l) => l.name));
  const gemmPath = fakeBackend({ attention: 'gemm' });
  runAll(gemmPath.be, 'f32', 'f32');
  for (const l of gemmPath.launches) assert.equal(l.args.length, KERNELS[l.name as KernelName].params.length, l.name);
  for (const l of gemmPath.launches) names.add(l.name);
  const flashPath = fakeBackend({ attention: 'flash' });
  for (const D of [64, 128]) {
    const shape = { B: 1, T: 3, Hq: 2, Hkv: 1, D, scale: 0.1, window: null }, st = (n: number) => flashPath.be.alloc('bf16', n);
    for (const wide of ['0', '1']) { // the forward in blocks of 64 queries, and of 128 (MISTRAL_TUNE_CUDA_FLASH_FWD128)
      withEnv('MISTRAL_TUNE_CUDA_FLASH_FWD128', wide, () =>
        flashPath.be.attentionForward(st(3 * 2 * D), flashPath.be.alloc('f32', 6), st(3 * 2 * D), st(3 * D), st(3 * D), flashPath.be.alloc('i32', 3), shape));
    }
    for (const wide of ['0', '1']) { // the backward in blocks of 64 keys, and of 128 (MISTRAL_TUNE_CUDA_FLASH_BWD128)
      withEnv('MISTRAL_TUNE_CUDA_FLASH_BWD128', wide, () => flashPath.be.attentionBackward(st(3 * 2 * D), st(3 * D), st(3 * D), st(3 * 2 * D), st(3 * 2 * D),
        flashPath.be.alloc('f32', 6), st(3 * 2 * D), st(3 * D), st(3 * D), flashPath.be.alloc('i32', 3), shape));
    }
  }
  for (const l of flashPath.launches) assert.equal(l.args.length, KERNELS[l.name as KernelName].params.length, l.name);
  for (const l of flashPath.launches) names.add(l.name);
  // (gemm_fallback and gemm_fallback_exact run where cuBLASLt has no algorithm: a test of their own below; splitk_reduce
  // after a skinny bf16 product's slices: gemm-splitk.test.ts; gemm_small_k for small-k bf16 products with its switch
  // on: gemm-small-k.test.ts; cross_entropy_stored for a bf16 step's bf16 logits: the bf16 test below; lora_grad_up's
  // with their switch on: lora-grad-up.test.ts)
  const own = new Set(['convert', 'splitk_reduce', 'gemm_small_k', 'cross_entropy_stored', 'lora_grad_up_r16', 'lora_grad_up_r32', 'lora_grad_up_r64', 'lora_grad_up_finish']);
  for (const k of Object.keys(KERNELS)) if (!own.has(k) && !k.startsWith('gemm_fallback')) assert.ok(names.has(k), `${k} was launched (by one of the attention paths)`);
  // f64 scalars (accumulateSum's f64 output, clipCoefficient's f64 Σg²) are the only mixed calls
  const staged = launches.filter((l) => l.name === 'convert');
  assert.equal(staged.length, 2, 'clipCoefficient with an f64 Σg²: the f32 coef staged to f64 and back; nothing else');
  assert.deepEqual(gemms, [{ a: 'f32', b: 'f32', c: 'f32' }]);
  assert.ok(launches.filter((l) => l.name !== 'convert' && l.name !== 'finish_sum' && l.name !== 'clip_coefficient').every((l) => l.variant === 'f32'));
});

test('bf16 storage with f32 exact tensors: the bf16 variant, no staging of rstd/lse/losses nor of bf16 logits; a bf16 GEMM stays bf16', () => {
  const { be, launches, gemms } = fakeBackend({ attention: 'kernel' });
  const before = launches.length;
  be.rmsnormForward(be.alloc('bf16', 32), be.alloc('f32', 4), be.alloc('bf16', 32), be.alloc('bf16', 8), 4, 8, 1e-5);
  be.attentionForward(be.alloc('bf16', 32), be.alloc('f32', 8), be.alloc('bf16', 32), be.alloc('bf16', 16), be.alloc('bf16', 16),
    be.alloc('i32', 4), { B: 1, T: 4, Hq: 2, Hkv: 1, D: 4, scale: 0.5, window: 2 });
  // a bf16 step's bf16 logits (MISTRAL_TUNE_BF16_LOGITS), their gradient written over them: read as they are
  const logits = be.alloc('bf16', 32);
  be.crossEntropy(be.alloc('f32', 4), logits, logits, be.alloc('i32', 4), 4, 8, 1);
  assert.deepEqual(launches.slice(before).map((l) => `${l.name}:${l.variant}`), ['rmsnorm_forward:bf16', 'attention_forward:bf16', 'cross_entropy_stored:bf16']);
  be.gemm(be.alloc('bf16', 16), be.alloc('bf16', 32), be.alloc('bf16', 32), { m: 4, n: 4, k: 8, transB: true });
  be.gemm(be.alloc('f32', 16), be.alloc('bf16', 32), be.alloc('bf16', 32), { m: 4, n: 4, k: 8, transB: true });
  assert.deepEqual(gemms, [{ a: 'bf16', b: 'bf16', c: 'bf16' }, { a: 'bf16', b: 'bf16', c: 'f32' }]);
  assert.equal(launches.filter((l) => l.name === 'convert').length, 0);
});

test('an empty grid (attention over no queries) launches nothing, on every attention path, forward and backward: the driver would refuse it', () => {
  for (const attention of ['kernel', 'gemm', 'flash'] as const) {
    const { be, launches } = fakeBackend({ attention });
    be.attentionForward(be.alloc('bf16', 0), be.alloc('f32', 0), be.alloc('bf16', 0), be.alloc('bf16', 16), be.alloc('bf16', 16),
      be.alloc('i32', 4), { B: 1, T: 0, kvLen: 4, qOffset: 4, Hq: 2, Hkv: 1, D: 4, scale: 0.5, window: null });
    // a training shape of no tokens: the flash backward's blocks (at least one a row) would read a segment of none
    const none = (): ReturnType<typeof be.alloc> => be.alloc('bf16', 0);
    be.attentionBackward(none(), none(), none(), none(), none(), be.alloc('f32', 0), none(), none(), none(), be.alloc('i32', 0),
      { B: 1, T: 0, Hq: 2, Hkv: 1, D: 64, scale: 0.125, window: null });
    assert.deepEqual(launches, [], attention);
  }
});

test('a mixed call is staged: bf16 inputs widened to f32 for the f32 variant, written outputs converted back, temporaries freed', () => {
  const { be, launches, gemms } = fakeBackend();
  const inUse = be.bytesInUse();
  // LoRA-style: bf16 activations times an f32 factor → f32 GEMM, the bf16 operand widened
  be.gemm(be.alloc('f32', 16), be.alloc('bf16', 32), be.alloc('f32', 32), { m: 4, n: 4, k: 8, transB: true });
  assert.deepEqual(gemms, [{ a: 'f32', b: 'f32', c: 'f32' }]);
  assert.equal(launches.filter((l) => l.name === 'convert').length, 1);
  launches.length = 0;
  // out (bf16) = x (f32) + y (bf16): f32 variant, y and out staged in, out converted back
  const out = be.alloc('bf16', 8);
  be.add(out, be.alloc('f32', 8), be.alloc('bf16', 8), 8);
  assert.deepEqual(launches.map((l) => `${l.name}:${l.variant}`), ['convert:f32', 'convert:f32', 'add:f32', 'convert:f32']);
  // aliasing: out = x (the same bf16 buffer) is staged once
  launches.length = 0;
  const a = be.alloc('bf16', 8);
  be.add(a, a, be.alloc('f32', 8), 8);
  assert.deepEqual(launches.map((l) => l.name), ['convert', 'add', 'convert']);
  assert.equal(be.bytesInUse() - inUse, 16 * 4 + 32 * 2 + 32 * 4 + 8 * 2 + 8 * 4 + 8 * 2 + 8 * 2 + 8 * 4, 'only the buffers asked for stay live');
});

test('f64 buffers (gradient checks) run the f64 variant with double scalars, f64 shared memory and its attention tile', () => {
  const { be, launches, gemms } = fakeBackend({ attention: 'kernel' });
  runAll(be, 'f64', 'f64');
  const kernels = launches.filter((l) => l.name !== 'convert' && l.name !== 'finish_sum');
  assert.ok(kernels.every((l) => l.variant === 'f64'), kernels.filter((l) => l.variant !== 'f64').map((l) => l.name).join());
  const axpy = launches.find((l) => l.name === 'axpy')!;
  assert.deepEqual(axpy.args[2], { kind: 'f64', value: 0.5 });
  const attention = launches.find((l) => l.name === 'attention_forward')!;
  // q, scores and scratch in doubles, then the tile's 128 key rows of D + 1 doubles; the tile goes as the last argument
  assert.equal(attention.shared, 8 * (4 + 128 + 32) + 8 * 128 * (4 + 1));
  assert.deepEqual(attention.args.at(-1), { kind: 'i32', value: 128 });
  assert.deepEqual(gemms, [{ a: 'f64', b: 'f64', c: 'f64' }]);
});

test('buffers: views share the allocation at an offset, bytesInUse counts what was asked for, freed blocks are reused', () => {
  const { be, allocs } = fakeBackend();
  assert.deepEqual(allocs, [GEMM_WORKSPACE_BYTES, sizeClass(PARTIALS)], 'the GEMM workspace and the reductions\' partial sums, once');
  const base = be.bytesInUse();
  const b = be.alloc('f32', 100);
  const v = be.view(b, 10, 20) as unknown as { ptr: bigint; length: number };
  assert.equal(v.ptr - (b as unknown as { ptr: bigint }).ptr, 40n);
  assert.throws(() => be.view(b, 90, 20), /outside a buffer of 100/);
  assert.equal(be.bytesInUse() - base, 400);
  be.free(v as unknown as DeviceBuffer);
  assert.equal(be.bytesInUse() - base, 400, 'freeing a view frees nothing');
  be.free(b);
  assert.equal(be.bytesInUse(), base);
  const again = be.alloc('bf16', 200);
  assert.equal((again as unknown as { ptr: bigint }).ptr, (b as unknown as { ptr: bigint }).ptr, 'same size class: the cached block');
  assert.equal(allocs.length, 3, 'no new device allocation');
  assert.throws(() => be.add(b, again, again, 1), /used after free/);
});

test('staging rules: widen only; int and double slots never convert', () => {
  const p = KERNELS.rmsnorm_forward.params;
  assert.equal(chooseVariant(p, ['bf16', 'f32', 'bf16', 'bf16', null, null, null]), 'bf16');
  assert.equal(chooseVariant(p, ['bf16', 'f32', 'f32', 'bf16', null, null, null]), 'f32');
  assert.equal(chooseVariant(p, ['f32', 'f64', 'f32', 'f32', null, null, null]), 'f64');
  assert.deepEqual(planStaging('x', p, ['bf16', 'bf16', 'bf16', 'bf16', null, null, null]).stage, [null, 'f32', null, null, null, null, null]);
  assert.throws(() => planStaging('rope', KERNELS.rope.params, ['f32', 'f32', 'f32', null, null, null, null]), /rope: argument 1 must be i32, not f32/);
  assert.deepEqual(gemmRunTypes('bf16', 'f32', 'bf16'), { a: 'f32', b: 'f32', c: 'f32' });
  assert.deepEqual(gemmRunTypes('bf16', 'bf16', 'f64'), { a: 'f64', b: 'f64', c: 'f64' });
});

test('memory for metrics: bytesInUse counts the live buffers and the GEMM workspace; peakBytesInUse keeps the most, GEMM temporaries included', () => {
  const { be } = fakeBackend();
  assert.equal(be.bytesInUse(), GEMM_WORKSPACE_BYTES + PARTIALS, 'the cuBLASLt workspace and the reductions\' f64 partials are live device bytes');
  assert.equal(be.peakBytesInUse(), be.bytesInUse());
  const a = be.alloc('bf16', 1000), b = be.alloc('f32', 1000), c = be.alloc('f32', 10);
  const live = be.bytesInUse();
  assert.equal(live, GEMM_WORKSPACE_BYTES + PARTIALS + 2000 + 4000 + 40);
  // a mixed GEMM widens the bf16 operand into a temporary f32 buffer (4000 bytes) for the call
  be.gemm(c, a, b, { m: 1, n: 10, k: 100, transB: true });
  assert.equal(be.bytesInUse(), live, 'the temporary is freed');
  assert.equal(be.peakBytesInUse(), live + 4000, 'and counted in the peak');
  for (const x of [a, b, c]) be.free(x);
  assert.equal(be.peakBytesInUse(), live + 4000, 'the peak stays after a free');
});

test('randomNormal launches random_normal with the 64-bit seed and counter, the std in f64, and refuses counters past 2^53', () => {
  const { be, launches } = fakeBackend();
  be.randomNormal(be.alloc('bf16', 64), 2 ** 40 + 1, 2 ** 33, 0.02, 64);
  const l = launches.at(-1)!;
  assert.equal(`${l.name}:${l.variant}`, 'random_normal:bf16');
  assert.deepEqual(l.args.slice(1).map((a) => a.kind === 'ptr' ? 'ptr' : `${a.kind} ${a.value}`), [`i64 ${2 ** 40 + 1}`, `i64 ${2 ** 33}`, 'f64 0.02', 'i64 64']);
  assert.throws(() => be.randomNormal(be.alloc('f32', 4), 0, 2 ** 53 - 2, 1, 4), /random counters .* outside \[0, 2\^53\)/);
  assert.throws(() => be.randomNormal(be.alloc('f32', 4), -1, 0, 1, 4), /random seed -1/);
});

test('close() gives back every device block (live ones too), cuBLASLt, the stream and the primary context, once', () => {
  const { be, allocs, frees, events } = fakeBackend();
  const kept = be.alloc('bf16', 1 << 20); // a weight nobody frees
  be.free(be.alloc('f32', 1000)); // a cached block
  be.fill(kept, 1);
  be.close();
  assert.equal(frees.length, allocs.length, 'one cuMemFree per cuMemAlloc');
  assert.equal(new Set(frees).size, frees.length);
  assert.deepEqual(events, ['sync', 'cublasLt', 'stream', 'context']);
  assert.equal(be.bytesInUse(), 0);
  assert.equal(be.memoryStats().reserved, 0);
  be.close();
  assert.equal(events.length, 4, 'a second close does nothing');
  be.free(kept); // its memory went with close(): a late free (a finally block, say) is a no-op, not a double free
  assert.equal(frees.length, allocs.length);
  assert.throws(() => be.alloc('f32', 4), /alloc on a closed CUDA backend/);
});

test('close() tries every step when one fails (a sticky device error) and throws the first error', () => {
  const { be, allocs, frees, events } = fakeBackend();
  be.alloc('f32', 10);
  (be as unknown as { driver: { streamSynchronize: () => void } }).driver.streamSynchronize = () => { throw new Error('CUDA_ERROR_ILLEGAL_ADDRESS'); };
  assert.throws(() => be.close(), /CUDA_ERROR_ILLEGAL_ADDRESS/);
  assert.equal(frees.length, allocs.length);
  assert.deepEqual(events, ['cublasLt', 'stream', 'context']);
});

test('empty GEMMs never reach cuBLASLt (it refuses empty layouts): m or n = 0 writes nothing, k = 0 leaves beta·C row by row', () => {
  const { be, gemms, launches } = fakeBackend();
  const a = be.alloc('f32', 12), b = be.alloc('f32', 12), c = be.alloc('f32', 12);
  be.gemm(c, a, b, { m: 0, n: 3, k: 4 });
  be.gemm(c, a, b, { m: 3, n: 0, k: 4 });
  be.gemm(c, a, b, { m: 3, n: 4, k: 0, beta: 1 });
  assert.equal(gemms.length + launches.length, 0);
  be.gemm(c, a, b, { m: 2, n: 3, k: 0, ldc: 5 });
  assert.deepEqual(launches.map((l) => l.name), ['fill', 'fill']);
  be.gemm(c, a, b, { m: 2, n: 3, k: 0, beta: 0.5 });
  assert.deepEqual(launches.slice(2).map((l) => l.name), ['scale', 'scale']);
  assert.equal(gemms.length, 0);
});

test('peakFlops: one bf16 8192³ GEMM timing (3 warm-up, 10 timed, synchronised), measured once, its buffers given back to the device', () => {
  const { be, gemms, launches, events } = fakeBackend();
  const reserved = be.memoryStats().reserved;
  const peak = be.peakFlops();
  assert.ok(peak > 0 && Number.isFinite(peak), `${peak}`);
  assert.equal(gemms.length, 13);
  assert.deepEqual(launches.filter((l) => l.name === 'random_normal').map((l) => l.variant), ['bf16', 'bf16']);
  assert.equal(events.filter((e) => e === 'sync').length, 3, 'after the warm-up, after the timed products, before the buffers go back');
  assert.equal(be.memoryStats().reserved, reserved, 'the 3 × 128 MiB go back to the device');
  assert.equal(be.peakFlops(), peak, 'measured once');
  assert.equal(gemms.length, 13);
});

test('MISTRAL_TUNE_CUDA_ATTENTION=gemm: attention is packing, one group\'s products through cuBLASLt and the row kernels; the rest of the backend is unchanged', () => {
  const { be, launches, gemms } = fakeBackend({ attention: 'gemm' });
  const B = 2, T = 5, Hq = 4, Hkv = 2, D = 8, s = (n: number) => be.alloc('bf16', n), e = (n: number) => be.alloc('f32', n);
  const shape = { B, T, Hq, Hkv, D, scale: 0.35, window: null };
  be.attentionForward(s(B * T * Hq * D), e(B * Hq * T), s(B * T * Hq * D), s(B * T * Hkv * D), s(B * T * Hkv * D), be.alloc('i32', B * T), shape);
  assert.deepEqual(launches.map((l) => l.name), ['attn_pack', ...Array(B * Hkv).fill('attn_softmax'), 'attn_pack']);
  assert.equal(gemms.length, 2 * B * Hkv, 'S = Q·Kᵀ and O = P·V per KV group');
  assert.deepEqual(gemms[0], { a: 'bf16', b: 'bf16', c: 'f32' }, 'scores in f32 from bf16 operands');
  assert.deepEqual(gemms[1], { a: 'bf16', b: 'bf16', c: 'bf16' });
  launches.length = 0;
  gemms.length = 0;
  be.attentionBackward(s(B * T * Hq * D), s(B * T * Hkv * D), s(B * T * Hkv * D), s(B * T * Hq * D), s(B * T * Hq * D), e(B * Hq * T),
    s(B * T * Hq * D), s(B * T * Hkv * D), s(B * T * Hkv * D), be.alloc('i32', B * T), shape);
  assert.deepEqual(launches.map((l) => l.name), ['attn_pack', 'attn_pack', 'attn_rowdot',
    ...Array(B * Hkv).fill(['attn_probs', 'attn_dscores']).flat(), 'attn_pack']);
  assert.equal(gemms.length, 5 * B * Hkv, 'S, dV, dP, dQ, dK per KV group');
  assert.ok(launches.every((l) => l.variant === 'bf16'));
});

test('MISTRAL_TUNE_CUDA_ATTENTION=flash: the tensor-core forward and backward for bf16 at head dims 64 and 128; otherwise the gemm path for bf16, the attention kernels for f32 (said once)', () => {
  const { be, launches } = fakeBackend({ attention: 'flash' });
  assert.match(be.describe(), /flash attention/);
  const run = (dtype: 'bf16' | 'f32', D: number, T: number): string[] => {
    launches.length = 0;
    const shape = { B: 2, T, Hq: 4, Hkv: 2, D, scale: 0.1, window: 3 }, s = (n: number) => be.alloc(dtype, n);
    be.attentionForward(s(2 * T * 4 * D), be.alloc('f32', 2 * 4 * T), s(2 * T * 4 * D), s(2 * T * 2 * D), s(2 * T * 2 * D), be.alloc('i32', 2 * T), shape);
    return launches.map((l) => l.name);
  };
  assert.deepEqual(run('bf16', 128, 130), ['flash_attention_forward_d128']);
  const l = launches[0]!;
  assert.deepEqual(l.args.slice(6).map((a) => (a.kind === 'ptr' ? 'ptr' : a.value)), [130, 130, 0, 4, 2, 0.1, 3, 1], 'T, K, q_offset, Hq, Hkv, scale, window, interior');
  assert.deepEqual(run('bf16', 64, 5), ['flash_attention_forward_d64']);
  const said: string[] = [], write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => { said.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    assert.ok(run('bf16', 32, 5).includes('attn_softmax'), 'another head dim: the gemm forward');
    assert.deepEqual(run('f32', 64, 5), ['attention_forward'], 'f32 storage: the attention kernels (f32 sums, as the CPU\'s)');
    run('bf16', 32, 5);
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(said, [
    'cuda backend: flash attention does not take head dim 32 (built for 64 and 128): attention through cuBLASLt instead\n',
    'cuda backend: flash attention does not take f32 storage (bf16 only): the attention kernels instead\n',
  ], 'each reason said once');
  const back = (dtype: 'bf16' | 'f32', D: number, T: number): string[] => {
    launches.length = 0;
    const shape = { B: 2, T, Hq: 4, Hkv: 2, D, scale: 0.1, window: 3 }, s = (n: number) => be.alloc(dtype, n), nq = 2 * T * 4 * D, nk = 2 * T * 2 * D;
    be.attentionBackward(s(nq), s(nk), s(nk), s(nq), s(nq), be.alloc('f32', 2 * 4 * T), s(nq), s(nk), s(nk), be.alloc('i32', 2 * T), shape);
    return launches.map((l) => l.name);
  };
  assert.deepEqual(back('bf16', 128, 130), ['attn_rowdot', 'fill', 'flash_attention_backward_d128', 'convert', 'convert', 'convert'],
    'rowdot, the dQ, dK and dV accumulators zeroed (one buffer), the kernel, the three rounded into dq, dk and dv');
  const k = launches[2]!;
  assert.deepEqual(k.args.slice(10).map((a) => (a.kind === 'ptr' ? 'ptr' : a.value)), [130, 4, 2, 0.1, 3, 1], 'T, Hq, Hkv, scale, window, interior');
  assert.ok(back('bf16', 32, 5).includes('attn_dscores'), 'another head dim: the gemm backward');
});

test('MISTRAL_TUNE_CUDA_FLASH_INTERIOR reaches both flash kernels\' last argument at each launch: 1 by default (the fast path on fully visible tiles), 0 masks every tile, anything else an error naming the variable', () => {
  const { be, launches } = fakeBackend({ attention: 'flash' });
  const T = 70, shape = { B: 1, T, Hq: 2, Hkv: 1, D: 64, scale: 0.1, window: null }, s = (n: number) => be.alloc('bf16', n);
  const nq = T * 2 * 64, nk = T * 64;
  const interior = (value: string | undefined): number[] => withEnv('MISTRAL_TUNE_CUDA_FLASH_INTERIOR', value, () => {
      launches.length = 0;
      be.attentionForward(s(nq), be.alloc('f32', 2 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
      be.attentionBackward(s(nq), s(nk), s(nk), s(nq), s(nq), be.alloc('f32', 2 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
      const flash = launches.filter((l) => l.name.startsWith('flash_attention_'));
      assert.deepEqual(flash.map((l) => l.name), ['flash_attention_forward_d64', 'flash_attention_backward_d64']);
      for (const l of flash) assert.equal(l.args.length, KERNELS[l.name as KernelName].params.length, `${l.name}: the kernel table's arguments`);
      return flash.map((l) => l.args.at(-1)!.value as number);
  });
  assert.deepEqual(interior(undefined), [1, 1], 'unset: the fast path');
  assert.deepEqual(interior(''), [1, 1], 'empty: the default');
  assert.deepEqual(interior('0'), [0, 0], '0: every tile masked');
  assert.deepEqual(interior('1'), [1, 1]);
  assert.throws(() => interior('yes'), (e: Error) => e instanceof UserError &&
    e.message === 'MISTRAL_TUNE_CUDA_FLASH_INTERIOR=yes: expected 1 (skip the mask on fully visible tiles, the default) or 0 (mask every tile)');
});

/**
 * The flash kernels' block switches, each read at each launch: the one flash launch of the call at the default (unset,
 * empty, 0) and at 1 — name, grid (head, tile, row), threads and shared bytes at T 200, D 128 — the wide kernel allowed
 * its shared memory, anything else an error naming the variable.
 */
const FLASH_SWITCHES = [
  { variable: 'MISTRAL_TUNE_CUDA_FLASH_BWD128', what: 'the flash backward in blocks of 128 keys (8 warps)', pass: 'backward' as const,
    narrow: ['flash_attention_backward_d128', { x: 4, y: 4, z: 1 }, { x: 128, y: 1, z: 1 }, 115_456],
    wide: ['flash_attention_backward_k128_d128', { x: 4, y: 2, z: 1 }, { x: 256, y: 1, z: 1 }, 158_720],
    error: 'expected 1 (the flash backward in blocks of 128 keys) or 0 (in blocks of 64, the default)' },
  { variable: 'MISTRAL_TUNE_CUDA_FLASH_FWD128', what: 'the flash forward in blocks of 128 queries (32 a warp)', pass: 'forward' as const,
    narrow: ['flash_attention_forward_d128', { x: 4, y: 4, z: 1 }, { x: 128, y: 1, z: 1 }, 70_144],
    wide: ['flash_attention_forward_q128_d128', { x: 4, y: 2, z: 1 }, { x: 128, y: 1, z: 1 }, 104_960],
    error: 'expected 1 (the flash forward in blocks of 128 queries) or 0 (in blocks of 64, the default)' },
];

for (const sw of FLASH_SWITCHES) {
  test(`${sw.variable} runs ${sw.what} at each launch: 64 by default, anything else than 0 or 1 an error naming the variable`, () => {
    const { be, launches, sharedAllowed } = fakeBackend({ attention: 'flash' });
    const T = 200, shape = { B: 1, T, Hq: 4, Hkv: 2, D: 128, scale: 0.1, window: null }, s = (n: number) => be.alloc('bf16', n);
    const nq = T * 4 * 128, nk = T * 2 * 128;
    const launched = (value: string | undefined): unknown[] => withEnv(sw.variable, value, () => {
      launches.length = 0;
      if (sw.pass === 'forward') be.attentionForward(s(nq), be.alloc('f32', 4 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
      else be.attentionBackward(s(nq), s(nk), s(nk), s(nq), s(nq), be.alloc('f32', 4 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
      const flash = launches.filter((l) => l.name.startsWith('flash_attention_'));
      assert.equal(flash.length, 1);
      assert.equal(flash[0]!.args.length, KERNELS[flash[0]!.name as KernelName].params.length, 'the kernel table\'s arguments');
      const l = flash[0]!;
      return [l.name, l.grid, l.block, l.shared];
    });
    for (const value of [undefined, '', '0']) assert.deepEqual(launched(value), sw.narrow, `${value}`);
    assert.deepEqual(launched('1'), sw.wide);
    assert.ok(sharedAllowed.includes(`${sw.wide[0]} ${sw.wide[3]}`), 'the kernel is allowed its shared memory');
    assert.throws(() => launched('yes'), (e: Error) => e instanceof UserError && e.message === `${sw.variable}=yes: ${sw.error}`);
  });
}

test('MISTRAL_TUNE_CUDA_ATTENTION=flash on a GPU older than compute capability 8.0: attention through cuBLASLt, said once', () => {
  const { be, launches } = fakeBackend({ attention: 'flash', arch: 'sm_75' });
  const shape = { B: 1, T: 5, Hq: 2, Hkv: 1, D: 64, scale: 0.1, window: null }, s = (n: number) => be.alloc('bf16', n);
  const { stderr } = captureStderr(() =>
    be.attentionForward(s(5 * 2 * 64), be.alloc('f32', 2 * 5), s(5 * 2 * 64), s(5 * 64), s(5 * 64), be.alloc('i32', 5), shape));
  assert.ok(launches.every((l) => !l.name.startsWith('flash_')) && launches.some((l) => l.name === 'attn_softmax'));
  assert.equal(stderr, 'cuda backend: flash attention does not take compute capability 7.5 (it needs 8.0 or newer): attention through cuBLASLt instead\n');
});

test('MISTRAL_TUNE_CUDA_ATTENTION=flash where a block may have less shared memory than a flash kernel needs (sm_86, sm_89: 99 KiB): that kernel is not launched, said once', () => {
  // the backward at D = 128 takes 115,456 bytes; the forward's 70,144 fit
  const { be, launches } = fakeBackend({ attention: 'flash', arch: 'sm_89', sharedPerBlock: 101376 });
  const T = 70, shape = { B: 1, T, Hq: 2, Hkv: 1, D: 128, scale: 0.1, window: null }, s = (n: number) => be.alloc('bf16', n);
  const nq = T * 2 * 128, nk = T * 128;
  const { stderr } = captureStderr(() => {
    be.attentionForward(s(nq), be.alloc('f32', 2 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
    be.attentionBackward(s(nq), s(nk), s(nk), s(nq), s(nq), be.alloc('f32', 2 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
  });
  const names = launches.map((l) => l.name);
  assert.ok(names.includes('flash_attention_forward_d128') && !names.includes('flash_attention_backward_d128') && names.includes('attn_dscores'), names.join(' '));
  assert.equal(stderr, 'cuda backend: flash attention does not take 115456 bytes of shared memory a block at head dim 128 (the GPU allows 101376): attention through cuBLASLt instead\n');
});

test('a head dim past the attention kernels\' 512 (a config may give any): attention through cuBLASLt, said once, never a refusal; the memory plan counts that path', () => {
  const { be, launches } = fakeBackend({ attention: 'kernel' });
  const run = (D: number): string[] => {
    launches.length = 0;
    const T = 3, shape = { B: 1, T, Hq: 2, Hkv: 1, D, scale: 0.1, window: null }, s = (n: number) => be.alloc('bf16', n), nq = T * 2 * D, nk = T * D;
    be.attentionForward(s(nq), be.alloc('f32', 2 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
    be.attentionBackward(s(nq), s(nk), s(nk), s(nq), s(nq), be.alloc('f32', 2 * T), s(nq), s(nk), s(nk), be.alloc('i32', T), shape);
    return launches.map((l) => l.name);
  };
  assert.deepEqual(run(512), ['attention_forward', 'attention_backward_dq', 'attention_backward_dkv'], 'the kernels up to 512');
  const { stderr } = captureStderr(() => {
    for (const D of [576, 576, 1024]) assert.ok(run(D).includes('attn_softmax') && launches.some((l) => l.name === 'attn_dscores'), `head dim ${D}: the gemm path`);
  });
  assert.equal(stderr, 'cuda backend: the attention kernels take head dims up to 512, not 576: attention through cuBLASLt instead\n' +
    'cuda backend: the attention kernels take head dims up to 512, not 1024: attention through cuBLASLt instead\n');
  const train = validate({ model: 'unused', data: { train: 'unused.jsonl' }, output_dir: 'unused', precision: 'bf16' }, 'test');
  const model = parseConfig({ model_type: 'mistral', vocab_size: 64, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 576 });
  const shape = { B: 2, T: 40, Hq: 2, Hkv: 1, D: 576 };
  assert.equal(planMemory(train, model, { B: 2, T: 40 }, 'cuda', 'kernel').workspace, gemmAttentionWorkspaceBytes(shape, 2, 4));
  assert.equal(planMemory(train, { ...model, headDim: 512 }, { B: 2, T: 40 }, 'cuda', 'kernel').workspace, attentionWorkspaceBytes({ ...shape, D: 512 }));
});

test('a batch of more than 65535 rows (an evaluation\'s --batch-size may be): attention in slices of 65535 rows (a grid\'s z), each on its views (the kernels and flash: the gemm path loops over rows)', () => {
  for (const attention of ['kernel', 'flash'] as const) {
    const { be, launches } = fakeBackend({ attention });
    const B = 65535 + 3, T = 2, Hq = 2, Hkv = 1, D = 64, s = (n: number) => be.alloc('bf16', n), shape = { B, T, Hq, Hkv, D, scale: 0.1, window: null };
    const nq = B * T * Hq * D, nk = B * T * Hkv * D, out = s(nq), seg = be.alloc('i32', B * T);
    be.attentionForward(out, be.alloc('f32', B * Hq * T), s(nq), s(nk), s(nk), seg, shape);
    const at = (buf: DeviceBuffer, rows: number, perRow: number, bytes: number): bigint => (buf as CudaBuffer).ptr + BigInt(rows * perRow * bytes);
    const calls = launches.filter((l) => l.name === (attention === 'kernel' ? 'attention_forward' : 'flash_attention_forward_d64'));
    assert.deepEqual(calls.map((l) => l.args[0]!.value), [at(out, 0, 0, 2), at(out, 65535, T * Hq * D, 2)], `${attention}: out of each slice`);
    assert.deepEqual(calls.map((l) => l.args[5]!.value), [at(seg, 0, 0, 4), at(seg, 65535, T, 4)], `${attention}: segments of each slice`);
    launches.length = 0;
    be.attentionBackward(s(nq), s(nk), s(nk), s(nq), s(nq), be.alloc('f32', B * Hq * T), s(nq), s(nk), s(nk), seg, shape);
    const kernels = attention === 'kernel' ? ['attention_backward_dq', 'attention_backward_dkv'] : ['flash_attention_backward_d64'];
    assert.deepEqual(launches.filter((l) => kernels.includes(l.name)).length, 2 * kernels.length, `${attention}: the backward a slice at a time`);
  }
});

test('a kernel is allowed its dynamic shared memory above 48 KiB once, not at every launch (again only for more)', () => {
  const { be, launches, sharedAllowed } = fakeBackend({ attention: 'flash' });
  const forward = (D: number): void => {
    const shape = { B: 1, T: 70, Hq: 2, Hkv: 1, D, scale: 0.1, window: null }, s = (n: number) => be.alloc('bf16', n);
    be.attentionForward(s(70 * 2 * D), be.alloc('f32', 2 * 70), s(70 * 2 * D), s(70 * D), s(70 * D), be.alloc('i32', 70), shape);
  };
  for (let i = 0; i < 3; i++) forward(128);
  forward(64);
  assert.deepEqual(launches.map((l) => l.shared), [70144, 70144, 70144, 37376], 'two stages of K and V tiles, 64 × (D + 8) bf16 each, and their key segments');
  assert.deepEqual(sharedAllowed, ['flash_attention_forward_d128 70144'], 'the 37 KB of D = 64 need no attribute');
});

test('a product cuBLASLt has no algorithm for runs on the fallback GEMM kernel: its variant and output type, the GEMM\'s layout, the addend; said once', () => {
  const { be, launches } = fakeBackend({ noAlgorithm: true });
  const { stderr } = captureStderr(() => {
    be.gemm(be.alloc('bf16', 4 * 5), be.alloc('bf16', 4 * 7), be.alloc('bf16', 5 * 7), { m: 4, n: 5, k: 7, transB: true });
    be.gemm(be.alloc('f32', 4 * 5), be.alloc('bf16', 4 * 7), be.alloc('bf16', 5 * 7), { m: 4, n: 5, k: 7, transB: true });
  });
  assert.equal(stderr, 'cuda backend: cuBLASLt has no algorithm for a bf16 GEMM of 4×5×7 (lda 7, ldb 7, ldc 5, batch 1); such products run on the fallback GEMM kernel (slower)\n');
  assert.deepEqual(launches.map((l) => `${l.name}:${l.variant}`), ['gemm_fallback:bf16', 'gemm_fallback_exact:bf16'], 'bf16 C in the storage type; f32 C from bf16 operands exact');
  for (const l of launches) assert.equal(l.args.length, KERNELS[l.name as KernelName].params.length, l.name);
  launches.length = 0;
  // out of place, transposed A, strided batches past the grid's 65535 z-blocks; f32 and f64 operands
  const c = be.alloc('f32', 70000 * 6), add = be.alloc('f32', 70000 * 6), a = be.alloc('f32', 3 * 2), b = be.alloc('f32', 70000 * 3 * 3);
  be.gemm(c, a, b, { m: 2, n: 3, k: 3, transA: true, alpha: 0.5, beta: 2, batch: 70000, strideA: 0, strideB: 9, strideC: 6 }, add);
  be.gemm(be.alloc('f64', 6), be.alloc('f64', 6), be.alloc('f64', 9), { m: 2, n: 3, k: 3 });
  assert.deepEqual(launches.map((l) => `${l.name}:${l.variant}`), ['gemm_fallback:f32', 'gemm_fallback:f64']);
  const [f32, f64] = launches;
  const args = f32!.args.map((x) => (x.kind === 'ptr' ? x.value : x.value));
  assert.deepEqual(args.slice(0, 4), [(c as CudaBuffer).ptr, (add as CudaBuffer).ptr, (a as CudaBuffer).ptr, (b as CudaBuffer).ptr], 'C, the addend, A, B');
  assert.deepEqual(args.slice(4), [2, 3, 3, 1, 0, 2, 3, 3, 0n, 9n, 6n, 70000, 0.5, 2], 'm n k, transA transB, lda ldb ldc, strides, batch, alpha beta');
  assert.deepEqual(f64!.args.slice(-2), [{ kind: 'f64', value: 1 }, { kind: 'f64', value: 0 }], 'the f64 variant\'s alpha and beta are doubles');
  const sizes = { k: 3, lda: 3, ldb: 3, ldc: 3 };
  assert.deepEqual(gemmFallback({ m: 2, n: 3, batch: 70000, ...sizes }), { grid: { x: 1, y: 1, z: 65535 }, block: { x: 16, y: 16, z: 1 }, sharedBytes: 0 });
  assert.deepEqual(gemmFallback({ m: 40, n: 17, batch: 1, ...sizes }).grid, { x: 3 * 2, y: 1, z: 1 }, 'one block per 16×16 tile of C');
  // a k or leading dimension past an int (a view's row stride of 2^31 elements) is refused by name, not a RangeError of an argument
  // k within a tile of an int (the kernel's k0 += 16 passed 2^31 - 1: an endless loop), a batch within the grid's z of it (bt += gridDim.z)
  for (const big of [{ k: 2 ** 31 }, { k: 2 ** 31 - 1 }, { lda: 2 ** 31 }, { ldb: 2 ** 32 }, { ldc: 2 ** 31 + 5 }, { batch: 2 ** 31 - 2 }]) {
    assert.throws(() => gemmFallback({ m: 4, n: 4, batch: 1, ...sizes, ...big }), (e: Error) => e.name === 'UserError' && /GEMM of 4×4×\d+ \(lda \d+, ldb \d+, ldc \d+, batch \d+\) exceeds the fallback kernel's int sizes/.test(e.message), JSON.stringify(big));
  }
});

test('the memory plan\'s attention paths: flash alone where the GPU runs both flash kernels, cuBLASLt\'s too where it does not run one (sm_89\'s 99 KiB: the D = 128 backward) or is unknown', () => {
  const h200 = { arch: 'sm_90a', sharedPerBlock: 232448 }, ada = { arch: 'sm_89', sharedPerBlock: 101376 }, turing = { arch: 'sm_75', sharedPerBlock: 65536 };
  assert.deepEqual(plannedAttentionPaths('flash', 128, 'bf16', h200), ['flash']);
  assert.deepEqual(plannedAttentionPaths('flash', 64, 'bf16', ada), ['flash'], 'both D = 64 kernels fit 99 KiB');
  assert.deepEqual(plannedAttentionPaths('flash', 128, 'bf16', ada), ['flash', 'gemm'], 'the forward on flash, the backward through cuBLASLt');
  assert.deepEqual(plannedAttentionPaths('flash', 128, 'bf16', turing), ['gemm']);
  for (const unknown of [null, { arch: 'sm_90a', sharedPerBlock: null }]) assert.deepEqual(plannedAttentionPaths('flash', 128, 'bf16', unknown), ['flash', 'gemm']);
  assert.deepEqual(plannedAttentionPaths('flash', 128, 'f32', h200), ['kernel'], 'fp32: the attention kernels');
  assert.deepEqual(plannedAttentionPaths('flash', 576, 'f32', h200), ['gemm'], 'fp32 past the kernels\' 512: cuBLASLt');
  assert.deepEqual(plannedAttentionPaths('flash', 96, 'bf16', h200), ['gemm'], 'a head dim flash is not built for');
  assert.deepEqual(plannedAttentionPaths('kernel', 128, 'bf16', h200), ['kernel']);
  assert.deepEqual(plannedAttentionPaths('kernel', 576, 'bf16', null), ['gemm']);
  assert.deepEqual(plannedAttentionPaths('gemm', 128, 'bf16', h200), ['gemm']);
});

test('a scalar past its C int at a launch is refused naming the kernel and the argument (not the driver binding\'s bare RangeError)', () => {
  const { be, launches } = fakeBackend();
  const [src, dst, ids] = [be.alloc('bf16', 8), be.alloc('bf16', 8), be.alloc('i32', 2)] as CudaBuffer[];
  assert.throws(() => be.kernels.launch('gather_rows', { grid: { x: 1, y: 1, z: 1 }, block: { x: 32, y: 1, z: 1 }, sharedBytes: 0 }, [dst, src, ids, 2, 2 ** 31, 4]),
    (e: Error) => e instanceof RangeError && /^gather_rows: argument 4 is 2147483648, which does not fit the kernel's int/.test(e.message));
  assert.throws(() => be.kernels.launch('gather_rows', { grid: { x: 1, y: 1, z: 1 }, block: { x: 32, y: 1, z: 1 }, sharedBytes: 0 }, [dst, src, ids, 2, 1.5, 4]),
    (e: Error) => /^gather_rows: argument 4 is 1\.5, which does not fit the kernel's int$/.test(e.message));
  assert.equal(launches.length, 0, 'nothing launched');
});

// the 64-bit codes as the 32-bit ones: a number that is no integer (BigInt's bare RangeError), or a value past the C
// type (a negative unsigned long long wrapped silently), named at the launch; an unsigned long long at or past 2^63,
// which the packing's int64 refused, reaches the kernel as its value
test('a 64-bit scalar that is no integer or past its C type at a launch is refused naming the kernel and the argument; an unsigned one past 2^63 is passed whole', () => {
  const { be, launches } = fakeBackend();
  const out = be.alloc('f32', 8) as CudaBuffer;
  const geometry = { grid: { x: 1, y: 1, z: 1 }, block: { x: 32, y: 1, z: 1 }, sharedBytes: 0 };
  assert.throws(() => be.kernels.launch('fill', geometry, [out, 0, 1.5]), (e: Error) => /^fill: argument 2 is 1\.5, which does not fit the kernel's long long$/.test(e.message));
  assert.throws(() => be.kernels.launch('fill', geometry, [out, 0, 2n ** 63n]),
    (e: Error) => e instanceof RangeError && /^fill: argument 2 is 9223372036854775808, which does not fit the kernel's long long/.test(e.message));
  for (const seed of [-1n, 2n ** 64n]) {
    assert.throws(() => be.kernels.launch('random_normal', geometry, [out, seed, 0n, 1, 8n]),
      (e: Error) => new RegExp(`^random_normal: argument 1 is ${seed}, which does not fit the kernel's unsigned long long`).test(e.message));
  }
  assert.equal(launches.length, 0, 'nothing launched');
  be.kernels.launch('random_normal', geometry, [out, 2n ** 64n - 1n, 0n, 1, 8n]);
  const [seed] = packKernelArgs([launches[0]!.args[1]!]);
  assert.equal(seed!.readBigUInt64LE(), 2n ** 64n - 1n);
});

test('a launch the driver refuses (cuLaunchKernel\'s status) is a CudaError of that status naming the kernel, its variant and its geometry, where the binding named only cuLaunchKernel', () => {
  const { be } = fakeBackend({ launchStatus: 1 });
  const buf = be.alloc('f32', 1000);
  assert.throws(() => be.fill(buf, 2), (e: Error & { status?: number; call?: string }) => {
    assert.equal(e.name, 'CudaError');
    assert.deepEqual([e.call, e.status], ['cuLaunchKernel', 1], 'the call and status kept (callers tell out-of-memory and the like apart by status)');
    assert.equal(e.message, 'CUDA driver: cuLaunchKernel failed with 1 CUDA_ERROR_INVALID_VALUE (invalid argument) (kernel fill, f32: grid 4×1×1, block 256×1×1, 0 bytes of dynamic shared memory)');
    return true;
  });
});
