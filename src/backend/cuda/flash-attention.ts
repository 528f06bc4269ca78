// Attention by the tensor-core flash kernels (MISTRAL_TUNE_CUDA_ATTENTION=flash; kernels/attention_flash.cu):
// the forward in one launch; the backward as rowdot = Σ dO·O (attention_gemm.cu's attn_rowdot), the kernel
// (dK, dV written, dQ added to a zeroed f32 accumulator by atomics), and dQ rounded into dq. Only for bf16
// storage at head dims 64 and 128 (flashKernel): the caller runs another path elsewhere.
import type { AttentionShape, DeviceBuffer } from '../backend.ts';
import type { DType } from '../dtype.ts';
import { flashBackwardKernel, flashKernel } from './attention-path.ts';
import type { CudaBuffer } from './cuda-buffer.ts';
import { launchRowdot } from './gemm-attention.ts';
import type { KernelRuntime } from './kernel-runtime.ts';
import * as L from './launch.ts';

/** What the flash path needs of the backend. */
export interface FlashAttentionHost {
  kernels: Pick<KernelRuntime, 'launch'>;
  alloc(dtype: DType, length: number): DeviceBuffer;
  free(buf: DeviceBuffer): void;
  fill(buf: DeviceBuffer, value: number): void;
  copy(dst: DeviceBuffer, src: DeviceBuffer, n: number): void;
}

const cuda = (b: DeviceBuffer): CudaBuffer => b as CudaBuffer;

/**
 * Whether the flash kernels take this call: bf16 storage, a head dim they are built for, and every tensor they
 * read in rows of 8 bf16 at a 16-byte aligned address (views at other offsets take the caller's other path).
 */
export function flashApplies(s: AttentionShape, ...tensors: DeviceBuffer[]): boolean {
  return flashKernel(s.D) !== null && tensors.every((t) => t.dtype === 'bf16' && cuda(t).ptr % 16n === 0n);
}

export function flashForward(h: FlashAttentionHost, out: DeviceBuffer, lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
  segments: DeviceBuffer, s: AttentionShape): void {
  h.kernels.launch(flashKernel(s.D)!, L.flashAttentionForward(s), [
    cuda(out), cuda(lse), cuda(q), cuda(k), cuda(v), cuda(segments), s.T, s.kvLen ?? s.T, s.qOffset ?? 0, s.Hq, s.Hkv, s.scale, s.window ?? 0,
  ]);
}

export function flashBackward(h: FlashAttentionHost, dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer,
  lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape): void {
  const rows = s.B * s.Hq * s.T, n = s.B * s.T * s.Hq * s.D;
  const rowdot = h.alloc(lse.dtype, rows), dqAcc = h.alloc(lse.dtype, n);
  launchRowdot(h.kernels, rowdot, dout, out, s);
  h.fill(dqAcc, 0);
  h.kernels.launch(flashBackwardKernel(s.D)!, L.flashAttentionBackward(s), [
    cuda(dqAcc), cuda(dk), cuda(dv), cuda(q), cuda(k), cuda(v), cuda(dout), cuda(lse), cuda(rowdot), cuda(segments), s.T, s.Hq, s.Hkv, s.scale, s.window ?? 0,
  ]);
  h.copy(dq, dqAcc, n);
  h.free(rowdot);
  h.free(dqAcc);
}
