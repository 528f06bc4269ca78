// Split-K for the skinny products of LoRA training (MISTRAL_TUNE_CUDA_GEMM_SPLITK, on by default): a product whose
// output is a few tiles but whose k is long — z = x·Aᵀ (2048×48 from k = 4096), ∂B = dyᵀ·z (4096×16 over 2048 tokens),
// dz = dy·B, ∂A = dzᵀ·x — keeps a few of the GPU's SMs busy over a long loop: on the H200 (device run 1) x·[Aq;Ak;Av]ᵀ
// took 113 µs a call for 16 MB read (≈ 5 µs at the memory's speed). Split, its k runs in S slices as one strided-batched
// cuBLASLt product of f32 partial sums into the workspace's first half (cuBLASLt gets the second), and splitk_reduce
// (kernels/convert.cu) adds the slices in order with alpha, beta and the addend into C, rounded once: S times the
// blocks, the same sum on every run. Only bf16 products split (fp32 and f64 are the exact paths: the CPU's sums).
import type { ResolvedGemm } from '../cpu/gemm.ts';
import { envSwitch } from '../../util/env-switch.ts';
import { CudaBuffer } from './cuda-buffer.ts';
import type { GemmHost } from './gemm.ts';
import type { LtRunTypes } from './gemm-plan.ts';
import { DTYPE_CODE } from './kernel-table.ts';
import { elementwise } from './launch.ts';

/** MISTRAL_TUNE_CUDA_GEMM_SPLITK: 1 (default) splits the skinny bf16 products' k; 0 leaves every product to cuBLASLt whole. */
export function gemmSplitKFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_GEMM_SPLITK', { default: true, on: 'split the k of skinny products' });
}

/** The output tile the count of blocks is estimated with (cuBLASLt's Hopper kernels: 128 rows and columns, or fewer). */
export const SPLITK_TILE = 128;
/** The most slices, and the fewest elements of k a slice gets (a multiple of 8: 16-byte aligned bf16 slices). */
export const MAX_SLICES = 16;
export const MIN_SLICE_K = 256;

/** The slices of a split product: S of k/S each. */
export interface SplitK {
  slices: number;
  sliceK: number;
}

/**
 * How `g` is split on a GPU of `multiprocessors` SMs with `scratchBytes` for the partial sums, or null where it runs
 * whole: a single bf16 product (no batch) whose output is fewer tiles than half the SMs, its k cut into as many slices
 * as bring the blocks near one an SM (at most MAX_SLICES), each a multiple of 8 and at least MIN_SLICE_K long, their
 * f32 partial sums within the scratch.
 */
export function splitKPlan(g: ResolvedGemm, run: LtRunTypes, multiprocessors: number, scratchBytes: number): SplitK | null {
  if (g.batch !== 1 || run.a !== 'bf16' || g.ldc >= 2 ** 31) return null; // (splitk_reduce takes ldc as an int)
  const tiles = Math.ceil(g.m / SPLITK_TILE) * Math.ceil(g.n / SPLITK_TILE);
  if (2 * tiles > multiprocessors) return null;
  for (let s = Math.min(MAX_SLICES, Math.floor(multiprocessors / tiles)); s >= 2; s--) {
    const sliceK = g.k / s;
    if (Number.isInteger(sliceK) && sliceK % 8 === 0 && sliceK >= MIN_SLICE_K && s * g.m * g.n * 4 <= scratchBytes) return { slices: s, sliceK };
  }
  return null;
}

/** The strided-batched product of the slices' partial sums (S packed m×n f32 matrices), α = 1, β = 0. */
export function slicesGemm(g: ResolvedGemm, { slices, sliceK }: SplitK): ResolvedGemm {
  return {
    m: g.m, n: g.n, k: sliceK, transA: g.transA, transB: g.transB, alpha: 1, beta: 0, lda: g.lda, ldb: g.ldb, ldc: g.n,
    // slice s reads A's columns (rows when transposed) and B's rows (columns when transposed) from s·sliceK
    batch: slices, strideA: g.transA ? sliceK * g.lda : sliceK, strideB: g.transB ? sliceK : sliceK * g.ldb, strideC: g.m * g.n,
  };
}

/**
 * C = alpha·op(A)·op(B) + beta·addend (addend: C in place) as `split` slices: the partial sums in the first half of the
 * workspace (`workspaceBytes` in all), cuBLASLt's own workspace the second half. False, having enqueued nothing, where
 * cuBLASLt has no algorithm for the slices' product (the caller runs it whole). `timedProduct` wraps the slices' product
 * (the profiler's label); the reduction is timed under its kernel's name.
 */
export function runSplitK(h: GemmHost, g: ResolvedGemm, split: SplitK, workspaceBytes: number, c: CudaBuffer, a: CudaBuffer, b: CudaBuffer,
  addend: CudaBuffer, timedProduct: (op: () => void) => void): boolean {
  const half = workspaceBytes / 2;
  const partials = new CudaBuffer('f32', split.slices * g.m * g.n, h.workspace.ptr, null);
  let ran = false;
  timedProduct(() => { ran = h.lt.matmul(slicesGemm(g, split), { a: 'bf16', b: 'bf16', c: 'f32' }, partials.ptr, a.ptr, b.ptr, h.workspace.ptr + BigInt(half), half, h.stream); });
  if (!ran) return false;
  h.kernels.launch('splitk_reduce', elementwise(g.m * g.n),
    [c, DTYPE_CODE[c.dtype], addend, DTYPE_CODE[addend.dtype], partials, split.slices, g.m, g.n, g.ldc, g.alpha, g.beta]);
  return true;
}
