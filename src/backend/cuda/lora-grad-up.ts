// LoRA's backward through its up-projection (Backend.loraGradUp: dz = s·dy·B, ∂B += s·dyᵀ·z) on a kernel of our own
// that reads dy once (kernels/lora_grad_up.cu) instead of two cuBLASLt products that read it twice. A variant:
// MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 turns it on (off by default until a device call has measured it, the bench's
// +lora-grad-up). It takes bf16 dy, z, B and dz with an f32 ∂B (or none), r ≤ 64, and rows that keep 16-byte copies
// aligned, on compute capability 8.0 or newer; other calls run as the two GEMMs (../lora-grad-up.ts).
import type { DeviceBuffer, LoraGradUpSpec } from '../backend.ts';
import { envSwitch } from '../../util/env-switch.ts';
import { cuda, type CudaBuffer } from './cuda-buffer.ts';
import type { KernelRuntime } from './kernel-runtime.ts';
import { elementwise, LORA_GRAD_UP, loraGradUp, loraGradUpRank, tensorCoreVariantRunsOn } from './launch.ts';

/** MISTRAL_TUNE_CUDA_LORA_GRAD_UP: 1 runs LoRA's dz and ∂B on lora_grad_up; 0 (default) on two cuBLASLt products. */
export function loraGradUpFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return envSwitch(env, 'MISTRAL_TUNE_CUDA_LORA_GRAD_UP', { default: false, on: "run LoRA's dz and ∂B on our kernel, one read of dy", off: 'on two cuBLASLt products' });
}

const aligned = (b: CudaBuffer, bytes: number): boolean => b.ptr % BigInt(bytes) === 0n;

/**
 * Whether lora_grad_up can run on a GPU of architecture `arch` (sm_75, sm_90a, ...): its cp.async and bf16 mma.sync
 * need compute capability 8.0, below which its module does not compile. Where it cannot, says so once: LoRA's dz and
 * ∂B then run as the two GEMMs.
 */
export function loraGradUpRunsOn(arch: string): boolean {
  return tensorCoreVariantRunsOn(arch, 'MISTRAL_TUNE_CUDA_LORA_GRAD_UP', "LoRA's dz and ∂B on two cuBLASLt products instead");
}

/** The kernel for rank r: the smallest of LORA_GRAD_UP.ranks that holds it. */
export function loraGradUpKernel(r: number): 'lora_grad_up_r16' | 'lora_grad_up_r32' | 'lora_grad_up_r64' {
  return `lora_grad_up_r${LORA_GRAD_UP.ranks[loraGradUpRank(r)]!}`;
}

/** Whether lora_grad_up takes the call, with an accumulator of `accFloats` floats for dz. */
export function loraGradUpFits(dz: CudaBuffer, dB: CudaBuffer | null, dy: CudaBuffer, z: CudaBuffer, B: CudaBuffer, s: LoraGradUpSpec, accFloats: number): boolean {
  const { n, out, r, ld } = s;
  const bf16 = dz.dtype === 'bf16' && dy.dtype === 'bf16' && z.dtype === 'bf16' && B.dtype === 'bf16' && (dB === null || dB.dtype === 'f32');
  const shape = n > 0 && out > 0 && r > 0 && r <= LORA_GRAD_UP.maxR && r % 8 === 0 && out % 8 === 0 && ld % 8 === 0 && ld >= r &&
    n * Math.ceil(r / 16) * 16 <= accFloats && n * ld < 2 ** 31 && n * out < 2 ** 31;
  const lengths = dy.length >= n * out && z.length >= (n - 1) * ld + r && dz.length >= (n - 1) * ld + r && B.length >= out * r &&
    (dB === null || dB.length >= out * r);
  return bf16 && shape && lengths && [dy, z, dz, B].every((b) => aligned(b, 16)) && (dB === null || aligned(dB, 8));
}

/**
 * dz = s·dy·B and ∂B += s·dyᵀ·z on lora_grad_up (loraGradUpFits holds), its partial dz summed in `acc` (f32, zero
 * before the call and after it: lora_grad_up_finish zeroes what it reads) on a GPU of `multiprocessors` SMs, each holding
 * as many of its blocks as the driver says (the table's where it cannot).
 */
export function runLoraGradUp(kernels: Pick<KernelRuntime, 'launch'> & Partial<Pick<KernelRuntime, 'residentBlocks'>>, acc: CudaBuffer, multiprocessors: number, dz: DeviceBuffer,
  dB: DeviceBuffer | null, dy: DeviceBuffer, z: DeviceBuffer, B: DeviceBuffer, { n, out, r, ld, scaling }: LoraGradUpSpec): void {
  const kernel = loraGradUpKernel(r);
  const geometry = loraGradUp(n, out, r, multiprocessors, kernels.residentBlocks?.(kernel, 'bf16', LORA_GRAD_UP.threads, 0) ?? undefined);
  kernels.launch(kernel, geometry, [acc, dB ? cuda(dB) : null, cuda(dy), cuda(z), cuda(B), n, out, r, out, ld, geometry.rowsPerBlock, scaling]);
  kernels.launch('lora_grad_up_finish', elementwise(n * r), [cuda(dz), acc, n, r, ld, scaling]);
}
