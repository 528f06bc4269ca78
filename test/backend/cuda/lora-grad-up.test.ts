// lora_grad_up (cuda/lora-grad-up.ts) without a GPU: the switch, which calls it takes, its grid, and the backend's
// launches on the recording stand-ins — the rank's kernel with the accumulator, ∂B, dy, z, B, the shape and s, then
// lora_grad_up_finish; the two cuBLASLt products for the rest, for all with the switch off, and on a GPU below sm_80.
// What the kernels compute: test/backend/lora-grad-up.test.ts on CUDA with MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 (the
// emulator in npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoraGradUpSpec } from '../../../src/backend/backend.ts';
import { cuda } from '../../../src/backend/cuda/cuda-buffer.ts';
import { loraGradUpFits, loraGradUpFromEnv, loraGradUpKernel } from '../../../src/backend/cuda/lora-grad-up.ts';
import { LORA_GRAD_UP, loraGradUp } from '../../../src/backend/cuda/launch.ts';
import { UserError } from '../../../src/util/errors.ts';
import { captureStderr } from '../../tokenizer/helpers.ts';
import { fakeBackend } from './fake-cuda.ts';

test('MISTRAL_TUNE_CUDA_LORA_GRAD_UP: 0 by default (also when empty), 1 turns it on, anything else a one-line error naming the variable', () => {
  assert.equal(loraGradUpFromEnv({}), false);
  assert.equal(loraGradUpFromEnv({ MISTRAL_TUNE_CUDA_LORA_GRAD_UP: '' }), false);
  assert.equal(loraGradUpFromEnv({ MISTRAL_TUNE_CUDA_LORA_GRAD_UP: '1' }), true);
  assert.throws(() => loraGradUpFromEnv({ MISTRAL_TUNE_CUDA_LORA_GRAD_UP: 'yes' }), (e: Error) => e instanceof UserError && /^MISTRAL_TUNE_CUDA_LORA_GRAD_UP=yes: expected 1/.test(e.message));
});

test('the rank picks its kernel; the grid spans N in whole tiles, as many spans as the SMs hold beside the column blocks (one wave)', () => {
  assert.deepEqual([8, 16, 24, 32, 40, 64].map(loraGradUpKernel), ['lora_grad_up_r16', 'lora_grad_up_r16', 'lora_grad_up_r32', 'lora_grad_up_r32', 'lora_grad_up_r64', 'lora_grad_up_r64']);
  assert.throws(() => loraGradUpKernel(72), /rank 72 above the LoRA gradient kernel's 64/);
  // gate at 1×2048 on 132 SMs, r 16 (7 blocks an SM: 924): 112 column blocks, 8 spans of 256 rows (4 tiles): 896 blocks
  const gate = loraGradUp(2048, 14336, 16, 132);
  assert.deepEqual([gate.grid, gate.rowsPerBlock], [{ x: 112, y: 8, z: 1 }, 256]);
  // the same at r 64 (3 blocks an SM: 396): 3 spans of 704 rows, 336 blocks — not 560 in 1.4 waves
  const gate64 = loraGradUp(2048, 14336, 64, 132);
  assert.deepEqual([gate64.grid, gate64.rowsPerBlock], [{ x: 112, y: 3, z: 1 }, 704]);
  // k at 1×2048: 8 column blocks, a span a tile (32 spans)
  const k = loraGradUp(2048, 1024, 16, 132);
  assert.deepEqual([k.grid, k.rowsPerBlock], [{ x: 8, y: 32, z: 1 }, 64]);
  // N off the tiles; one SM: one span of all three tiles
  const odd = loraGradUp(150, 520, 16, 1);
  assert.deepEqual([odd.grid, odd.rowsPerBlock], [{ x: 5, y: 1, z: 1 }, 192]);
  assert.throws(() => loraGradUp(64, 64, 72, 132), /rank 72 above/);
  for (const [N, out, r, sms] of [[1, 8, 8, 132], [4096, 14336, 16, 132], [8192, 4096, 32, 114], [333, 1000, 64, 7], [16384, 14336, 64, 132]] as const) {
    const l = loraGradUp(N, out, r, sms);
    assert.equal(l.rowsPerBlock % LORA_GRAD_UP.rows, 0, 'whole tiles');
    assert.ok(l.grid.y * l.rowsPerBlock >= N && (l.grid.y - 1) * l.rowsPerBlock < N, `${N}×${out}: every row in one span, no empty span`);
    assert.equal(l.grid.x, Math.ceil(out / LORA_GRAD_UP.cols));
    const perSm = LORA_GRAD_UP.blocksPerSm[LORA_GRAD_UP.ranks.findIndex((k) => r <= k)]!;
    assert.ok(l.grid.x * l.grid.y <= Math.max(perSm * sms, l.grid.x), `${N}×${out} r ${r}: one wave (or one span)`);
  }
});

test('which calls it takes: bf16 with an f32 ∂B (or none), r a multiple of 8 up to 64, 16-byte rows, dz within the accumulator', () => {
  const { be } = fakeBackend();
  const spec: LoraGradUpSpec = { n: 2048, out: 14336, r: 16, ld: 32, scaling: 2 };
  const bufs = (s: LoraGradUpSpec, dtype: 'bf16' | 'f32' = 'bf16', dBType: 'f32' | 'bf16' = 'f32') => ({
    dz: cuda(be.alloc(dtype, s.n * s.ld)), dB: cuda(be.alloc(dBType, s.out * s.r)), dy: cuda(be.alloc(dtype, s.n * s.out)),
    z: cuda(be.alloc(dtype, s.n * s.ld)), B: cuda(be.alloc(dtype, s.out * s.r)),
  });
  const fits = (s: LoraGradUpSpec, b = bufs(s), acc: number = LORA_GRAD_UP.accFloats, dB: typeof b.dB | null = b.dB) => loraGradUpFits(b.dz, dB, b.dy, b.z, b.B, s, acc);
  assert.ok(fits(spec));
  assert.ok(fits(spec, bufs(spec), LORA_GRAD_UP.accFloats, null), 'no ∂B');
  const b = bufs(spec);
  assert.ok(loraGradUpFits(b.dz.view(16, b.dz.length - 16), b.dB, b.dy, b.z.view(16, b.z.length - 16), b.B, spec, LORA_GRAD_UP.accFloats), 'the second slot (32 bytes in)');
  assert.ok(!loraGradUpFits(b.dz.view(4, b.dz.length - 4), b.dB, b.dy, b.z.view(4, b.z.length - 4), b.B, spec, LORA_GRAD_UP.accFloats), 'a slot 8 bytes in');
  // ∂B takes two-float atomics (8-byte aligned), dy and B 16-byte copies: a view of a flat buffer off those is the GEMMs'
  const at = (dtype: 'bf16' | 'f32', length: number, offset: number) => cuda(be.alloc(dtype, length + offset)).view(offset, length);
  const dBs = spec.out * spec.r;
  assert.ok(!loraGradUpFits(b.dz, at('f32', dBs, 1), b.dy, b.z, b.B, spec, LORA_GRAD_UP.accFloats), '∂B 4 bytes in');
  assert.ok(loraGradUpFits(b.dz, at('f32', dBs, 2), b.dy, b.z, b.B, spec, LORA_GRAD_UP.accFloats), '∂B 8 bytes in');
  assert.ok(!loraGradUpFits(b.dz, b.dB, at('bf16', spec.n * spec.out, 4), b.z, b.B, spec, LORA_GRAD_UP.accFloats), 'dy 8 bytes in');
  assert.ok(!loraGradUpFits(b.dz, b.dB, b.dy, b.z, at('bf16', dBs, 4), spec, LORA_GRAD_UP.accFloats), 'B 8 bytes in');
  assert.ok(loraGradUpFits(b.dz, b.dB, at('bf16', spec.n * spec.out, 8), b.z, at('bf16', dBs, 8), spec, LORA_GRAD_UP.accFloats), 'dy and B 16 bytes in');
  assert.ok(!fits(spec, bufs(spec, 'f32')), 'f32 activations');
  assert.ok(!fits(spec, bufs(spec, 'bf16', 'bf16')), 'a bf16 ∂B');
  for (const bad of [{ r: 12, ld: 24 }, { r: 72, ld: 72 }, { out: 4100 }, { ld: 20, r: 8 }]) assert.ok(!fits({ ...spec, ...bad }), JSON.stringify(bad));
  assert.ok(fits({ ...spec, r: 64, ld: 64 }));
  assert.ok(!fits(spec, bufs(spec), 2048 * 16 - 1), 'dz past the accumulator');
});

test('switched on, the backend launches the rank\'s kernel (accumulator, ∂B, dy, z, B, shape, span, s) and the finish; cuBLASLt for the rest and with the switch off', () => {
  const ptr = (buf: unknown): bigint => (buf as { ptr: bigint }).ptr;
  const { be, launches, ltCalls, allocs } = fakeBackend({ loraGradUp: true, splitK: 132 });
  assert.ok(allocs.includes(LORA_GRAD_UP.accFloats * 4), 'the accumulator is allocated with the backend');
  const fills = launches.length; // (the accumulator zeroed once)
  const spec: LoraGradUpSpec = { n: 2048, out: 14336, r: 16, ld: 32, scaling: 2 };
  const z = be.alloc('bf16', 2048 * 32), dz = be.alloc('bf16', 2048 * 32), dy = be.alloc('bf16', 2048 * 14336), B = be.alloc('bf16', 14336 * 16), dB = be.alloc('f32', 14336 * 16);
  const zSlot = be.view(z, 16, z.length - 16), dzSlot = be.view(dz, 16, dz.length - 16);
  be.loraGradUp(dzSlot, dB, dy, zSlot, B, spec);
  const ours = launches.slice(fills);
  assert.deepEqual(ours.map((l) => l.name), ['lora_grad_up_r16', 'lora_grad_up_finish']);
  const acc = ours[0]!.args[0]!.value;
  assert.deepEqual(ours[0]!.args.map((a) => a.value), [acc, ptr(dB), ptr(dy), ptr(zSlot), ptr(B), 2048, 14336, 16, 14336, 32, 256, 2]);
  assert.deepEqual([ours[0]!.grid, ours[0]!.block], [{ x: 112, y: 8, z: 1 }, { x: 128, y: 1, z: 1 }]);
  assert.deepEqual(ours[1]!.args.map((a) => a.value), [ptr(dzSlot), acc, 2048, 16, 32, 2]);
  assert.equal(ltCalls.length, 0, 'nothing went to cuBLASLt');
  // r 12 (rows off 16 bytes): the two products
  be.loraGradUp(be.alloc('bf16', 64 * 12), be.alloc('f32', 256 * 12), be.alloc('bf16', 64 * 256), be.alloc('bf16', 64 * 12), be.alloc('bf16', 256 * 12), { n: 64, out: 256, r: 12, ld: 12, scaling: 1 });
  assert.equal(ltCalls.length, 2);
  assert.ok(!launches.slice(fills + 2).some((l) => l.name.startsWith('lora_grad_up')));
  const off = fakeBackend();
  off.be.loraGradUp(off.be.alloc('bf16', 64 * 16), off.be.alloc('f32', 256 * 16), off.be.alloc('bf16', 64 * 256), off.be.alloc('bf16', 64 * 16), off.be.alloc('bf16', 256 * 16), { n: 64, out: 256, r: 16, ld: 16, scaling: 1 });
  assert.deepEqual([off.launches.length, off.ltCalls.length], [0, 2]);
});

// the blocks an SM holds depend on the registers ptxas gives each kernel, which vary with the NVRTC version and the
// architecture: the grid takes them from the driver's occupancy query, LORA_GRAD_UP.blocksPerSm (sm_90a) only where the
// driver cannot say (it lacks the query, or the query fails)
test('the spans of lora_grad_up\'s grid follow the blocks an SM holds as the driver reports them (cuOccupancyMaxActiveBlocksPerMultiprocessor)', () => {
  const spec: LoraGradUpSpec = { n: 2048, out: 14336, r: 16, ld: 16, scaling: 2 };
  const run = (blocksPerSM?: number, occupancyStatus?: number) => {
    const { be, launches, events } = fakeBackend({ loraGradUp: true, splitK: 132, ...(blocksPerSM !== undefined ? { blocksPerSM } : {}), ...(occupancyStatus !== undefined ? { occupancyStatus } : {}) });
    be.loraGradUp(be.alloc('bf16', 2048 * 16), be.alloc('f32', 14336 * 16), be.alloc('bf16', 2048 * 14336), be.alloc('bf16', 2048 * 16), be.alloc('bf16', 14336 * 16), spec);
    const l = launches.find((x) => x.name === 'lora_grad_up_r16')!;
    return { grid: l.grid, rowsPerBlock: l.args[10]!.value, queries: events.filter((e) => e.startsWith('occupancy')) };
  };
  // 2 blocks an SM on 132 SMs: 264 beside 112 column blocks, 2 spans of 1024 rows (not the table's 8 of 256: 3.4 waves)
  assert.deepEqual(run(2), { grid: { x: 112, y: 2, z: 1 }, rowsPerBlock: 1024, queries: ['occupancy lora_grad_up_r16 128 0'] });
  // 8: 9 spans' worth, of 4 tiles each (256 rows): 8 spans
  assert.deepEqual(run(8), { grid: { x: 112, y: 8, z: 1 }, rowsPerBlock: 256, queries: ['occupancy lora_grad_up_r16 128 0'] });
  assert.deepEqual(run(), { grid: { x: 112, y: 8, z: 1 }, rowsPerBlock: 256, queries: [] }, 'a driver without the query: the table');
  // a query that fails with a status (CUDA_ERROR_INVALID_VALUE) is a driver that cannot say: the table, not a CudaError
  assert.deepEqual(run(undefined, 1), { grid: { x: 112, y: 8, z: 1 }, rowsPerBlock: 256, queries: ['occupancy lora_grad_up_r16 128 0'] }, 'a failing query: the table');
});

test('on a GPU below compute capability 8.0 (no cp.async, no bf16 mma.sync: lora_grad_up does not compile) the switch leaves every call to the two products, said once', () => {
  const { result: { be, launches, ltCalls, allocs }, stderr } = captureStderr(() => fakeBackend({ loraGradUp: true, arch: 'sm_75' }));
  assert.equal(stderr, 'cuda backend: MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 does not run on compute capability 7.5 (it needs 8.0 or newer): LoRA\'s dz and ∂B on two cuBLASLt products instead\n');
  assert.ok(!allocs.includes(LORA_GRAD_UP.accFloats * 4), 'no accumulator');
  be.loraGradUp(be.alloc('bf16', 64 * 16), be.alloc('f32', 256 * 16), be.alloc('bf16', 64 * 256), be.alloc('bf16', 64 * 16), be.alloc('bf16', 256 * 16), { n: 64, out: 256, r: 16, ld: 16, scaling: 1 });
  assert.deepEqual([launches.filter((l) => l.name.startsWith('lora_grad_up')).length, ltCalls.length], [0, 2]);
});
