// The caching allocator's bookkeeping over a fake device: size classes, reuse of freed blocks, peak and
// reserved bytes, and one retry after releasing the cache when the device is out of memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachingAllocator, LARGE_STEP, MIN_BLOCK, sizeClass } from '../../../src/backend/cuda/allocator.ts';

function fakeDevice(capacity = Infinity) {
  let next = 0n, used = 0;
  const sizes = new Map<bigint, number>();
  return {
    allocs: 0, frees: 0,
    alloc(bytes: number): bigint {
      if (used + bytes > capacity) throw new Error('CUDA_ERROR_OUT_OF_MEMORY');
      this.allocs++;
      used += bytes;
      const p = (next += 1n << 32n);
      sizes.set(p, bytes);
      return p;
    },
    free(p: bigint): void {
      this.frees++;
      used -= sizes.get(p)!;
      sizes.delete(p);
    },
    get used() { return used; },
  };
}

test('size classes: 512-byte minimum, four per power of two up to 8 MiB, then multiples of 2 MiB', () => {
  assert.equal(sizeClass(0), MIN_BLOCK);
  assert.equal(sizeClass(1), 512);
  assert.equal(sizeClass(513), 640);
  assert.equal(sizeClass(1024), 1024);
  assert.equal(sizeClass(1025), 1280);
  assert.equal(sizeClass(3 * 2 ** 20 + 1), 3.5 * 2 ** 20);
  assert.equal(sizeClass(14336 * 4096 * 2), 14336 * 4096 * 2, 'a 7B projection is a whole number of 2 MiB');
  assert.equal(sizeClass(9 * 2 ** 20), 10 * 2 ** 20);
  assert.equal(sizeClass(2 ** 40) % LARGE_STEP, 0);
  for (let b = 1; b < 20 * 2 ** 20; b = Math.ceil(b * 1.37)) assert.ok(sizeClass(b) >= b && sizeClass(b) <= Math.max(512, b * 1.25), `${b}`);
  assert.throws(() => sizeClass(-1), RangeError);
});

test('freed blocks are reused by the next request of their class: a repeated step allocates nothing new', () => {
  const dev = fakeDevice();
  const a = new CachingAllocator(dev);
  const step = (): void => {
    const blocks = [100, 5000, 5000, 3 * 2 ** 20, 64].map((n) => a.alloc(n));
    for (const b of blocks) a.free(b);
  };
  step();
  const after = dev.allocs;
  assert.equal(after, 5);
  step();
  step();
  assert.equal(dev.allocs, after, 'no device allocation after the first step');
  const s = a.stats();
  assert.equal(s.inUse, 0);
  assert.equal(s.peakInUse, 100 + 5000 + 5000 + 3 * 2 ** 20 + 64);
  assert.equal(s.reserved, 512 + 5120 * 2 + 3 * 2 ** 20 + 512);
  assert.throws(() => a.free({ ptr: 123n, size: 512, requested: 1 }), /not live/);
  a.releaseCached();
  assert.equal(a.stats().reserved, 0);
  assert.equal(dev.used, 0);
});

test('out of device memory: the cached blocks are released and the allocation tried once more', () => {
  const dev = fakeDevice(4 * 2 ** 20);
  const a = new CachingAllocator(dev);
  a.free(a.alloc(3 * 2 ** 20));
  const big = a.alloc(3.5 * 2 ** 20); // does not fit beside the cached 3 MiB block
  assert.equal(big.size, 3.5 * 2 ** 20);
  assert.equal(dev.frees, 1);
  assert.throws(() => a.alloc(2 ** 20), /OUT_OF_MEMORY/, 'nothing cached left to release: the error goes up');
});

test('releasing the cache first waits for the device (a freed block may still be read by queued work); only out of memory is retried', () => {
  const dev = fakeDevice(4 * 2 ** 20);
  const calls: string[] = [];
  const a = new CachingAllocator({
    alloc: (b) => { calls.push('alloc'); return dev.alloc(b); }, free: (p) => { calls.push('free'); dev.free(p); },
    idle: () => calls.push('idle'), isOutOfMemory: (e) => /OUT_OF_MEMORY/.test((e as Error).message),
  });
  a.releaseCached();
  assert.deepEqual(calls, [], 'nothing cached: no wait');
  a.free(a.alloc(3 * 2 ** 20));
  a.alloc(3.5 * 2 ** 20);
  assert.deepEqual(calls, ['alloc', 'alloc', 'idle', 'free', 'alloc']);
  a.free(a.alloc(512));
  let fine = 1;
  const sticky = new CachingAllocator({
    alloc: () => { if (fine-- > 0) return 1n << 40n; throw new Error('CUDA_ERROR_ILLEGAL_ADDRESS'); },
    free: () => assert.fail('no free'), isOutOfMemory: (e) => /OUT_OF_MEMORY/.test((e as Error).message),
  });
  sticky.free(sticky.alloc(512)); // a block in the cache
  assert.throws(() => sticky.alloc(1024), /ILLEGAL_ADDRESS/, 'another failure goes up as it is, not masked by a release');
});
