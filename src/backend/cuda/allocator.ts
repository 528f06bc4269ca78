// The caching device allocator: blocks are rounded up to a size class and, once freed, kept in a free
// list per class for the next request of that class, so that after the first training step nothing
// reaches cuMemAlloc (memory is planned: a step allocates and frees the same sizes every time). When the
// device refuses an allocation, the cached blocks are released and it is tried once more. Pure
// bookkeeping over a RawMemory (the driver, or a fake in tests).
export interface RawMemory {
  alloc(bytes: number): bigint;
  free(ptr: bigint): void;
  /** Returns once the device has done all the work queued so far (a freed block may still be read by it; cuMemFree need not wait). */
  idle?(): void;
  /** Whether `alloc` threw because the device is out of memory (default: any error), the one failure a retry can mend. */
  isOutOfMemory?(e: unknown): boolean;
}

/** A live allocation: its device address, its size class and the bytes asked for. */
export interface Block {
  readonly ptr: bigint;
  readonly size: number;
  readonly requested: number;
}

/** Smallest block (also the alignment of every block: cuMemAlloc aligns to 256 bytes or more). */
export const MIN_BLOCK = 512;
/** Up to this size, four classes per power of two (≤ 25 % slack); above, multiples of LARGE_STEP. */
export const SMALL_LIMIT = 8 * 2 ** 20;
export const LARGE_STEP = 2 * 2 ** 20;

/** The size class of a request of `bytes`. */
export function sizeClass(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`allocation of ${bytes} bytes`);
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  if (bytes > SMALL_LIMIT) return Math.ceil(bytes / LARGE_STEP) * LARGE_STEP;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

export interface AllocatorStats {
  /** Bytes asked for by live blocks (what bytesInUse reports). */
  inUse: number;
  /** The most `inUse` has been. */
  peakInUse: number;
  /** Bytes held from the device: live blocks' classes plus the cache. */
  reserved: number;
  /** Device allocations made (cuMemAlloc calls that succeeded). */
  deviceAllocs: number;
}

export class CachingAllocator {
  private readonly cache = new Map<number, bigint[]>();
  private readonly live = new Map<bigint, Block>();
  private readonly s: AllocatorStats = { inUse: 0, peakInUse: 0, reserved: 0, deviceAllocs: 0 };

  constructor(private readonly raw: RawMemory) {}

  alloc(bytes: number): Block {
    const size = sizeClass(bytes);
    const ptr = this.cache.get(size)?.pop() ?? this.fromDevice(size);
    const block: Block = { ptr, size, requested: bytes };
    this.live.set(ptr, block);
    this.s.inUse += bytes;
    this.s.peakInUse = Math.max(this.s.peakInUse, this.s.inUse);
    return block;
  }

  /** Returns a block to its class's free list (the memory stays reserved). */
  free(block: Block): void {
    if (this.live.get(block.ptr) !== block) throw new Error(`free of a block that is not live (0x${block.ptr.toString(16)})`);
    this.live.delete(block.ptr);
    this.s.inUse -= block.requested;
    let list = this.cache.get(block.size);
    if (!list) this.cache.set(block.size, (list = []));
    list.push(block.ptr);
  }

  /** Gives every cached (free) block back to the device. */
  releaseCached(): void {
    if (this.cache.size > 0) this.raw.idle?.();
    this.dropCache();
  }

  /** Gives every block back to the device, live ones too (the backend is closing: nothing may use them after, and the device is idle). */
  releaseAll(): void {
    this.dropCache();
    for (const [ptr, block] of this.live) {
      this.raw.free(ptr);
      this.s.reserved -= block.size;
      this.s.inUse -= block.requested;
    }
    this.live.clear();
  }

  private dropCache(): void {
    for (const [size, list] of this.cache) {
      for (const ptr of list) {
        this.raw.free(ptr);
        this.s.reserved -= size;
      }
    }
    this.cache.clear();
  }

  /** Blocks handed out and not freed. */
  get liveBlocks(): number {
    return this.live.size;
  }

  stats(): Readonly<AllocatorStats> {
    return { ...this.s };
  }

  resetPeak(): void {
    this.s.peakInUse = this.s.inUse;
  }

  private fromDevice(size: number): bigint {
    let ptr: bigint;
    try {
      ptr = this.raw.alloc(size);
    } catch (e) {
      if (this.cache.size === 0 || !(this.raw.isOutOfMemory?.(e) ?? true)) throw e;
      this.releaseCached();
      ptr = this.raw.alloc(size);
    }
    this.s.reserved += size;
    this.s.deviceAllocs++;
    return ptr;
  }
}
