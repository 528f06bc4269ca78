// The CPU backend's float32 buffers inside the WebAssembly kernels' memory, so the SIMD kernels (and
// OpenBLAS, through koffi) read and write them in place instead of copying them in and out per call.
// The memory is shared (a SharedArrayBuffer underneath): growing it never detaches the views already
// handed out, so the arena can grow while buffers live. A first-fit free list of 64-byte-aligned
// blocks, coalesced on release; a block comes back when its buffer is freed (or garbage-collected).

import type { WasmMemory } from './wasm-api.ts';

const ALIGN = 64;
const PAGE = 65536;

export class Arena {
  /** Free ranges [start, end) in bytes, sorted by start; the top of the heap is `top`. */
  private free: Array<[number, number]> = [];
  private top: number;
  /** The SharedArrayBuffers this memory has handed out (a new one after each grow). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Bytes in blocks now. */
  used = 0;
  /** The buffer views are made on (one object per size of the memory, so `holds` can recognise it). */
  private buf: ArrayBufferLike;

  constructor(private readonly memory: WasmMemory, heapBase: number, private readonly limit: number) {
    this.top = align(heapBase);
    this.buf = memory.buffer;
    this.buffers.add(this.buf);
  }

  /** The byte offset of a block of `bytes`, or null when the memory cannot hold it under the limit. */
  alloc(bytes: number): number | null {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const [s, e] = this.free[i]!;
      if (e - s < size) continue;
      if (e - s === size) this.free.splice(i, 1);
      else this.free[i] = [s + size, e];
      this.used += size;
      return s;
    }
    const at = this.top;
    if (at + size > this.limit) return null;
    const have = this.memory.buffer.byteLength;
    if (at + size > have) {
      try {
        this.memory.grow(Math.ceil((at + size - have) / PAGE));
      } catch (e) {
        if (e instanceof RangeError) return null;
        throw e;
      }
      this.buf = this.memory.buffer;
      this.buffers.add(this.buf);
    }
    this.top = at + size;
    this.used += size;
    return at;
  }

  /** Returns the block at `at` of `bytes` (as passed to alloc). */
  release(at: number, bytes: number): void {
    const size = align(Math.max(bytes, 1));
    this.used -= size;
    let i = 0;
    while (i < this.free.length && this.free[i]![0] < at) i++;
    this.free.splice(i, 0, [at, at + size]);
    // coalesce with the neighbours, then give the tail back to the top
    if (i + 1 < this.free.length && this.free[i]![1] === this.free[i + 1]![0]) {
      this.free[i]![1] = this.free[i + 1]![1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]![1] === this.free[i]![0]) {
      this.free[i - 1]![1] = this.free[i]![1];
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last[1] === this.top) {
      this.top = last[0];
      this.free.pop();
    }
  }

  /** The memory's current buffer, to make views on. */
  get buffer(): ArrayBufferLike {
    return this.buf;
  }

  /** A float32 view of `n` elements at byte offset `at`. */
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.buf, at, n);
  }

  /** True when the array lies in this memory (its byteOffset is then a pointer the kernels take). */
  holds(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }
}

/**
 * The bytes of n elements of `bytesPer` bytes each in a frame, whose arrays start 16 bytes apart (SIMD loads): the
 * rounding in float arithmetic, as `(n * bytesPer + 15) & ~15` would be in int32 past 2 GiB (negative).
 */
export function frameArrayBytes(n: number, bytesPer: number): number {
  return Math.ceil((n * bytesPer) / 16) * 16;
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
