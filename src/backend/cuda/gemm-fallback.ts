// The GEMM of our own (kernels/gemm_fallback.cu) for the products cuBLASLt's heuristic has no algorithm for: its
// launch, and the one line a run says about it.
import type { ResolvedGemm } from '../cpu/gemm.ts';
import { infoOnce } from '../../util/log.ts';
import type { CudaBuffer } from './cuda-buffer.ts';
import type { KernelRuntime } from './kernel-runtime.ts';
import { gemmFallback } from './launch.ts';

/**
 * c = alpha·op(a)·op(b) + beta·addend (`addend` c itself when in place) on CUDA cores, slow: the operands already in
 * the types a GEMM runs in (gemm-plan.ts's gemmRunTypes), c in a's type (gemm_fallback) or f32 from bf16 (…_exact).
 */
export function runGemmFallback(kernels: Pick<KernelRuntime, 'launch'>, g: ResolvedGemm, c: CudaBuffer, a: CudaBuffer, b: CudaBuffer, addend: CudaBuffer): void {
  infoOnce('gemm-fallback', `cuda backend: cuBLASLt has no algorithm for a ${a.dtype} GEMM of ${g.m}×${g.n}×${g.k} ` +
    `(lda ${g.lda}, ldb ${g.ldb}, ldc ${g.ldc}, batch ${g.batch}); such products run on the fallback GEMM kernel (slower)`);
  kernels.launch(c.dtype === a.dtype ? 'gemm_fallback' : 'gemm_fallback_exact', gemmFallback(g), [c, addend, a, b,
    g.m, g.n, g.k, g.transA ? 1 : 0, g.transB ? 1 : 0, g.lda, g.ldb, g.ldc, BigInt(g.strideA), BigInt(g.strideB), BigInt(g.strideC),
    g.batch, g.alpha, g.beta]);
}
