// Backend.loraGradUp — LoRA's backward through its up-projection, dz = s·dy·B into its slot of the z buffer and
// ∂B += s·dyᵀ·z in f32 — against a float64 reference over the stored inputs, dz's other columns untouched. On CUDA with
// MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 the calls the fused kernel takes (bf16, r a multiple of 8 up to 64) run on
// lora_grad_up (each of its three rank kernels, one at a rank below its own; out and N cut inside its tiles; a span
// of rows over two tiles and one of a part of a tile; no ∂B), the others on the two GEMMs every backend runs; and the
// kernel itself on a grid for one SM, whose spans walk several tiles of rows, its accumulator zero again after each call.
import assert from 'node:assert/strict';
import type { DeviceBuffer, LoraGradUpSpec } from '../../src/backend/backend.ts';
import type { CudaBackend } from '../../src/backend/cuda/cuda-backend.ts';
import { cuda } from '../../src/backend/cuda/cuda-buffer.ts';
import { loraGradUpFits, loraGradUpFromEnv, runLoraGradUp } from '../../src/backend/cuda/lora-grad-up.ts';
import { TEST_DEVICE, test, testBackend } from './device.ts';
import { assertClose, backends, download, randn, rng, stored, upload } from './util.ts';

interface Case {
  what: string;
  spec: LoraGradUpSpec;
  /** Where this projection's z (and dz) sits in rows `spec.ld` wide. */
  col: number;
  /** ∂B given (accumulated onto random values), or not. */
  dB: boolean;
  /** Whether the fused kernel takes it (where switched on, at bf16). */
  fused: boolean;
}

const CASES: Case[] = [
  { what: 'r 16 in the middle slot of three, out and N cut inside tiles (one SM: a span of three tiles)', spec: { n: 150, out: 520, r: 16, ld: 48, scaling: 2 }, col: 16, dB: true, fused: true },
  { what: 'r 8 (the r16 kernel, half its columns), no ∂B', spec: { n: 65, out: 136, r: 8, ld: 8, scaling: 0.5 }, col: 0, dB: false, fused: true },
  { what: 'r 24 (the r32 kernel) in the second slot of two', spec: { n: 130, out: 64, r: 24, ld: 48, scaling: 1 }, col: 24, dB: true, fused: true },
  { what: 'r 64 (the r64 kernel), out past seven column blocks', spec: { n: 33, out: 1000, r: 64, ld: 64, scaling: 0.25 }, col: 0, dB: true, fused: true },
  { what: 'r 40 (the r64 kernel at rp 48: dz\'s accumulator rows 48 apart, not 64) in the second slot of two', spec: { n: 70, out: 136, r: 40, ld: 48, scaling: 1.5 }, col: 8, dB: true, fused: true },
  { what: 'r 12, off the kernel\'s 16-byte rows: the two GEMMs', spec: { n: 20, out: 40, r: 12, ld: 12, scaling: 3 }, col: 0, dB: true, fused: false },
  // a rank above the projection's output (k_proj of a 64-wide model with 2 KV heads of 16, at r 64 and r 48: PEFT trains it)
  { what: 'r 64 above out 32 (one column block, cut inside it)', spec: { n: 40, out: 32, r: 64, ld: 64, scaling: 0.25 }, col: 0, dB: true, fused: true },
  { what: 'r 48 above out 16 in the second slot of two', spec: { n: 70, out: 16, r: 48, ld: 96, scaling: 2 }, col: 48, dB: true, fused: true },
];

function made(c: Case, seed: number) {
  const rand = rng(seed), { n, out, r, ld, scaling } = c.spec;
  const dy = stored(randn(rand, n * out), 'bf16'), z = stored(randn(rand, n * ld), 'bf16'), B = stored(randn(rand, out * r), 'bf16');
  const dz0 = stored(randn(rand, n * ld), 'bf16'), dB0 = stored(randn(rand, out * r), 'f32');
  const dz = dz0.slice(), dB = dB0.slice();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < r; j++) {
      let acc = 0;
      for (let o = 0; o < out; o++) acc += dy[i * out + o]! * B[o * r + j]!;
      dz[i * ld + c.col + j] = scaling * acc;
    }
  }
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < r; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += dy[i * out + o]! * z[i * ld + c.col + j]!;
      dB[o * r + j] = dB0[o * r + j]! + scaling * acc;
    }
  }
  return { dy, z, B, dz0, dB0, dz, dB };
}

const MADE = CASES.map((c, i) => made(c, 900 + i));

/** Checks a call's dz (its slot of rows `ld` wide, the other columns as they were) and ∂B against the reference. */
function check(what: string, c: Case, got: { dz: number[]; dB: number[] | null }, want: ReturnType<typeof made>): void {
  const { n, ld, r } = c.spec;
  // dz in bf16: within one rounding of the exact sum; ∂B in f32: the error of f32 sums over N ≤ 150
  assertClose(got.dz, want.dz, 2 ** -8, `${what}: dz`);
  for (let row = 0; row < n; row++) {
    for (let j = 0; j < ld; j++) {
      if (j < c.col || j >= c.col + r) assert.ok(Object.is(got.dz[row * ld + j], want.dz0[row * ld + j]), `${what}: dz row ${row} column ${j} is outside the slot`);
    }
  }
  if (got.dB) assertClose(got.dB, want.dB, 1e-4, `${what}: ∂B`);
}

/** The names of the CUDA kernels `run` launches (null on the CPU). */
function kernelsLaunched(be: object, run: () => void): string[] | null {
  const kernels = (be as { kernels?: { launch?: (name: string, ...rest: unknown[]) => void } }).kernels;
  if (!kernels?.launch) return run(), null;
  const launch = kernels.launch, names: string[] = [];
  kernels.launch = (name, ...rest) => { names.push(name); launch.call(kernels, name, ...rest); };
  try {
    run();
  } finally {
    kernels.launch = launch;
  }
  return names;
}

for (const { name, be } of backends()) {
  test(`loraGradUp (${name}): dz = s·dy·B into its slot and ∂B += s·dyᵀ·z match a float64 reference; dz's other columns untouched`, () => {
    CASES.forEach((c, i) => {
      const { dy, z, B, dz0, dB0, dz, dB } = MADE[i]!, { n, ld } = c.spec;
      const zAll = upload(be, 'bf16', z), dzAll = upload(be, 'bf16', dz0);
      const at = (buf: DeviceBuffer): DeviceBuffer => be.view(buf, c.col, n * ld - c.col);
      const bufs = { dy: upload(be, 'bf16', dy), B: upload(be, 'bf16', B), dB: c.dB ? upload(be, 'f32', dB0) : null };
      const names = kernelsLaunched(be, () => be.loraGradUp(at(dzAll), bufs.dB, bufs.dy, at(zAll), bufs.B, c.spec));
      if (names) {
        const fused = c.fused && loraGradUpFromEnv();
        assert.equal(names.some((k) => k.startsWith('lora_grad_up_r')), fused, `${name} ${c.what}: lora_grad_up ${fused ? 'did not run' : 'ran'} (launched: ${names.join(', ') || 'none'})`);
      }
      check(`${name} ${c.what}`, c, { dz: download(be, dzAll), dB: bufs.dB && download(be, bufs.dB) }, MADE[i]!);
      for (const buf of [zAll, dzAll, bufs.dy, bufs.B, bufs.dB]) if (buf) be.free(buf);
    });
  });
}

test('lora_grad_up on the grid of a GPU of one SM (spans of several tiles of rows) matches the reference; its accumulator is zero again after each call',
  { skip: TEST_DEVICE !== 'cuda' && 'the CUDA kernel itself: runs with MISTRAL_TUNE_TEST_DEVICE=cuda' }, () => {
    const be = testBackend() as CudaBackend;
    const acc = cuda(be.alloc('f32', 150 * 64));
    be.fill(acc, 0);
    CASES.forEach((c, i) => {
      const { dy, z, B, dz0, dB0 } = MADE[i]!, { n, ld } = c.spec;
      const [zAll, dzAll, dyB, BB] = [upload(be, 'bf16', z), upload(be, 'bf16', dz0), upload(be, 'bf16', dy), upload(be, 'bf16', B)].map((b) => cuda(b));
      const dB = c.dB ? cuda(upload(be, 'f32', dB0)) : null;
      const zAt = zAll!.view(c.col, n * ld - c.col), dzAt = dzAll!.view(c.col, n * ld - c.col);
      assert.equal(loraGradUpFits(dzAt, dB, dyB!, zAt, BB!, c.spec, acc.length), c.fused, `${c.what}: taken by the kernel`);
      if (c.fused) runLoraGradUp(be.kernels, acc, 1, dzAt, dB, dyB!, zAt, BB!, c.spec);
      if (c.fused) check(`cuda, one SM: ${c.what}`, c, { dz: download(be, dzAll!), dB: dB && download(be, dB) }, MADE[i]!);
      assert.ok(download(be, acc).every((x) => x === 0), `${c.what}: the accumulator is not zero after the call`);
      for (const buf of [zAll, dzAll, dyB, BB, dB]) if (buf) be.free(buf);
    });
    be.free(acc);
  });
