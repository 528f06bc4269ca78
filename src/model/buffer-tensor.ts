// A device buffer as a safetensors tensor in a file dtype (F32, BF16 or F16), and the bytes it takes there: what a
// model folder (save.ts), an adapter (peft-save.ts) and a checkpoint (checkpoint.ts) write. Its own module so that reading
// an adapter's config (train's config check on the CLI's main thread) does not load save.ts's tokenizer files.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { f32ToBf16, f32ToF16 } from '../backend/dtype.ts';
import { requireF16Range, requireFinite } from '../util/finite.ts';
import type { TensorToWrite } from './safetensors.ts';

/** The float dtypes a model file is written in. */
export type FileDType = 'f32' | 'bf16' | 'f16';

/** The file dtype of a buffer: bf16 stays bf16, every other float (f32, f64 of gradient checks) is F32. */
export function fileDType(buf: DeviceBuffer): FileDType {
  return buf.dtype === 'bf16' ? 'bf16' : 'f32';
}

/**
 * A buffer as a safetensors tensor in `as` (default the buffer's own dtype: BF16 for bf16, F32 otherwise);
 * with `finiteName`, a NaN or infinite value is refused naming that tensor.
 */
export function bufferTensor(backend: Backend, buf: DeviceBuffer, shape: readonly number[], as: FileDType = fileDType(buf), finiteName?: string): TensorToWrite {
  const host = backend.download(buf);
  if (finiteName !== undefined) requireFinite(host, finiteName);
  if (as === 'bf16') return { dtype: 'BF16', shape: [...shape], data: f32ToBf16(host) };
  if (as === 'f16') {
    // finite in f32, infinite in F16: refused as a non-finite weight is, naming the value and the way out
    if (finiteName !== undefined) requireF16Range(host, finiteName, 'the base model\'s dtype is F16; the adapter alone, without --merge, keeps every value');
    return { dtype: 'F16', shape: [...shape], data: f32ToF16(host) };
  }
  return { dtype: 'F32', shape: [...shape], data: host instanceof Float32Array ? host : Float32Array.from(host) };
}

/**
 * The largest shard saveModelFolder writes by default (a tensor larger than it gets a shard of its own): the save holds
 * one shard's host copies at a time, which the memory plan counts (train/memory-plan.ts).
 */
export const DEFAULT_SHARD_BYTES = 5e9;

/** Bytes a buffer takes in a file written by bufferTensor as `as`. */
export function savedBytes(buf: DeviceBuffer, as: FileDType): number {
  return buf.length * (as === 'f32' ? 4 : 2);
}
