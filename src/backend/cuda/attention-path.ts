// Which attention path the CUDA backend runs (MISTRAL_TUNE_CUDA_ATTENTION), the path a head dim falls back to, the
// flash kernels by head dim, the window the kernels are given, and the batch slices a call is run in.
import type { AttentionShape, DeviceBuffer } from '../backend.ts';
import type { DType } from '../dtype.ts';
import { UserError } from '../../util/errors.ts';
import { infoOnce } from '../../util/log.ts';
import { ATTENTION, MAX_GRID_YZ } from './launch.ts';

/**
 * The attention path of the CUDA backend: the tensor-core flash forward and backward (kernels/attention_flash_forward.cu
 * and _backward.cu: bf16, head dim 64 or 128; other calls on flashFallback's path) (flash, the default: 1.8× HF's step and 0.7× its
 * memory at Mistral 7B's 1×2048 on an H200, against 0.07× for the kernels: BENCHMARKS.md, device run 1); cuBLASLt
 * products and row kernels (gemm); or the backend's own simple kernels (kernel: any head dim up to 512, f32 math).
 */
export type CudaAttention = 'kernel' | 'gemm' | 'flash';

/** The path where MISTRAL_TUNE_CUDA_ATTENTION does not name one. */
export const DEFAULT_CUDA_ATTENTION: CudaAttention = 'flash';

/** MISTRAL_TUNE_CUDA_ATTENTION: flash (default), gemm or kernel; anything else is an error naming the variable. */
export function cudaAttentionFromEnv(env: NodeJS.ProcessEnv = process.env): CudaAttention {
  const v = env.MISTRAL_TUNE_CUDA_ATTENTION || DEFAULT_CUDA_ATTENTION;
  if (v !== 'kernel' && v !== 'gemm' && v !== 'flash') throw new UserError(`MISTRAL_TUNE_CUDA_ATTENTION=${v}: expected flash, gemm or kernel`);
  return v;
}

/** The largest head dim the attention kernels (kernels/attention.cu) take: ATTN_MAX_ACC accumulators a thread over a block. */
export const KERNEL_MAX_HEAD_DIM = ATTENTION.threads * ATTENTION.maxAcc;

/**
 * The path attention at head dim D runs on `attention`: the kernels' calls past KERNEL_MAX_HEAD_DIM go through cuBLASLt
 * (any head dim), since config.json may give any head_dim; the flash path's other head dims are flashRefusal's.
 */
export function attentionPathAt(attention: CudaAttention, D: number): CudaAttention {
  return attention === 'kernel' && D > KERNEL_MAX_HEAD_DIM ? 'gemm' : attention;
}

/**
 * The path of a call the flash kernels do not take, on the flash path: the attention kernels where the storage is not
 * bf16 (fp32, and the gradient checks' f64: sums in the storage's precision, in the CPU's order, the oracle's own
 * arithmetic) and the head dim is theirs; cuBLASLt otherwise (bf16 at another head dim: its tensor cores).
 */
export function flashFallback(D: number, storage: DType): 'kernel' | 'gemm' {
  return storage !== 'bf16' && D <= KERNEL_MAX_HEAD_DIM ? 'kernel' : 'gemm';
}

/**
 * Whether a call at head dim D with `storage` tensors that the flash kernels did not take runs through cuBLASLt on
 * `attention`: on the gemm path; on flash, where flashFallback says so; on the kernels' past their head dims (said once
 * a head dim).
 */
export function throughGemm(attention: CudaAttention, D: number, storage: DType): boolean {
  if (attention === 'gemm') return true;
  if (attention === 'flash') return flashFallback(D, storage) === 'gemm';
  if (attentionPathAt(attention, D) === 'kernel') return false;
  infoOnce(`kernel-head-dim ${D}`, `cuda backend: the attention kernels take head dims up to ${KERNEL_MAX_HEAD_DIM}, not ${D}: attention through cuBLASLt instead`);
  return true;
}

/** The flash backward kernel for head dimension D in blocks of `keys` keys (launch.ts's FlashBackwardKeys), or null where it has none. */
export function flashBackwardKernel(D: number, keys: 64 | 128 = 64): `flash_attention_backward_${'' | 'k128_'}d${64 | 128}` | null {
  if (D !== 64 && D !== 128) return null;
  return keys === 128 ? `flash_attention_backward_k128_d${D}` : `flash_attention_backward_d${D}`;
}

/** The flash forward kernel for head dimension D in blocks of `queries` queries (launch.ts's FlashForwardQueries), or null where it has none. */
export function flashKernel(D: number, queries: 64 | 128 = 64): `flash_attention_forward_${'' | 'q128_'}d${64 | 128}` | null {
  if (D !== 64 && D !== 128) return null;
  return queries === 128 ? `flash_attention_forward_q128_d${D}` : `flash_attention_forward_d${D}`;
}

/**
 * The shape with no window where the window hides nothing (window ≥ the keys): the kernels add the window to key
 * and query indices in int, which a window near 2^31 (a config may say anything) would wrap.
 */
export function withinWindow(s: AttentionShape): AttentionShape {
  return s.window !== null && s.window >= (s.kvLen ?? s.T) ? { ...s, window: null } : s;
}

/** A tensor of an attention call by its rows: q, out, dq, dout (T, Hq·D); k, v, dk, dv (K, Hkv·D); lse (Hq, T); segments (K). */
export type AttentionRows = 'q' | 'kv' | 'lse' | 'segments';

/**
 * Runs `fn` on slices of at most MAX_GRID_YZ batch rows: the kernels' grids put the batch on z (or y), which CUDA caps
 * at 65535, and an evaluation's batch size may be more. `rows(buf, kind)` is the slice's view of a call's tensor.
 */
export function forEachBatchSlice(h: { view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer }, s: AttentionShape,
  fn: (sub: AttentionShape, rows: (buf: DeviceBuffer, kind: AttentionRows) => DeviceBuffer) => void): void {
  const K = s.kvLen ?? s.T;
  const per: Record<AttentionRows, number> = { q: s.T * s.Hq * s.D, kv: K * s.Hkv * s.D, lse: s.Hq * s.T, segments: K };
  for (let b0 = 0; b0 < s.B; b0 += MAX_GRID_YZ) {
    const n = Math.min(MAX_GRID_YZ, s.B - b0);
    fn({ ...s, B: n }, (buf, kind) => h.view(buf, b0 * per[kind], n * per[kind]));
  }
}
