// Compact open-addressing hash tables over typed arrays, for per-record indexes that must stay small
// (a few bytes per record) when a dataset has millions of records: a 64-bit key → int map for exact
// deduplication, and a 32-bit key → many ints multimap for LSH bands.

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

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

/** Multimap from a 32-bit key to non-negative ints: every (key, value) pair is one slot, 8 bytes. */
export class IntMultiMap {
  private keys = new Int32Array(1 << 12);
  private vals = new Int32Array(1 << 12).fill(-1); // −1 = empty slot
  private n = 0;

  add(key: number, value: number): void {
    if (!(value >= 0)) throw new Error(`IntMultiMap: values must be ≥ 0, got ${value}`);
    if ((this.n + 1) * 3 > this.vals.length * 2) this.grow();
    this.put(key | 0, value);
    this.n++;
  }

  /** Calls fn with every value stored under key (in no particular order). */
  forEach(key: number, fn: (value: number) => void): void {
    key |= 0;
    const mask = this.vals.length - 1;
    for (let i = mix(key) & mask; this.vals[i] !== -1; i = (i + 1) & mask) {
      if (this.keys[i] === key) fn(this.vals[i]!);
    }
  }

  private put(key: number, value: number): void {
    const mask = this.vals.length - 1;
    let i = mix(key) & mask;
    while (this.vals[i] !== -1) i = (i + 1) & mask;
    this.keys[i] = key;
    this.vals[i] = value;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Int32Array(vals.length * 2);
    this.vals = new Int32Array(vals.length * 2).fill(-1);
    for (let i = 0; i < vals.length; i++) if (vals[i] !== -1) this.put(keys[i]!, vals[i]!);
  }
}
