// The CUDA backend's gemm (Backend.gemm): operands converted to the types cuBLASLt runs (gemm-plan.ts), the
// product on cuBLASLt with a fixed workspace — a skinny bf16 one with its k in slices (gemm-splitk.ts), one of a
// small k on our own kernel where MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 (gemm-small-k.ts) — or on
// gemm_fallback.cu where cuBLASLt has no algorithm for it; an addend that cannot be fused, an empty k and empty
// shapes are handled first.
import type { Backend, DeviceBuffer, GemmSpec } from '../backend.ts';
import { cSpans, resolveGemm } from '../cpu/gemm.ts';
import type { DType } from '../dtype.ts';
import type { Block } from './allocator.ts';
import type { CublasLt } from './cublaslt.ts';
import { cuda, type CudaBuffer } from './cuda-buffer.ts';
import type { Handle } from './driver.ts';
import { runGemmFallback } from './gemm-fallback.ts';
import { gemmLabel, gemmRunTypes } from './gemm-plan.ts';
import { runSmallK, smallKFits } from './gemm-small-k.ts';
import { runSplitK, splitKPlan } from './gemm-splitk.ts';
import type { KernelRuntime } from './kernel-runtime.ts';
import type { OpProfiler } from './op-profiler.ts';

/** cuBLASLt's workspace: 32 MiB, NVIDIA's recommendation for Hopper. */
export const GEMM_WORKSPACE_BYTES = 32 * 2 ** 20;

/** What the gemm uses of the backend: its buffer operations and kernels, cuBLASLt with its workspace and stream, the profiler. */
export interface GemmHost extends Pick<Backend, 'alloc' | 'free' | 'copy' | 'fill' | 'scale'> {
  readonly kernels: KernelRuntime;
  readonly lt: Pick<CublasLt, 'matmul'>;
  readonly workspace: Block;
  readonly stream: Handle;
  readonly profiler: OpProfiler | null;
  /** The GPU's SMs where skinny bf16 products split their k (MISTRAL_TUNE_CUDA_GEMM_SPLITK), else null. */
  readonly splitK: number | null;
  /** Whether bf16 products of a small k run on gemm_small_k (MISTRAL_TUNE_CUDA_GEMM_SMALL_K: gemm-small-k.ts). */
  readonly smallK: boolean;
  /** Runs `op` (one operation on the stream), timed under `label` when profiling. */
  timed(label: string | null, op: () => void): void;
  /** Told each time cuBLASLt had no algorithm for a split product's slices (the product then runs whole). */
  splitKRefused(): void;
}

/** Backend.gemm on the CUDA backend `h`: C = alpha·op(A)·op(B) + beta·C, or + addend where one is given. */
export function cudaGemm(h: GemmHost, c: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, spec: GemmSpec, addend?: DeviceBuffer): void {
  const C = cuda(c, 'gemm C'), A = cuda(a, 'gemm A'), B = cuda(b, 'gemm B');
  const g = resolveGemm(spec, A.length, B.length, C.length);
  if (g.m === 0 || g.n === 0 || g.batch === 0) return; // nothing to write (cuBLASLt refuses empty layouts)
  let add = addend && addend !== c ? cuda(addend, 'gemm addend') : null;
  if (add) {
    resolveGemm(spec, A.length, B.length, add.length); // the addend holds C's layout
    if (add.dtype !== C.dtype) throw new Error(`gemm: addend is ${add.dtype}, C ${C.dtype}`);
    if (g.k === 0 || gemmRunTypes(A.dtype, B.dtype, C.dtype).c !== C.dtype) { // the paths below work in place
      for (const [at, n] of cSpans(g)) h.copy(C.view(at, n), add.view(at, n), n);
      add = null;
    }
  }
  if (g.k === 0) { // C = beta·C, row by row: the product is empty
    if (g.beta === 1) return;
    for (let b = 0; b < g.batch; b++) for (let i = 0; i < g.m; i++) {
      const row = C.view(b * g.strideC + i * g.ldc, g.n);
      if (g.beta === 0) h.fill(row, 0);
      else h.scale(row, row, g.beta, g.n);
    }
    return;
  }
  const run = gemmRunTypes(A.dtype, B.dtype, C.dtype);
  if (h.smallK && smallKFits(g, run)) { // bf16 operands and C as they are: nothing to convert
    h.timed(h.profiler && `${gemmLabel(g, run, add !== null)} (small-k kernel)`, () => runSmallK(h.kernels, g, C, A, B, add ?? C));
    return;
  }
  const temps: CudaBuffer[] = [];
  const as = (buf: CudaBuffer, dtype: DType): CudaBuffer => {
    if (buf.dtype === dtype) return buf;
    const t = cuda(h.alloc(dtype, buf.length));
    h.kernels.convert(t, buf, buf.length);
    temps.push(t);
    return t;
  };
  const c2 = as(C, run.c);
  const a2 = as(A, run.a), b2 = as(B, run.b);
  const label = h.profiler && gemmLabel(g, run, add !== null);
  const split = h.splitK === null ? null : splitKPlan(g, run, h.splitK, GEMM_WORKSPACE_BYTES / 2);
  // the slices' product is its own class (β = 0: the reduction, timed as splitk_reduce, adds C or the addend)
  let ran = split !== null && runSplitK(h, g, split, GEMM_WORKSPACE_BYTES, c2, a2, b2, add ?? c2,
    (op) => h.timed(h.profiler && `${gemmLabel({ ...g, beta: 0 }, run, false)} in ${split.slices} slices`, op));
  if (split !== null && !ran) h.splitKRefused();
  if (!ran) {
    h.timed(label, () => { ran = h.lt.matmul(g, run, c2.ptr, a2.ptr, b2.ptr, h.workspace.ptr, GEMM_WORKSPACE_BYTES, h.stream, add?.ptr); });
  }
  if (!ran) runGemmFallback(h.kernels, g, c2, a2, b2, add ?? c2);
  if (c2 !== C) h.kernels.convert(C, c2, C.length);
  for (const t of temps) h.free(t);
}
