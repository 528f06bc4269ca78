// CPU buffers: typed arrays in host memory behind the opaque DeviceBuffer interface. bf16 buffers hold
// their 16-bit patterns for real (a Uint16Array), so the CPU is the oracle of the GPU's bf16 storage.
import type { DeviceBuffer } from '../backend.ts';
import { bf16ToF32, DTYPE_BYTES, f16ToF32, f32ToBf16, type DType, type FloatArray, type HostData } from '../dtype.ts';
import { UserError } from '../../util/errors.ts';

export type CpuArray = Float32Array | Float64Array | Int32Array | Uint16Array;

export class CpuBuffer implements DeviceBuffer {
  constructor(
    readonly dtype: DType,
    readonly data: CpuArray,
    /** True for a view into another buffer's memory (not counted, not freed). */
    readonly isView: boolean,
    /** A view's buffer (kept alive while the view is: its arena block must outlive it). */
    readonly owner: CpuBuffer | null = null,
  ) {}

  /** Gives an arena block back (set by the backend for buffers in the kernels' memory). */
  release: (() => void) | null = null;

  get length(): number {
    return this.data.length;
  }
}

/**
 * A host array for `length` elements of `dtype` (f16 is a file format only: never a CPU buffer). One larger than a
 * typed array may be, or than the memory can give, is a UserError: a config's sizes asked for it (a random model's
 * vocab_size), and the RangeError would say neither what nor why.
 */
export function cpuArray(dtype: DType, length: number): CpuArray {
  try {
    switch (dtype) {
      case 'f32': return new Float32Array(length);
      case 'f64': return new Float64Array(length);
      case 'i32': return new Int32Array(length);
      case 'bf16': return new Uint16Array(length);
      case 'f16': throw new Error('the CPU backend stores f32, f64, bf16 or i32: convert f16 to bf16 or f32 on the host');
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new UserError(`cannot allocate ${length.toLocaleString('en')} ${dtype} values (${(length * DTYPE_BYTES[dtype] / 2 ** 30).toFixed(1)} GiB) in host memory: ` +
      `${e.message}; the model or the batch is too large for the CPU backend here (train --dry-run shows the memory plan)`);
  }
}

/** The buffer's float array; throws if the backend was handed a buffer of another kind or an int buffer. */
export function floats(b: DeviceBuffer, what = 'buffer'): FloatArray {
  if (!(b instanceof CpuBuffer)) throw new Error(`${what}: not a CPU buffer`);
  if (b.dtype !== 'f32' && b.dtype !== 'f64') throw new Error(`${what}: expected f32 or f64, got ${b.dtype}`);
  return b.data as FloatArray;
}

/** A CPU buffer of floats in any storage type (f32, f64, bf16), for kernels that move elements without math. */
export function floatBuffer(b: DeviceBuffer, what = 'buffer'): CpuBuffer {
  if (!(b instanceof CpuBuffer)) throw new Error(`${what}: not a CPU buffer`);
  if (b.dtype === 'i32') throw new Error(`${what}: expected a float buffer, got i32`);
  return b;
}

/** The buffer's int32 array. */
export function ints(b: DeviceBuffer, what = 'buffer'): Int32Array {
  if (!(b instanceof CpuBuffer)) throw new Error(`${what}: not a CPU buffer`);
  if (b.dtype !== 'i32') throw new Error(`${what}: expected i32, got ${b.dtype}`);
  return b.data as Int32Array;
}

/** The elements as numbers (f32 for bf16 buffers, exactly): what a download returns. */
export function readFloats(b: CpuBuffer): Float32Array | Float64Array | Int32Array {
  return b.dtype === 'bf16' ? bf16ToF32(b.data as Uint16Array) : (b.data as Float32Array | Float64Array | Int32Array).slice();
}

/**
 * Stores `src` into dst at `offset`, converting between float types: into bf16 by rounding to nearest
 * even, out of bf16 or f16 exactly. Integers go only into integer buffers.
 */
export function storeFloats(dst: CpuBuffer, src: HostData | { dtype: DType; data: CpuArray }, offset = 0): void {
  const n = src.data.length;
  if (offset + n > dst.length) throw new Error(`store of ${n} at ${offset} overflows a buffer of ${dst.length}`);
  if ((src.dtype === 'i32') !== (dst.dtype === 'i32')) throw new Error(`${src.dtype} data into a ${dst.dtype} buffer`);
  const out = dst.data.subarray(offset, offset + n);
  if (src.dtype === dst.dtype) {
    out.set(src.data);
    return;
  }
  if (dst.dtype === 'f32' && (src.dtype === 'bf16' || src.dtype === 'f16')) {
    // widened straight into the buffer: a float32 copy first would be one more array of the buffer's size, fresh memory
    // whose first touch costs a model load more than the conversion
    (src.dtype === 'bf16' ? bf16ToF32 : f16ToF32)(src.data as Uint16Array, out as Float32Array);
    return;
  }
  const wide = src.dtype === 'bf16' ? bf16ToF32(src.data as Uint16Array)
    : src.dtype === 'f16' ? f16ToF32(src.data as Uint16Array)
      : (src.data as FloatArray);
  if (dst.dtype === 'bf16') f32ToBf16(wide, out as Uint16Array);
  else out.set(wide);
}
