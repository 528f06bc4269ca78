// Host data converted to a device buffer's dtype before an upload (CudaBackend.upload).
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, type DType, type HostData } from '../dtype.ts';

/** Host data as a typed array of the buffer's dtype (converted on the host, as the CPU backend's storeFloats does). */
export function hostAs(dtype: DType, src: HostData): ArrayBufferView {
  if ((src.dtype === 'i32') !== (dtype === 'i32')) throw new Error(`${src.dtype} data into a ${dtype} buffer`);
  if (src.dtype === dtype) return src.data;
  const wide = src.dtype === 'bf16' ? bf16ToF32(src.data) : src.dtype === 'f16' ? f16ToF32(src.data) : (src.data as Float32Array | Float64Array);
  switch (dtype) {
    case 'bf16': return f32ToBf16(wide);
    case 'f16': return f32ToF16(wide);
    case 'f32': return Float32Array.from(wide);
    default: return Float64Array.from(wide);
  }
}
