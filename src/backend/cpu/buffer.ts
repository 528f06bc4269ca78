// CPU buffers: typed arrays in host memory behind the opaque DeviceBuffer interface.
import type { DeviceBuffer } from '../backend.ts';
import type { DType, FloatArray } from '../dtype.ts';

export type CpuArray = Float32Array | Float64Array | Int32Array;

export class CpuBuffer implements DeviceBuffer {
  constructor(
    readonly dtype: DType,
    readonly data: CpuArray,
    /** True for a view into another buffer's memory (not counted, not freed). */
    readonly isView: boolean,
  ) {}

  get length(): number {
    return this.data.length;
  }
}

/** The buffer's float array; throws if the backend was handed a buffer of another kind or an int buffer. */
export function floats(b: DeviceBuffer, what = 'buffer'): FloatArray {
  if (!(b instanceof CpuBuffer)) throw new Error(`${what}: not a CPU buffer`);
  if (b.dtype !== 'f32' && b.dtype !== 'f64') throw new Error(`${what}: expected f32 or f64, got ${b.dtype}`);
  return b.data as FloatArray;
}

/** The buffer's int32 array. */
export function ints(b: DeviceBuffer, what = 'buffer'): Int32Array {
  if (!(b instanceof CpuBuffer)) throw new Error(`${what}: not a CPU buffer`);
  if (b.dtype !== 'i32') throw new Error(`${what}: expected i32, got ${b.dtype}`);
  return b.data as Int32Array;
}
