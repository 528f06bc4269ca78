// The one place the kernel tests, gradient checks and HF parity tests get a backend, and their tolerances.
// MISTRAL_TUNE_TEST_DEVICE=cpu|cuda (default cpu) picks the device. On `cuda` the real CUDA backend comes from
// createBackend('cuda'); when it cannot start here, every test declared through this module's `test` is
// skipped with the reason (node --test prints it), never passed on another device — and with
// MISTRAL_TUNE_TEST_REQUIRE_DEVICE=1 (scripts/device-check.sh, on the GPU machine) every such file fails with it
// instead, so that a suite skipped whole cannot read as passed. The files that import
// this module are the suite `MISTRAL_TUNE_TEST_DEVICE=cuda` runs (see backend-suite.test.ts).
import assert from 'node:assert/strict';
import { test as nodeTest, type TestContext, type TestOptions } from 'node:test';
import type { Backend } from '../../src/backend/backend.ts';
import { CpuBackend, type CpuBackendOptions } from '../../src/backend/cpu/cpu-backend.ts';
import { loadOpenBlas } from '../../src/backend/cpu/openblas.ts';
import { createBackend } from '../../src/backend/select.ts';
import { relErr } from '../helpers.ts';

export type TestDevice = 'cpu' | 'cuda';
export type Precision = 'fp32' | 'bf16';

export const TEST_DEVICE: TestDevice = deviceFromEnv(process.env.MISTRAL_TUNE_TEST_DEVICE);

function deviceFromEnv(v: string | undefined): TestDevice {
  if (v === undefined || v === '' || v === 'cpu') return 'cpu';
  if (v === 'cuda') return 'cuda';
  throw new Error(`MISTRAL_TUNE_TEST_DEVICE must be cpu or cuda, got "${v}"`);
}

export const TEST_PRECISION: Precision = precisionFromEnv(process.env.MISTRAL_TUNE_TEST_PRECISION);

/** The model dtype of the test precision (loadModel's `dtype`): bf16 stores weights and activations in bf16. */
export const TEST_DTYPE: 'f32' | 'bf16' = TEST_PRECISION === 'bf16' ? 'bf16' : 'f32';

function precisionFromEnv(v: string | undefined): Precision {
  if (v === undefined || v === '' || v === 'fp32') return 'fp32';
  if (v === 'bf16') return 'bf16';
  throw new Error(`MISTRAL_TUNE_TEST_PRECISION must be fp32 or bf16, got "${v}"`);
}

/** Why the requested device cannot run here (its tests are then skipped with this reason), or null. */
export const unavailable: string | null = probe();

function probe(): string | null {
  if (TEST_DEVICE === 'cpu') return null;
  let why: string;
  try {
    createBackend(TEST_DEVICE);
    return null;
  } catch (e) {
    why = `MISTRAL_TUNE_TEST_DEVICE=${TEST_DEVICE}, but its backend is unavailable: ${(e as Error).message}`;
  }
  // on the GPU machine (scripts/device-check.sh) a suite skipped whole must not read as passed
  if (process.env.MISTRAL_TUNE_TEST_REQUIRE_DEVICE === '1') throw new Error(`${why} (MISTRAL_TUNE_TEST_REQUIRE_DEVICE=1)`);
  return why;
}

/**
 * A fresh backend of the test device. `cpu` options choose the CPU backend's GEMM (tests that cover each
 * CPU GEMM path); other devices ignore them. When the device is unavailable this returns a CPU backend only
 * so that a file's set-up code can run: every test of the file is skipped (use this module's `test`).
 */
export function testBackend(cpu: CpuBackendOptions = {}): Backend {
  if (TEST_DEVICE === 'cpu' || unavailable !== null) return new CpuBackend(cpu);
  return createBackend(TEST_DEVICE);
}

/** The backends a kernel test runs on: each CPU GEMM path (OpenBLAS when it loads) on cpu, the device otherwise. */
export function testBackends(): Array<{ name: string; be: Backend }> {
  if (TEST_DEVICE !== 'cpu') return [{ name: TEST_DEVICE, be: testBackend() }];
  const list = [{ name: 'js', be: testBackend({ gemm: 'js' }) }, { name: 'simd', be: testBackend({ gemm: 'simd' }) }];
  if (loadOpenBlas()) list.push({ name: 'openblas', be: testBackend({ gemm: 'openblas' }) });
  return list;
}

type TestFn = (t: TestContext) => void | Promise<void>;

/** node:test's `test`, skipped with the reason when the test device is unavailable; named with the device and precision off cpu/fp32. */
export function test(name: string, fn: TestFn): Promise<void>;
export function test(name: string, options: TestOptions, fn: TestFn): Promise<void>;
export function test(name: string, a: TestOptions | TestFn, b?: TestFn): Promise<void> {
  const [options, fn] = typeof a === 'function' ? [{}, a] : [a, b!];
  const tags = [TEST_DEVICE === 'cpu' ? null : TEST_DEVICE, TEST_PRECISION === 'fp32' ? null : TEST_PRECISION].filter((t) => t !== null);
  const label = tags.length === 0 ? name : `${name} [${tags.join(', ')}]`;
  return nodeTest(label, { ...options, skip: unavailable ?? options.skip }, fn);
}

// ---- tolerances ----

/** What a model-level test compares with a reference (HF/PEFT/torch fixtures or another run of ours). */
export type Quantity =
  | 'logits' // ‖ours − HF‖ / ‖HF‖ of logits (base, LoRA, merged, classification)
  | 'loss' // |ours − HF| / HF of a mean loss
  | 'grad' // ‖ours − HF‖ / ‖HF‖ of a gradient (LoRA factors, score head)
  | 'param' // ‖ours − torch‖ / ‖torch‖ of a parameter after AdamW steps
  | 'selfLogits' // relErr of logits between two paths of ours (save → load, merge, export)
  | 'packedLoss'; // max |packed − alone| of per-token losses

/** Per-quantity tolerances by precision. fp32: the suite's tolerances as they stood before bf16. */
export const TOLERANCES: Record<Precision, Record<Quantity, number>> = {
  // selfLogits: merged weights (W + s·B·A rounded once) against base + adapter differ by construction, measured
  // 4.3–6.5e-7 on the CPU; a GPU's FMA contraction and cuBLASLt's order over k add their own (an adapter moves
  // these logits by ~0.5, so a broken merge stays ~10⁴ above this)
  fp32: { logits: 1e-4, loss: 1e-4, grad: 1e-4, param: 1e-4, selfLogits: 1e-5, packedLoss: 1e-5 },
  // bf16 (weights and activations stored bf16, math f32): each value is the largest error measured on the CPU
  // oracle (`MISTRAL_TUNE_TEST_PRECISION=bf16 MISTRAL_TUNE_TEST_REPORT=1 node --import tsx --test` on the
  // forward, LoRA, classification, variant parity and pack files) times a margin of about 1.6–2.
  bf16: {
    logits: 3e-2, // measured ≤ 1.84e-2 (rope-theta-1e6 variant; base 1.08e-2, LoRA 1.30e-2, classification after a step 1.81e-2); ×1.63
    loss: 1.2e-2, // measured ≤ 7.49e-3 (classification loss after a step at 0.53; causal ≤ 1.24e-3); ×1.6
    grad: 6e-2, // measured ≤ 3.47e-2 (layers.1 q_proj lora_A; most 1.3e-2–2.5e-2); ×1.73
    // the first AdamW step is lr · sign(g) per element: a near-zero gradient whose sign bf16 flips moves that element
    // by 2·lr; measured ≤ 5.43e-2 (a lora_B of the LoRA fixture, lr 1e-2, where the step is most of the value; the
    // lora_A factors ≤ 2e-6, the score head 9e-8); ×1.66. AdamW itself runs in f32 under both precisions and is
    // held to fp32 tolerances by the kernel tests.
    param: 9e-2,
    selfLogits: 2e-2, // merged bf16 weights (W + s·B·A rounded once) vs base + adapter: measured 1.16e-2; ×1.7
    // measured 0 on the CPU (both layouts make the same roundings); a GPU kernel may sum in a layout-dependent
    // order and flip one activation's bf16 rounding (~2^-8 of one value, far below 1e-2 on losses of ~6), while a
    // packing bug (attention across samples, positions that do not restart) moves per-token losses by O(0.1–1)
    packedLoss: 1e-2,
  },
};

/** The tolerance of `quantity` at `precision` (default: the test precision). */
export function tol(quantity: Quantity, precision: Precision = TEST_PRECISION): number {
  return TOLERANCES[precision][quantity];
}

const REPORT = process.env.MISTRAL_TUNE_TEST_REPORT === '1';

/**
 * Asserts `err` ≤ tol(quantity) at `precision` (default: the test precision; fp32 for what runs in f32 under both, as
 * AdamW does), naming `what`. MISTRAL_TUNE_TEST_REPORT=1 also prints every measured error as
 * `# tol <precision> <quantity> <err> <what>` (how TOLERANCES.bf16 was measured).
 */
export function assertTol(quantity: Quantity, err: number, what: string, precision: Precision = TEST_PRECISION): void {
  if (REPORT) console.log(`# tol ${precision} ${quantity} ${err.toExponential(3)} ${what}`);
  const t = tol(quantity, precision);
  assert.ok(err <= t, `${what}: ${quantity} error ${err} > ${t} (${precision})`);
}

/**
 * ‖got − want‖ / ‖want‖ allowed between two runs of ours that do the same arithmetic in another layout or order
 * (flat views against separate tensors, one GEMM against several) on a GPU: its atomics (the norm-weight and
 * embedding gradients, the loss and Σg² sums, flash attention's dQ/dK/dV) add in the order the hardware runs them,
 * and cuBLASLt picks its algorithm (its order over k) by shape and alignment, so such runs agree only to the rounding
 * of reordered f32 sums (~1e-7), far inside this bound and far below what a wrong layout or offset moves (O(1)).
 */
export const REORDERED_SUMS_REL = 1e-5;

/**
 * Two runs of ours doing the same arithmetic in another layout: bit for bit on the CPU backend (its sums run in one
 * fixed order, so any difference is a bug), within REORDERED_SUMS_REL on another device.
 */
export function assertSameArithmetic(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  if (TEST_DEVICE === 'cpu') return assert.deepEqual(Array.from(got), Array.from(want), what);
  const err = relErr(got, want);
  assert.ok(err <= REORDERED_SUMS_REL, `${what}: relative error ${err} > ${REORDERED_SUMS_REL} (${TEST_DEVICE})`);
}

/**
 * Central finite differences of the gradient checks, in float64 on every backend: step h and the accepted
 * |numeric − analytic| ≤ abs + rel · max(|numeric|, |analytic|).
 */
export const GRADCHECK = { h: 1e-5, abs: 1e-7, rel: 1e-5 } as const;
