// Small helpers over the backend interface shared by the model, the adapters and the optimizer.
import type { Backend, DeviceBuffer } from './backend.ts';
import type { DType } from './dtype.ts';

/** A buffer of `n` zeros. */
export function zeros(backend: Backend, dtype: DType, n: number): DeviceBuffer {
  const b = backend.alloc(dtype, n);
  backend.fill(b, 0);
  return b;
}
