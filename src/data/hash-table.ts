// Compact open-addressing hash tables over typed arrays, for per-record indexes that must stay small
// (a few bytes per record) when a dataset has millions of records: a 64-bit key → int map for exact
// deduplication, and a 32-bit key → many ints multimap for LSH bands.
import { grow } from './grow.ts';
import { IntLists, MAX_INTS, nearDedupIndexFull } from './int-lists.ts';

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Values from which a key of IntMultiMap keeps them in a list of its own, and its vals mark for one (below: the lists). */
const CROWD = 32;
const CROWDED = -(2 ** 30);

/** Map from a 64-bit key (two 32-bit halves) to a non-negative int. */
export class U64Map {
  private hi = new Int32Array(1 << 12);
  private lo = new Int32Array(1 << 12);
  private val = new Int32Array(1 << 12).fill(-1); // −1 = empty slot
  private n = 0;

  get size(): number {
    return this.n;
  }

  private slot(hi: number, lo: number): number {
    const mask = this.val.length - 1;
    let i = mix(hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    while (this.val[i] !== -1 && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  get(hi: number, lo: number): number | undefined {
    const v = this.val[this.slot(hi | 0, lo | 0)]!;
    return v === -1 ? undefined : v;
  }

  set(hi: number, lo: number, value: number): void {
    if (!(value >= 0)) throw new Error(`U64Map: values must be ≥ 0, got ${value}`);
    hi |= 0;
    lo |= 0;
    let s = this.slot(hi, lo);
    if (this.val[s] === -1) {
      if ((this.n + 1) * 3 > this.val.length * 2) {
        this.grow();
        s = this.slot(hi, lo);
      }
      this.n++;
      this.hi[s] = hi;
      this.lo[s] = lo;
    }
    this.val[s] = value;
  }

  private grow(): void {
    const { hi, lo, val } = this;
    this.hi = new Int32Array(val.length * 2);
    this.lo = new Int32Array(val.length * 2);
    this.val = new Int32Array(val.length * 2).fill(-1);
    for (let i = 0; i < val.length; i++) {
      if (val[i] === -1) continue;
      const s = this.slot(hi[i]!, lo[i]!);
      this.hi[s] = hi[i]!;
      this.lo[s] = lo[i]!;
      this.val[s] = val[i]!;
    }
  }
}

/**
 * Multimap from a 32-bit key to non-negative ints. Each distinct key takes one slot of an open-addressing table
 * (8 bytes) holding its value while it has one, else the head of a chain of its values (12 bytes each, newest
 * first); so a key that many records share (an LSH band of a template) is found, counted and extended in a few
 * probes, where a slot per (key, value) pair made it one long cluster that every add and lookup near it walked.
 * A key of CROWD values or more keeps them in a list of its own instead (IntLists: chunks of 32 to 1,024 values in
 * one typed array, about 4 to 6 bytes a value, off the JavaScript heap as the chains are; a JS array per key put
 * 8 to 17 bytes a value on the heap, 250M band keys at 10M records past Node's default limit):
 * every lookup of such a key (the near-duplicate index's crowded band buckets) reads them in a few stretches of
 * memory, where following the chain cost a cache miss or two a value (log lines, 300k: the walk took a fifth of
 * the time). The 31 chain entries it had are left unused (a forEach of the key may be walking them): with them, at
 * most 12 + 6 bytes a crowded value, and as many as the values the chains hold in all.
 */
export class IntMultiMap {
  private keys = new Int32Array(1 << 12);
  // −1 = empty slot; ≥ 0: the key's one value; −2 … above CROWDED: −2 − its chain's head; CROWDED and below: CROWDED − its crowd's number
  private vals = new Int32Array(1 << 12).fill(-1);
  private n = 0; // distinct keys
  private chainVal = new Int32Array(1 << 10);
  private chainNext = new Int32Array(1 << 10); // the entry of the same key added before, or −1
  private chainLen = new Int32Array(1 << 10); // values in the chain from this entry on
  private chainN = 0;
  private readonly crowds: IntLists; // list c: the values of the crowd numbered c (a key of CROWD values or more)
  private crowdN = 0;
  private readonly maxChained: number;

  /**
   * `limits` (for tests; the defaults are what the 32-bit marks allow): the most chained values, and the most ints the
   * crowds' lists take; past either an add throws nearDedupIndexFull.
   */
  constructor(limits: { chained?: number; listed?: number } = {}) {
    this.maxChained = Math.min(limits.chained ?? Infinity, -2 - CROWDED);
    this.crowds = new IntLists(64, limits.listed ?? MAX_INTS);
  }

  add(key: number, value: number): void {
    if (!(value >= 0)) throw new Error(`IntMultiMap: values must be ≥ 0, got ${value}`);
    key |= 0;
    let i = this.slot(key);
    const v = this.vals[i]!;
    if (v === -1) {
      if ((this.n + 1) * 3 > this.vals.length * 2) {
        this.grow();
        i = this.slot(key);
      }
      this.n++;
      this.keys[i] = key;
      this.vals[i] = value;
    } else if (v >= 0) this.vals[i] = -2 - this.chain(value, this.chain(v, -1));
    else if (v <= CROWDED) this.crowds.push(CROWDED - v, value);
    else if (this.chainLen[-2 - v]! + 1 < CROWD) this.vals[i] = -2 - this.chain(value, -2 - v);
    else {
      // the chain's values move to a list, oldest first (its entries are left unused)
      const c = this.crowdN++;
      const values = new Int32Array(this.chainLen[-2 - v]!);
      let k = values.length;
      for (let e = -2 - v; e >= 0; e = this.chainNext[e]!) values[--k] = this.chainVal[e]!;
      this.crowds.reserve(this.crowdN);
      for (const x of values) this.crowds.push(c, x);
      this.crowds.push(c, value);
      this.vals[i] = CROWDED - c;
    }
  }

  /** How many values key has. */
  size(key: number): number {
    const v = this.vals[this.slot(key | 0)]!;
    return v === -1 ? 0 : v >= 0 ? 1 : v <= CROWDED ? this.crowds.length(CROWDED - v) : this.chainLen[-2 - v]!;
  }

  /** Calls fn with every value stored under key (newest first). */
  forEach(key: number, fn: (value: number) => void): void {
    const v = this.vals[this.slot(key | 0)]!;
    if (v >= 0) fn(v);
    else if (v <= CROWDED) this.crowds.forEachNewestFirst(CROWDED - v, fn);
    else for (let e = -2 - v; e >= 0; e = this.chainNext[e]!) fn(this.chainVal[e]!);
  }

  /** Calls fn with every (key, value) pair, in no particular order. */
  forEachEntry(fn: (key: number, value: number) => void): void {
    for (let i = 0; i < this.vals.length; i++) {
      if (this.vals[i] === -1) continue;
      const key = this.keys[i]!;
      this.forEach(key, (value) => fn(key, value));
    }
  }

  private slot(key: number): number {
    const mask = this.vals.length - 1;
    let i = mix(key) & mask;
    while (this.vals[i] !== -1 && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  private chain(value: number, next: number): number {
    if (this.chainN >= this.maxChained) throw nearDedupIndexFull(this.maxChained); // −2 − e would reach CROWDED
    const e = this.chainN++;
    if (e === this.chainVal.length) {
      this.chainVal = grow(this.chainVal);
      this.chainNext = grow(this.chainNext);
      this.chainLen = grow(this.chainLen);
    }
    this.chainVal[e] = value;
    this.chainNext[e] = next;
    this.chainLen[e] = next === -1 ? 1 : this.chainLen[next]! + 1;
    return e;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Int32Array(vals.length * 2);
    this.vals = new Int32Array(vals.length * 2).fill(-1);
    for (let i = 0; i < vals.length; i++) {
      if (vals[i] === -1) continue;
      const s = this.slot(keys[i]!);
      this.keys[s] = keys[i]!;
      this.vals[s] = vals[i]!;
    }
  }
}
