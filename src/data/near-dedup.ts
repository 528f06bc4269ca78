// Near-duplicate detection: MinHash signatures in LSH bands give candidates among the records kept so
// far; a candidate whose estimated similarity is far below the threshold is skipped, and the rest are
// confirmed by the exact Jaccard similarity of their 5-gram shingles (the caller supplies the texts). The
// index is flat typed arrays (16-bit signatures, a multimap of band keys), a few dozen bytes per record.
import { SIG_SIZE, bandsFor, estimateJaccard, jaccard, minhashSignature, shingleSet } from './minhash.ts';

/** Candidates whose signature estimate is this far below the threshold are not confirmed (≈ 4 σ at 64 values). */
const ESTIMATE_MARGIN = 0.2;

/** An open-addressing multimap from 32-bit keys to record indices, in insertion order per key. */
class IntMultiMap {
  private keys = new Int32Array(1 << 12);
  private heads = new Int32Array(1 << 12); // entry index + 1 of the first entry; 0 = empty slot
  private tails = new Int32Array(1 << 12);
  private used = 0;
  private vals = new Int32Array(1 << 12);
  private next = new Int32Array(1 << 12); // entry index + 1 of the next entry with the same key
  private n = 0;

  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    while (this.heads[i] !== 0 && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  add(key: number, value: number): void {
    if (this.n === this.vals.length) {
      this.vals = grow(this.vals, this.vals.length * 2);
      this.next = grow(this.next, this.next.length * 2);
    }
    const e = this.n++;
    this.vals[e] = value;
    this.next[e] = 0;
    let s = this.slot(key);
    if (this.heads[s] === 0) {
      if ((this.used + 1) * 2 > this.keys.length) {
        this.rehash();
        s = this.slot(key);
      }
      this.keys[s] = key;
      this.heads[s] = e + 1;
      this.used++;
    } else {
      this.next[this.tails[s]! - 1] = e + 1;
    }
    this.tails[s] = e + 1;
  }

  forEach(key: number, fn: (value: number) => void): void {
    const s = this.slot(key);
    for (let e = this.heads[s]!; e !== 0; e = this.next[e - 1]!) fn(this.vals[e - 1]!);
  }

  private rehash(): void {
    const { keys, heads, tails } = this;
    const size = keys.length * 2;
    this.keys = new Int32Array(size);
    this.heads = new Int32Array(size);
    this.tails = new Int32Array(size);
    for (let i = 0; i < keys.length; i++) {
      if (heads[i] === 0) continue;
      const s = this.slot(keys[i]!);
      this.keys[s] = keys[i]!;
      this.heads[s] = heads[i]!;
      this.tails[s] = tails[i]!;
    }
  }
}

function grow<T extends Int32Array | Uint16Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export interface NearMatch {
  /** The index (as given to add) of the earliest kept record that this one nearly duplicates. */
  index: number;
  similarity: number;
}

export class NearDupIndex {
  private sigs = new Uint16Array(SIG_SIZE * 1024);
  private ids = new Int32Array(1024);
  private count = 0;
  private readonly bands: number;
  private readonly rows: number;
  private readonly table = new IntMultiMap();
  private readonly sig = new Uint16Array(SIG_SIZE);

  constructor(readonly threshold: number) {
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`near-duplicate threshold must be in (0, 1], got ${threshold}`);
    ({ bands: this.bands, rows: this.rows } = bandsFor(threshold));
  }

  /**
   * The earliest indexed record whose exact shingle Jaccard with `text` (lower-cased) is ≥ the threshold,
   * or null. `textOf(index)` returns an indexed record's lower-cased text. When none matches, the text is
   * indexed under `index`.
   */
  check(text: string, index: number, textOf: (index: number) => string): NearMatch | null {
    const sig = this.sig;
    minhashSignature(text, sig);
    const seen = new Set<number>();
    for (let b = 0; b < this.bands; b++) this.table.forEach(this.bandKey(sig, b), (slot) => seen.add(slot));
    if (seen.size > 0) {
      let shingles: Set<string> | null = null;
      for (const slot of [...seen].sort((x, y) => x - y)) {
        const est = estimateJaccard(sig, this.sigs.subarray(slot * SIG_SIZE, (slot + 1) * SIG_SIZE));
        if (est < this.threshold - ESTIMATE_MARGIN) continue;
        shingles ??= shingleSet(text);
        const other = this.ids[slot]!;
        const similarity = jaccard(shingles, shingleSet(textOf(other)));
        if (similarity >= this.threshold) return { index: other, similarity };
      }
    }
    this.add(sig, index);
    return null;
  }

  private add(sig: Uint16Array, index: number): void {
    const slot = this.count++;
    if (slot === this.ids.length) {
      this.ids = grow(this.ids, this.ids.length * 2);
      this.sigs = grow(this.sigs, this.sigs.length * 2);
    }
    this.ids[slot] = index;
    this.sigs.set(sig, slot * SIG_SIZE);
    for (let b = 0; b < this.bands; b++) this.table.add(this.bandKey(sig, b), slot);
  }

  private bandKey(sig: Uint16Array, band: number): number {
    let h = Math.imul(band + 1, 0x27d4eb2f);
    for (let r = band * this.rows; r < (band + 1) * this.rows; r++) {
      h = Math.imul(h ^ sig[r]!, 0x01000193);
      h ^= h >>> 15;
    }
    return h | 0;
  }
}
