// Which attention path the CUDA backend runs (MISTRAL_TUNE_CUDA_ATTENTION), the path a head dim falls back to, the
// flash kernels by head dim, and the window the kernels are given.
import type { AttentionShape } from '../backend.ts';
import { UserError } from '../../util/errors.ts';
import { infoOnce } from '../../util/log.ts';
import { ATTENTION } from './launch.ts';

/**
 * The attention path of the CUDA backend: its own kernels (the default); cuBLASLt products and row kernels
 * (gemm); or the tensor-core flash forward and backward (kernels/attention_flash_forward.cu and _backward.cu: bf16, head dim 64 or 128,
 * else the gemm path) (flash).
 */
export type CudaAttention = 'kernel' | 'gemm' | 'flash';

/** MISTRAL_TUNE_CUDA_ATTENTION: kernel (default), gemm or flash; anything else is an error naming the variable. */
export function cudaAttentionFromEnv(env: NodeJS.ProcessEnv = process.env): CudaAttention {
  const v = env.MISTRAL_TUNE_CUDA_ATTENTION ?? 'kernel';
  if (v !== 'kernel' && v !== 'gemm' && v !== 'flash') throw new UserError(`MISTRAL_TUNE_CUDA_ATTENTION=${v}: expected kernel, gemm or flash`);
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
 * Whether a call at head dim D that the flash kernels did not take runs through cuBLASLt on `attention`: on the gemm and
 * flash paths, and on the kernels' past their head dims (said once a head dim).
 */
export function throughGemm(attention: CudaAttention, D: number): boolean {
  if (attention !== 'kernel') return true;
  if (attentionPathAt(attention, D) === 'kernel') return false;
  infoOnce(`kernel-head-dim ${D}`, `cuda backend: the attention kernels take head dims up to ${KERNEL_MAX_HEAD_DIM}, not ${D}: attention through cuBLASLt instead`);
  return true;
}

/** The flash backward kernel for head dimension D, or null where it has none. */
export function flashBackwardKernel(D: number): 'flash_attention_backward_d64' | 'flash_attention_backward_d128' | null {
  return D === 64 ? 'flash_attention_backward_d64' : D === 128 ? 'flash_attention_backward_d128' : null;
}

/** The flash forward kernel for head dimension D, or null where it has none. */
export function flashKernel(D: number): 'flash_attention_forward_d64' | 'flash_attention_forward_d128' | null {
  return D === 64 ? 'flash_attention_forward_d64' : D === 128 ? 'flash_attention_forward_d128' : null;
}

/**
 * The shape with no window where the window hides nothing (window ≥ the keys): the kernels add the window to key
 * and query indices in int, which a window near 2^31 (a config may say anything) would wrap.
 */
export function withinWindow(s: AttentionShape): AttentionShape {
  return s.window !== null && s.window >= (s.kvLen ?? s.T) ? { ...s, window: null } : s;
}
