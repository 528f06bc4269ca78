// The table of every CUDA kernel: its module (.cu file), its parameters in order, and which Backend
// methods launch it. Parameter codes (checked against the .cu sources by test/backend/cuda/kernel-table.test.ts):
//   buffers  S store_t*   E exact_t*   I int*   D double*   V void* (any dtype, with its DTYPE_CODE beside it)
//            a trailing ! marks a buffer the kernel writes (non-const in C); a trailing ? one that may be null
//   scalars  i32 int   i64 long long   u32 unsigned int   u64 unsigned long long   f32 float   f64 double
//            real (float, or double in the f64 variant)
import type { Backend, GateActivation } from '../backend.ts';
import type { DType } from '../dtype.ts';
import type { KernelFile } from './kernel-source.ts';

export type BufferCode = 'S' | 'E' | 'I' | 'D' | 'V';
export type ScalarCode = 'i32' | 'i64' | 'u32' | 'u64' | 'f32' | 'f64' | 'real';

export interface BufferParam {
  kind: 'buffer';
  code: BufferCode;
  written: boolean;
  nullable: boolean;
}
export interface ScalarParam {
  kind: 'scalar';
  code: ScalarCode;
}
export type KernelParam = BufferParam | ScalarParam;

export interface KernelSpec {
  file: KernelFile;
  params: KernelParam[];
}

/** The dtype codes of convert.cu's T_* macros. */
export const DTYPE_CODE: Record<DType, number> = { f32: 0, f64: 1, bf16: 2, f16: 3, i32: 4 };

/** The MLP gate activation codes of swiglu.cu's ACT_* macros (swiglu_forward's and swiglu_backward's `act`). */
export const GATE_ACTIVATION_CODE: Record<GateActivation, number> = { silu: 0, gelu: 1, gelu_tanh: 2, relu: 3 };

const SIGNATURES = {
  add: ['elementwise', 'S! S S i64'],
  axpy: ['elementwise', 'S! S real i64'],
  scale: ['elementwise', 'S! S real i64'],
  scale_by_scalar: ['elementwise', 'S! S E i64'],
  fill: ['elementwise', 'S! real i64'],
  dropout: ['elementwise', 'S! S u64 f32 u32 i64'],
  reduce_sum: ['elementwise', 'D! S i64 i32'],
  random_normal: ['random', 'S! u64 u64 f64 i64'],
  convert: ['convert', 'V! i32 V i32 i64'],
  finish_sum: ['convert', 'V! i32 D i32 i32'],
  splitk_reduce: ['convert', 'V! i32 V i32 E i32 i32 i32 i32 f32 f32'],
  clip_coefficient: ['optim', 'E! E f64'],
  adamw: ['optim', 'S! S! S! S I? i32 i64 f64 f64 real real real real'],
  gather_rows: ['rows', 'S! S I i32 i32 i32'],
  scatter_add_rows: ['rows', 'E! S I i32 i32 i32'],
  cross_entropy: ['cross_entropy', 'E! S!? E I i32 i32 real'],
  cross_entropy_stored: ['cross_entropy', 'E! S!? S I i32 i32 real'],
  rmsnorm_forward: ['rmsnorm', 'S! E! S S i32 i32 real'],
  rmsnorm_backward: ['rmsnorm', 'S! E!? S S S E i32 i32'],
  rope: ['rope', 'S! I E i32 i32 i32 i32'],
  attention_forward: ['attention', 'S! E! S S S I i32 i32 i32 i32 i32 i32 real i32 i32'],
  attention_backward_dq: ['attention', 'S! E! S S E S S S I i32 i32 i32 i32 real i32 i32'],
  attention_backward_dkv: ['attention', 'S! S! S E E S S S I i32 i32 i32 i32 real i32 i32'],
  flash_attention_forward_d64: ['attention_flash_forward', 'S! E! S S S I i32 i32 i32 i32 i32 real i32 i32'],
  flash_attention_forward_d128: ['attention_flash_forward', 'S! E! S S S I i32 i32 i32 i32 i32 real i32 i32'],
  flash_attention_forward_q128_d64: ['attention_flash_forward', 'S! E! S S S I i32 i32 i32 i32 i32 real i32 i32'],
  flash_attention_forward_q128_d128: ['attention_flash_forward', 'S! E! S S S I i32 i32 i32 i32 i32 real i32 i32'],
  flash_attention_backward_d64: ['attention_flash_backward', 'E! E! E! S S S S E E I i32 i32 i32 real i32 i32'],
  flash_attention_backward_d128: ['attention_flash_backward', 'E! E! E! S S S S E E I i32 i32 i32 real i32 i32'],
  flash_attention_backward_k128_d64: ['attention_flash_backward', 'E! E! E! S S S S E E I i32 i32 i32 real i32 i32'],
  flash_attention_backward_k128_d128: ['attention_flash_backward', 'E! E! E! S S S S E E I i32 i32 i32 real i32 i32'],
  attn_pack: ['attention_gemm', 'S! S i32 i32 i32 i32 i64'],
  attn_softmax: ['attention_gemm', 'E! S! E! I i32 i32 i32 i32 i32 i32 i32'],
  attn_probs: ['attention_gemm', 'E! S! E I i32 i32 i32 i32 i32 i32 i64'],
  attn_rowdot: ['attention_gemm', 'E! S S I i32 i32 i32 i32 i64'],
  attn_dscores: ['attention_gemm', 'S! E E E i32 i32 i32 i32 i32 i64'],
  gemm_fallback: ['gemm_fallback', 'S! S S S i32 i32 i32 i32 i32 i32 i32 i32 i64 i64 i64 i32 real real'],
  gemm_fallback_exact: ['gemm_fallback', 'E! E S S i32 i32 i32 i32 i32 i32 i32 i32 i64 i64 i64 i32 real real'],
  gemm_small_k: ['gemm_small_k', 'S! S S S i32 i32 i32 i32 i32 i32 i32 real real'],
  lora_grad_up_r16: ['lora_grad_up', 'E! E!? S S S i32 i32 i32 i32 i32 i32 real'],
  lora_grad_up_r32: ['lora_grad_up', 'E! E!? S S S i32 i32 i32 i32 i32 i32 real'],
  lora_grad_up_r64: ['lora_grad_up', 'E! E!? S S S i32 i32 i32 i32 i32 i32 real'],
  lora_grad_up_finish: ['lora_grad_up', 'S! E! i32 i32 i32 real'],
  swiglu_forward: ['swiglu', 'S! S S i64 i32'],
  swiglu_backward: ['swiglu', 'S! S! S S S i64 i32'],
  row_norms: ['dora', 'E! S i32 i32'],
  scale_columns: ['dora', 'S! S E E S? i32 i32'],
  column_dots: ['dora', 'E! S S E i32 i32'],
} as const satisfies Record<string, readonly [KernelFile, string]>;

export type KernelName = keyof typeof SIGNATURES;

export function parseParams(sig: string): KernelParam[] {
  return sig.split(' ').map((tok): KernelParam => {
    const m = /^([SEIDV])(!?)(\??)$/.exec(tok);
    if (m) return { kind: 'buffer', code: m[1] as BufferCode, written: m[2] === '!', nullable: m[3] === '?' };
    return { kind: 'scalar', code: tok as ScalarCode };
  });
}

export const KERNELS: Record<KernelName, KernelSpec> = Object.fromEntries(
  Object.entries(SIGNATURES).map(([name, [file, sig]]) => [name, { file, params: parseParams(sig) }]),
) as Record<KernelName, KernelSpec>;

/** The Backend methods that run on the GPU, and the kernels each launches ('cublasLt' for the GEMM). */
export const BACKEND_KERNELS = {
  // gemm: cuBLASLt (a skinny bf16 product's k in slices, summed by splitk_reduce: gemm-splitk.ts), gemm_small_k for a
  // bf16 product of a small k where MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 (gemm-small-k.ts), or where cuBLASLt's heuristic has
  // no algorithm for a product, the fallback kernels of gemm_fallback.cu
  fill: ['fill'], copy: ['convert'], gemm: ['cublasLt', 'splitk_reduce', 'gemm_small_k', 'gemm_fallback', 'gemm_fallback_exact'], add: ['add'], axpy: ['axpy'], scale: ['scale'],
  // loraGradUp: lora_grad_up where MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 takes the call (cuda/lora-grad-up.ts), else gemm's two products
  loraGradUp: ['lora_grad_up_r16', 'lora_grad_up_r32', 'lora_grad_up_r64', 'lora_grad_up_finish', 'cublasLt', 'splitk_reduce', 'gemm_small_k', 'gemm_fallback', 'gemm_fallback_exact'],
  sumSquares: ['reduce_sum', 'finish_sum'], sum: ['reduce_sum', 'finish_sum'], accumulateSum: ['reduce_sum', 'finish_sum'],
  scaleByScalar: ['scale_by_scalar'], rmsnormForward: ['rmsnorm_forward'], rmsnormBackward: ['rmsnorm_backward'], rope: ['rope'],
  // the kernels of the attention paths (MISTRAL_TUNE_CUDA_ATTENTION: kernel; gemm: cuBLASLt and row kernels;
  // flash: the tensor-core forward and backward under bf16 at head dims 64 and 128, else the gemm path)
  attentionForward: ['attention_forward', 'flash_attention_forward_d64', 'flash_attention_forward_d128', 'flash_attention_forward_q128_d64',
    'flash_attention_forward_q128_d128', 'attn_pack', 'cublasLt', 'attn_softmax'],
  attentionBackward: ['attention_backward_dq', 'attention_backward_dkv', 'flash_attention_backward_d64', 'flash_attention_backward_d128',
    'flash_attention_backward_k128_d64', 'flash_attention_backward_k128_d128',
    'attn_pack', 'cublasLt', 'attn_probs', 'attn_rowdot', 'attn_dscores', 'fill', 'convert'],
  swigluForward: ['swiglu_forward'], swigluBackward: ['swiglu_backward'], crossEntropy: ['cross_entropy', 'cross_entropy_stored'],
  gatherRows: ['gather_rows'], scatterAddRows: ['scatter_add_rows'], dropout: ['dropout'], randomNormal: ['random_normal'],
  clipCoefficient: ['clip_coefficient'], adamw: ['adamw'],
  rowNorms: ['row_norms'], scaleColumns: ['scale_columns'], columnDots: ['column_dots'],
} as const satisfies Partial<Record<keyof Backend, ReadonlyArray<KernelName | 'cublasLt'>>>;

/** The Backend methods that are host-side bookkeeping, not launches. */
export const HOST_METHODS = ['name', 'describe', 'alloc', 'view', 'join', 'free', 'upload', 'download', 'bytesInUse', 'peakBytesInUse'] as const;
