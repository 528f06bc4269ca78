// Attention by the tensor-core flash kernels (MISTRAL_TUNE_CUDA_ATTENTION=flash; kernels/attention_flash_forward.cu, _backward.cu):
// the forward in one launch; the backward as rowdot = Σ dO·O (attention_gemm.cu's attn_rowdot), the kernel
// (dQ, dK and dV added to zeroed f32 accumulators by atomics), and the three rounded into dq, dk and dv. Only for bf16
// storage at head dims 64 and 128 (flashKernel): the caller runs another path elsewhere. Both kernels skip the mask on
// tiles every pair of which is visible (kernels/flash.cuh) unless MISTRAL_TUNE_CUDA_FLASH_INTERIOR=0 (flashInteriorFromEnv). The
// backward takes 64 keys a block (4 warps), or 128 (8 warps, half the atomic additions into dQ) where
// MISTRAL_TUNE_CUDA_FLASH_BWD128=1 (flashBackwardKeysFromEnv); the forward 64 queries a block (16 a warp), or 128 (32 a
// warp, half the shared-memory reads of K and V a query) where MISTRAL_TUNE_CUDA_FLASH_FWD128=1
// (flashForwardQueriesFromEnv): variants being measured.
import type { AttentionShape, DeviceBuffer } from '../backend.ts';
import type { DType } from '../dtype.ts';
import { envSwitch } from '../../util/env-switch.ts';
import { attentionPathAt, flashBackwardKernel, flashFallback, flashKernel, type CudaAttention } from './attention-path.ts';
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
  view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer;
}

const cuda = (b: DeviceBuffer): CudaBuffer => b as CudaBuffer;

/** The GPU as the flash kernels need it: its architecture (sm_90a, sm_86, ...) and the most dynamic shared memory a block may be allowed (null: unknown). */
export interface FlashGpu {
  arch: string;
  sharedPerBlock: number | null;
}

/**
 * Why a flash kernel whose launch takes `sharedBytes` of dynamic shared memory cannot take this call on `gpu`, or null
 * when it can: they need compute capability 8.0 (mma.sync on bf16, cp.async), that much shared memory a block (the
 * backward's 115,456 bytes at D = 128 are more than sm_86's and sm_89's 99 KiB), bf16 storage, a head dim they are
 * built for, and every tensor they read in rows of 8 bf16 at a 16-byte aligned address (the caller runs its other path
 * otherwise).
 */
export function flashRefusal(s: AttentionShape, gpu: FlashGpu, sharedBytes: number, ...tensors: DeviceBuffer[]): string | null {
  const onGpu = gpuRefusal(gpu, s.D, sharedBytes);
  if (onGpu) return onGpu;
  const wrong = tensors.find((t) => t.dtype !== 'bf16');
  if (wrong) return `${wrong.dtype} storage (bf16 only)`;
  if (tensors.some((t) => cuda(t).ptr % 16n !== 0n)) return 'a tensor not 16-byte aligned';
  return null;
}

/**
 * MISTRAL_TUNE_CUDA_FLASH_INTERIOR, the flash kernels' `interior` argument: 1 (the default, an empty value too) skips the
 * mask on tiles every pair of which is visible, 0 masks every tile (the kernels' full path: for measuring the fast
 * path on a GPU; the results are the same bits). Read at each launch, so a benchmark can switch it between calls.
 */
export function flashInteriorFromEnv(env: NodeJS.ProcessEnv = process.env): 0 | 1 {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_FLASH_INTERIOR', { default: true, on: 'skip the mask on fully visible tiles, the default', off: 'mask every tile' }) ? 1 : 0;
}

/**
 * MISTRAL_TUNE_CUDA_FLASH_BWD128: 1 runs the flash backward in blocks of 128 keys (8 warps: each query tile adds its dQ
 * once per 128 keys, from dS in shared memory), 0 (the default, an empty value too) in blocks of 64 (4 warps, two blocks an
 * SM). Read at each launch, so a benchmark can switch it between calls.
 */
export function flashBackwardKeysFromEnv(env: NodeJS.ProcessEnv = process.env): L.FlashBackwardKeys {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_FLASH_BWD128', { default: false, on: 'the flash backward in blocks of 128 keys', off: 'in blocks of 64, the default' }) ? 128 : 64;
}

/**
 * MISTRAL_TUNE_CUDA_FLASH_FWD128: 1 runs the flash forward in blocks of 128 queries (32 a warp: each K and V fragment
 * feeds two m-tiles, Q read from shared memory), 0 (the default, an empty value too) in blocks of 64 (16 a warp, Q in
 * registers). Read at each launch, so a benchmark can switch it between calls.
 */
export function flashForwardQueriesFromEnv(env: NodeJS.ProcessEnv = process.env): L.FlashForwardQueries {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_FLASH_FWD128', { default: false, on: 'the flash forward in blocks of 128 queries', off: 'in blocks of 64, the default' }) ? 128 : 64;
}

/** The flash forward's launch for shape s in the blocks flashForwardQueriesFromEnv says. */
export function flashForwardLaunch(s: L.AttentionDims): L.Launch {
  return L.flashAttentionForward(s, flashForwardQueriesFromEnv());
}

/** The flash backward's launch for shape s in the blocks flashBackwardKeysFromEnv says. */
export function flashBackwardLaunch(s: L.AttentionDims): L.Launch {
  return L.flashAttentionBackward(s, flashBackwardKeysFromEnv());
}

/** Why the GPU cannot run a flash kernel at head dim D that asks `sharedBytes` of shared memory a block (flashRefusal's GPU part), or null. */
function gpuRefusal(gpu: FlashGpu, D: number, sharedBytes: number): string | null {
  const tensorCores = L.tensorCoreRefusal(gpu.arch);
  if (tensorCores) return tensorCores;
  if (flashKernel(D) === null) return `head dim ${D} (built for 64 and 128)`;
  if (gpu.sharedPerBlock !== null && sharedBytes > gpu.sharedPerBlock) {
    return `${sharedBytes} bytes of shared memory a block at head dim ${D} (the GPU allows ${gpu.sharedPerBlock})`;
  }
  return null;
}

/**
 * The attention paths a run's calls at head dim D with `storage` activations may take on `attention`, for the memory
 * plan (which counts the largest workspace among them): on flash, its kernels where they are built for D and the
 * storage is bf16 and `gpu` gives them what they need — else cuBLASLt's path (forward and backward apart: sm_86 and
 * sm_89 run the forward at D = 128, not the backward's 115,456 bytes of shared memory) — and both where the GPU or
 * its shared memory is unknown (a dry run without it); other storage and head dims, flashFallback's path; the other
 * paths as attentionPathAt.
 */
export function plannedAttentionPaths(attention: CudaAttention, D: number, storage: DType, gpu: FlashGpu | null): CudaAttention[] {
  if (attention !== 'flash') return [attentionPathAt(attention, D)];
  if (storage !== 'bf16' || flashKernel(D) === null) return [flashFallback(D, storage)];
  if (gpu === null || gpu.sharedPerBlock === null) return ['flash', 'gemm'];
  const dims = { B: 1, T: 1, Hq: 1, Hkv: 1, D };
  const takes = [flashForwardLaunch(dims), flashBackwardLaunch(dims)].map((l) => gpuRefusal(gpu, D, l.sharedBytes) === null);
  return [...(takes.some((t) => t) ? ['flash' as const] : []), ...(takes.some((t) => !t) ? ['gemm' as const] : [])];
}

/** Bytes the flash backward holds beside its operands: the rowdot (B, Hq, T) and the dQ, dK, dV accumulators, in the exact dtype. */
export function flashAttentionWorkspaceBytes(s: { B: number; T: number; Hq: number; Hkv: number; D: number }, exactBytes = 4): number {
  return exactBytes * (s.B * s.Hq * s.T + s.B * s.T * (s.Hq + 2 * s.Hkv) * s.D);
}

export function flashForward(h: FlashAttentionHost, out: DeviceBuffer, lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
  segments: DeviceBuffer, s: AttentionShape): void {
  const queries = flashForwardQueriesFromEnv();
  h.kernels.launch(flashKernel(s.D, queries)!, L.flashAttentionForward(s, queries), [
    cuda(out), cuda(lse), cuda(q), cuda(k), cuda(v), cuda(segments), s.T, s.kvLen ?? s.T, s.qOffset ?? 0, s.Hq, s.Hkv, s.scale, s.window ?? 0,
    flashInteriorFromEnv(),
  ]);
}

export function flashBackward(h: FlashAttentionHost, dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer,
  lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape): void {
  const rows = s.B * s.Hq * s.T, nq = s.B * s.T * s.Hq * s.D, nk = s.B * s.T * s.Hkv * s.D;
  // dQ, dK and dV accumulate in the exact dtype (one zeroed buffer), then are rounded into dq, dk, dv
  const rowdot = h.alloc(lse.dtype, rows), acc = h.alloc(lse.dtype, nq + 2 * nk);
  const [dqAcc, dkAcc, dvAcc] = [h.view(acc, 0, nq), h.view(acc, nq, nk), h.view(acc, nq + nk, nk)];
  launchRowdot(h.kernels, rowdot, dout, out, segments, s);
  h.fill(acc, 0);
  const keys = flashBackwardKeysFromEnv();
  h.kernels.launch(flashBackwardKernel(s.D, keys)!, L.flashAttentionBackward(s, keys), [
    cuda(dqAcc), cuda(dkAcc), cuda(dvAcc), cuda(q), cuda(k), cuda(v), cuda(dout), cuda(lse), cuda(rowdot), cuda(segments), s.T, s.Hq, s.Hkv, s.scale, s.window ?? 0,
    flashInteriorFromEnv(),
  ]);
  h.copy(dq, dqAcc, nq);
  h.copy(dk, dkAcc, nk);
  h.copy(dv, dvAcc, nk);
  h.free(rowdot);
  h.free(acc);
}
