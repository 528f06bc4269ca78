// A CUDA backend buffer: a dtype, a length and a device address; a view is an offset into its parent's
// allocation (block null: freeing it frees nothing; root: the allocation it lies in, for join).
import type { DeviceBuffer } from '../backend.ts';
import { DTYPE_BYTES, type DType } from '../dtype.ts';
import type { Block } from './allocator.ts';
import type { DevicePtr } from './driver.ts';

export class CudaBuffer implements DeviceBuffer {
  freed = false;
  constructor(
    readonly dtype: DType, readonly length: number, readonly ptr: DevicePtr, readonly block: Block | null,
    /** The allocation this buffer lies in: its own block, or its parent's for a view. */
    readonly root: Block | null = block,
  ) {}

  get bytes(): number {
    return this.length * DTYPE_BYTES[this.dtype];
  }

  /** `length` elements from element `offset`, sharing the memory. */
  view(offset: number, length: number): CudaBuffer {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.length) {
      throw new Error(`view [${offset}, ${offset + length}) outside a buffer of ${this.length}`);
    }
    return new CudaBuffer(this.dtype, length, this.ptr + BigInt(offset * DTYPE_BYTES[this.dtype]), null, this.root);
  }
}

/** The argument as a live CUDA buffer (a programming error otherwise). */
export function cuda(b: DeviceBuffer, what = 'buffer'): CudaBuffer {
  if (!(b instanceof CudaBuffer)) throw new Error(`${what}: not a CUDA buffer`);
  if (b.freed) throw new Error(`${what}: used after free`);
  return b;
}
