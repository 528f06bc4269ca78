// LoRA's products whose inner dimension is the rank (the up-projection s·z·Bᵀ, ∂x += dz·A: k = 16, 32, 48) on a
// tensor-core kernel of our own (kernels/gemm_small_k.cu) instead of cuBLASLt, whose kernels for such shapes ran at
// about a third of the memory's speed on an H200 (BENCHMARKS.md). A variant: MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 turns it
// on (off by default until a device call has measured it, the bench's +small-k). It takes bf16 products (A, B and C
// bf16, f32 accumulation, rounded once) of one matrix, A not transposed, k ≤ SMALL_K.maxK, on compute capability 8.0
// or newer (gemmSmallKRunsOn).
import type { ResolvedGemm } from '../cpu/gemm.ts';
import { envSwitch } from '../../util/env-switch.ts';
import type { CudaBuffer } from './cuda-buffer.ts';
import type { LtRunTypes } from './gemm-plan.ts';
import type { KernelRuntime } from './kernel-runtime.ts';
import { gemmSmallK, MAX_GRID_X, MAX_GRID_YZ, SMALL_K, tensorCoreVariantRunsOn } from './launch.ts';

/** MISTRAL_TUNE_CUDA_GEMM_SMALL_K: 1 runs the small-k bf16 products on gemm_small_k; 0 (default) leaves them to cuBLASLt. */
export function gemmSmallKFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_GEMM_SMALL_K', { default: false, on: 'run products of k ≤ 64 on our small-k kernel', off: 'leave them to cuBLASLt' });
}

/**
 * Whether gemm_small_k can run on a GPU of architecture `arch` (sm_75, sm_90a, ...): its bf16 mma.sync needs compute
 * capability 8.0, below which its module does not compile. Where it cannot, says so once: the products stay cuBLASLt's.
 */
export function gemmSmallKRunsOn(arch: string): boolean {
  return tensorCoreVariantRunsOn(arch, 'MISTRAL_TUNE_CUDA_GEMM_SMALL_K', "LoRA's products of the rank's k on cuBLASLt instead");
}

/** Whether gemm_small_k takes the product `g` run in `run`'s types (its tiles fit the grid, its strides an int: else cuBLASLt runs it). */
export function smallKFits(g: ResolvedGemm, run: LtRunTypes): boolean {
  return run.a === 'bf16' && run.b === 'bf16' && run.c === 'bf16' && !g.transA && g.batch === 1 && g.k > 0 && g.k <= SMALL_K.maxK &&
    Math.ceil(g.m / SMALL_K.rows) <= MAX_GRID_YZ && Math.ceil(g.n / SMALL_K.cols) <= MAX_GRID_X &&
    [g.lda, g.ldb, g.ldc].every((ld) => ld < 2 ** 31); // it takes the strides as ints (offsets are 64-bit): cuBLASLt's past that
}

/** c = alpha·a·op(b) + beta·addend on gemm_small_k (`addend` c itself when in place); smallKFits(g, …) holds. */
export function runSmallK(kernels: Pick<KernelRuntime, 'launch'>, g: ResolvedGemm, c: CudaBuffer, a: CudaBuffer, b: CudaBuffer, addend: CudaBuffer): void {
  kernels.launch('gemm_small_k', gemmSmallK(g), [c, addend, a, b, g.m, g.n, g.k, g.transB ? 1 : 0, g.lda, g.ldb, g.ldc, g.alpha, g.beta]);
}
