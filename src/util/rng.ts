// A small seeded PRNG (xoshiro128**, seeds expanded with splitmix32) for everything that must be
// reproducible: splits, shuffling, weight initialisation, sampling. Its whole state is four 32-bit words,
// so a data loader or a checkpoint saves it as JSON and restores it exactly.

import { badArgument } from './api-args.ts';
import { UserError } from './errors.ts';

export type RngState = [number, number, number, number];

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A 32-bit seed for stream `stream` (a step, a micro-batch, a layer, a projection) of `seed`: murmur3's
 * finaliser over the seed's two halves and the stream number, so that neither a large seed nor a chain of
 * derivations loses precision (as sums of products past 2^53 did) and distinct streams of one seed get
 * distinct seeds. Dropout masks are drawn from these on every backend, so the CPU and CUDA agree.
 */
export function deriveSeed(seed: number, stream: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(stream) || stream < 0) {
    throw new Error(`deriveSeed: seed and stream must be non-negative integers, got ${seed}, ${stream}`);
  }
  const fmix = (x: number): number => {
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  const s = fmix((seed >>> 0) ^ fmix(Math.floor(seed / 2 ** 32) >>> 0));
  return fmix(s ^ Math.imul((stream >>> 0) + 1, 0x9e3779b1));
}

export class Rng {
  private s: Uint32Array;

  constructor(seedOrState: number | RngState) {
    this.s = new Uint32Array(4);
    if (typeof seedOrState === 'number') {
      if (!Number.isSafeInteger(seedOrState)) throw new UserError(`seed must be an integer, got ${seedOrState}`, 'Rng');
      // Mix both halves of a 53-bit seed so that large seeds stay distinct.
      const next = splitmix32((seedOrState >>> 0) ^ Math.imul(Math.floor(seedOrState / 2 ** 32) >>> 0, 0x27d4eb2f));
      for (let i = 0; i < 4; i++) this.s[i] = next();
      if (this.s.every((w) => w === 0)) this.s[0] = 1;
    } else {
      if (!Array.isArray(seedOrState) || seedOrState.length !== 4 || !seedOrState.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
        throw new UserError(`state must be four unsigned 32-bit integers, got ${JSON.stringify(seedOrState)}`, 'Rng');
      }
      this.s.set(seedOrState);
    }
  }

  /** The state as four plain numbers (JSON-safe); `new Rng(state)` continues the same stream. */
  state(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5, lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias; n an integer from 1 to 2^32. */
  below(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 2 ** 32)) throw badArgument('Rng.below', 'n', n, 'an integer from 1 to 2^32');
    return this.drawBelow(n);
  }

  /** below without the check of n, for callers whose n is in range by construction (shuffle's, once per element). */
  private drawBelow(n: number): number {
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.drawBelow(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
