// The bf16 products of LoRA training that are not the base GEMMs, against a float64 reference over the stored inputs,
// C's other columns untouched. The skinny ones — a long k into a few output tiles: z = x·Aᵀ into its slot of the shared z
// buffer, ∂B += s·dyᵀ·z in f32, dz = s·dy·B, ∂A += dzᵀ·x, an out-of-place addend — run on CUDA with their k in slices
// (gemm-splitk.ts), summed by splitk_reduce. Those whose inner dimension is the rank — the up-projection s·z·Bᵀ (z read
// in its slot, over the residual as addend, in place), ∂x += dz·A, a k off 16, the largest k and one past it — run on
// CUDA on gemm_small_k with MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 (gemm-small-k.ts), else on cuBLASLt. On the CPU all are
// the GEMM of the other tests at LoRA's shapes.
import assert from 'node:assert/strict';
import type { DeviceBuffer, GemmSpec } from '../../src/backend/backend.ts';
import { gemmSmallKFromEnv } from '../../src/backend/cuda/gemm-small-k.ts';
import { gemmSplitKFromEnv } from '../../src/backend/cuda/gemm-splitk.ts';
import { SMALL_K } from '../../src/backend/cuda/launch.ts';
import { test } from './device.ts';
import { assertClose, backends, download, randn, rng, stored, upload } from './util.ts';

interface Skinny {
  what: string;
  spec: GemmSpec & { m: number; n: number; k: number };
  /** C's dtype (bf16 activations, or the f32 gradients of the factors). */
  c: 'bf16' | 'f32';
  /** C's buffer is this many columns wide and the product goes to columns [col, col + n) of it. */
  width: number;
  col: number;
  addend?: boolean;
  /** C starts as NaN (β = 0 must not read it). */
  nanC?: boolean;
  /** A's and B's row strides where they are not packed (z read in its slot of a wider buffer). */
  lda?: number;
  ldb?: number;
  /** The product's path on CUDA where it is not split-K's (a long k) or gemm_small_k's (k ≤ SMALL_K.maxK). */
  cuBLASLt?: true;
}

const CASES: Skinny[] = [
  { what: 'z = x·Aᵀ into its slot', spec: { m: 64, n: 16, k: 4096, transB: true }, c: 'bf16', width: 48, col: 16 },
  { what: 'z = x·[A₁; A₂; A₃]ᵀ over a NaN C', spec: { m: 64, n: 48, k: 4096, transB: true }, c: 'bf16', width: 48, col: 0, nanC: true },
  { what: 'y += x·Aᵀ in its slot (β = 1: C read in its layout)', spec: { m: 64, n: 16, k: 4096, transB: true, beta: 1 }, c: 'bf16', width: 48, col: 16 },
  { what: '∂B += s·dyᵀ·z (z read from its slot of three)', spec: { m: 256, n: 16, k: 2048, transA: true, alpha: 0.5, beta: 1 }, c: 'f32', width: 16, col: 0, ldb: 48 },
  { what: 'dz = s·dy·B into its slot', spec: { m: 64, n: 16, k: 3584, alpha: 2 }, c: 'bf16', width: 32, col: 16 },
  { what: '∂A += dzᵀ·x', spec: { m: 48, n: 512, k: 2048, transA: true, beta: 1 }, c: 'f32', width: 512, col: 0 },
  { what: 'both transposed, β = −1', spec: { m: 32, n: 32, k: 2048, transA: true, transB: true, beta: -1 }, c: 'f32', width: 32, col: 0 },
  { what: 'y = x·Aᵀ + addend (out of place)', spec: { m: 64, n: 32, k: 4096, transB: true, beta: 1 }, c: 'bf16', width: 32, col: 0, addend: true },
  // the rank as the inner dimension (gemm_small_k's products): tiles of 64 rows and 128 columns cut at m and n
  { what: 'y = s·z·Bᵀ (z in its slot of three) over a NaN C', spec: { m: 70, n: 200, k: 16, transB: true, alpha: 2 }, c: 'bf16', width: 200, col: 0, lda: 48, nanC: true },
  { what: 'y = s·z·Bᵀ + residual (out of place)', spec: { m: 64, n: 160, k: 16, transB: true, alpha: 0.5, beta: 1 }, c: 'bf16', width: 160, col: 0, addend: true },
  { what: 'y += z·Bᵀ in place, in columns of a wider C', spec: { m: 33, n: 130, k: 32, transB: true, beta: 1 }, c: 'bf16', width: 140, col: 5 },
  { what: '∂x += dz·[A₁; A₂; A₃] (B not transposed)', spec: { m: 65, n: 136, k: 48, beta: 1 }, c: 'bf16', width: 136, col: 0 },
  { what: 'k = 20, off a multiple of 16, β = −1', spec: { m: 17, n: 9, k: 20, transB: true, beta: -1 }, c: 'bf16', width: 9, col: 0 },
  { what: 'k = 64, the most gemm_small_k takes', spec: { m: 64, n: 128, k: 64, transB: true }, c: 'bf16', width: 128, col: 0 },
  { what: 'k = 65, one past it', spec: { m: 8, n: 24, k: 65, transB: true }, c: 'bf16', width: 24, col: 0, cuBLASLt: true },
  // a LoRA rank above the projection's sides (PEFT trains it): k past both m and n
  { what: 'y = s·z·Bᵀ at k 48 past n 32 and m 24', spec: { m: 24, n: 32, k: 48, transB: true, alpha: 0.25 }, c: 'bf16', width: 32, col: 0 },
  { what: '∂x += dz·A at k 64 past n 16', spec: { m: 40, n: 16, k: 64, beta: 1 }, c: 'bf16', width: 16, col: 0 },
];

/** C = alpha·op(A)·op(B) + beta·C0 over rows `ldc` apart, in float64. */
function reference(A: number[], B: number[], C0: number[], s: Required<Pick<GemmSpec, 'm' | 'n' | 'k' | 'lda' | 'ldb' | 'ldc'>> & GemmSpec): number[] {
  const C = C0.slice(), alpha = s.alpha ?? 1, beta = s.beta ?? 0;
  for (let i = 0; i < s.m; i++) {
    for (let j = 0; j < s.n; j++) {
      let acc = 0;
      for (let p = 0; p < s.k; p++) acc += (s.transA ? A[p * s.lda + i]! : A[i * s.lda + p]!) * (s.transB ? B[j * s.ldb + p]! : B[p * s.ldb + j]!);
      C[i * s.ldc + j] = alpha * acc + (beta === 0 ? 0 : beta * C0[i * s.ldc + j]!);
    }
  }
  return C;
}

/** A case's inputs (stored as their buffers hold them) and expected C, made once for every backend. */
function inputs(c: Skinny, seed: number): { A: number[]; B: number[]; C0: number[]; add: number[] | null; spec: GemmSpec & { lda: number; ldb: number; ldc: number; m: number; n: number; k: number }; want: number[] } {
  const rand = rng(seed), { m, n, k } = c.spec;
  const lda = c.lda ?? (c.spec.transA ? m : k), ldb = c.ldb ?? (c.spec.transB ? k : n);
  const A = stored(randn(rand, (c.spec.transA ? k : m) * lda), 'bf16'), B = stored(randn(rand, (c.spec.transB ? n : k) * ldb), 'bf16');
  const C0 = c.nanC ? new Array<number>(m * c.width).fill(NaN) : stored(randn(rand, m * c.width), c.c);
  const spec = { ...c.spec, lda, ldb, ldc: c.width };
  const add = c.addend ? stored(randn(rand, m * c.width), c.c) : null;
  const want = add ? reference(A, B, add, spec) : [...C0.slice(0, c.col), ...reference(A, B, C0.slice(c.col), spec)].slice(0, m * c.width);
  return { A, B, C0, add, spec, want };
}

/** Whether CUDA runs the case on a kernel of ours (splitk_reduce after the slices, or gemm_small_k), under the run's switches. */
function launchesOnCuda(c: Skinny): boolean {
  if (c.cuBLASLt) return false;
  return c.spec.k <= SMALL_K.maxK ? gemmSmallKFromEnv() && c.c === 'bf16' : gemmSplitKFromEnv();
}

/** The CUDA backend's kernel launches so far (null on the CPU): a split product launches its reduction, a whole one nothing. */
function launches(be: object): number | null {
  const kernels = (be as { kernels?: { launches?: unknown } }).kernels;
  return typeof kernels?.launches === 'number' ? kernels.launches : null;
}

/** Split products the CUDA backend ran whole because cuBLASLt had no algorithm for their slices (null on the CPU). */
function splitKRefusals(be: object): number | null {
  const n = (be as { splitKRefusals?: unknown }).splitKRefusals;
  return typeof n === 'number' ? n : null;
}

const MADE = CASES.map((c, i) => inputs(c, 700 + i));

for (const { name, be } of backends()) {
  test(`gemm (${name}): LoRA's skinny bf16 products (long k, a few output tiles) and those of the rank's k match a float64 reference; C's other columns untouched`, (t) => {
    CASES.forEach((c, i) => {
      const { A, B, C0, add, spec, want } = MADE[i]!, { m, n, k } = c.spec;
      const full: DeviceBuffer = upload(be, c.c, C0);
      const out = be.view(full, c.col, m * c.width - c.col);
      const a = upload(be, 'bf16', A), b = upload(be, 'bf16', B);
      const launched = launches(be), refused = splitKRefusals(be);
      if (add) be.gemm(out, a, b, spec, upload(be, c.c, add));
      else be.gemm(out, a, b, spec);
      // on CUDA a skinny product ran in slices: the reduction kernel was launched (unless MISTRAL_TUNE_CUDA_GEMM_SPLITK=0);
      // one of k ≤ 64 ran on gemm_small_k where MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1. Where cuBLASLt had no algorithm for
      // the slices' product the product ran whole, its numbers checked as any: said, not failed (split-K is speed alone)
      if (launched !== null && launchesOnCuda(c)) {
        if (splitKRefusals(be)! > refused!) t.diagnostic(`${c.what}: cuBLASLt had no algorithm for the slices' product; it ran whole (split-K inactive for this shape)`);
        else assert.ok(launches(be)! > launched, `${name} ${c.what}: no kernel of ours ran the product`);
      }
      const got = download(be, full);
      // bf16 C: within one rounding of the exact sum (2⁻⁸ relative); f32 C: the error of f32 sums over k ≤ 4096
      assertClose(got, want, c.c === 'bf16' ? 2 ** -8 : 2e-4, `${name} ${c.what} (${m}×${n}×${k})`);
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < c.width; j++) {
          if (j < c.col || j >= c.col + n) assert.ok(Object.is(got[r * c.width + j], C0[r * c.width + j]), `${c.what}: row ${r} column ${j} is outside the product`);
        }
      }
      for (const buf of [full, a, b]) be.free(buf); // (the addend, where one is, stays to the end of the file)
    });
  });
}
