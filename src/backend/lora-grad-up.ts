// LoRA's backward through its up-projection y += s·z·Bᵀ (Backend.loraGradUp): from dy, the gradient of z and the
// gradient of B. Here as the two GEMMs every backend can run — what the CPU backend does, and the CUDA backend where
// its fused kernel (cuda/lora-grad-up.ts) does not take the call.
import type { Backend, DeviceBuffer, LoraGradUpSpec } from './backend.ts';

/** dz = s·dy·B and, where dB is given, ∂B += s·dyᵀ·z, as two GEMMs of `backend`. */
export function loraGradUpByGemm(backend: Pick<Backend, 'gemm'>, dz: DeviceBuffer, dB: DeviceBuffer | null, dy: DeviceBuffer, z: DeviceBuffer,
  B: DeviceBuffer, { n, out, r, ld, scaling }: LoraGradUpSpec): void {
  if (dB) backend.gemm(dB, dy, z, { m: out, n: r, k: n, transA: true, ldb: ld, alpha: scaling, beta: 1 });
  backend.gemm(dz, dy, B, { m: n, n: r, k: out, ldc: ld, alpha: scaling });
}
