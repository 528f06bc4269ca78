// The shingle hashes (minhash.ts's shingleHashes) of the records near-dedup.ts has compared, kept per slot and
// part while a budget lasts, and the bound they give without reading a record back: whether a candidate's
// exact Jaccard with the query may reach the threshold. The query's hashes are marked in a bitmap per part
// (markBits = the hashes' bits: every value has its bit), so a candidate's hashes are looked up, not merged.
import { grow } from './grow.ts';
import { jaccardAtMost, jaccardOf } from './minhash.ts';

export class KeptHashes {
  private hashes = new Uint16Array(1 << 16);
  private used = 0;
  // start[slot * parts + k] is where slot's part k's list starts in `hashes` (-1: not kept), length its length
  private start: Int32Array;
  private length: Int32Array;
  // a candidate's hashes that the budget had no room for, while it is compared
  private spare = new Uint16Array(1 << 12);
  private readonly spareStart: Int32Array;
  private readonly spareLength: Int32Array;
  private readonly marks: Int32Array; // per part, the query's hashes' bits
  /** The candidates' hashes that the bound has read (near-dedup.ts keeps a ShingleBound once it is too much). */
  work = 0;

  constructor(private readonly parts: number, private readonly markBits: number, private readonly budget: number, private readonly threshold: number) {
    this.start = new Int32Array(parts * 1024).fill(-1);
    this.length = new Int32Array(parts * 1024);
    this.spareStart = new Int32Array(parts);
    this.spareLength = new Int32Array(parts);
    this.marks = new Int32Array((parts << markBits) >>> 5);
  }

  /** Makes room for slots below `slots`. */
  growSlots(slots: number): void {
    if (this.start.length >= slots * this.parts) return;
    const n = this.start.length;
    this.start = grow(this.start, slots * this.parts);
    this.start.fill(-1, n);
    this.length = grow(this.length, slots * this.parts);
  }

  /** Whether the slot's hashes are kept. */
  has(slot: number): boolean {
    return this.start[slot * this.parts]! >= 0;
  }

  /** The kept hashes of the slot's `nParts` parts (views, valid until the next keep). */
  lists(slot: number, nParts: number): Uint16Array[] {
    return Array.from({ length: nParts }, (_, k) => {
      const at = slot * this.parts + k;
      return this.hashes.subarray(this.start[at]!, this.start[at]! + this.length[at]!);
    });
  }

  /** Keeps the slot's parts' hashes (the query's parts'), if the budget has room for them all: whether it did. */
  keep(slot: number, hashes: readonly Uint32Array[]): boolean {
    const total = hashes.reduce((a, h) => a + h.length, 0);
    if (this.used + total > this.budget) return false;
    if (this.used + total > this.hashes.length) this.hashes = grow(this.hashes, Math.min(this.budget, Math.max(2 * this.hashes.length, this.used + total)));
    for (let k = 0; k < hashes.length; k++) {
      this.hashes.set(hashes[k]!, this.used);
      this.start[slot * this.parts + k] = this.used;
      this.length[slot * this.parts + k] = hashes[k]!.length;
      this.used += hashes[k]!.length;
    }
    return true;
  }

  /** Sets (on = 1) or clears (on = 0) the bits of the query's hashes in each part's bitmap. */
  mark(hashes: readonly Uint32Array[], on: number): void {
    const marks = this.marks, low = (1 << this.markBits) - 1;
    for (let k = 0; k < hashes.length; k++) {
      const h = hashes[k]!, base = k << this.markBits;
      for (let i = 0; i < h.length; i++) {
        const bit = base + (h[i]! & low);
        if (on) marks[bit >>> 5]! |= 1 << (bit & 31);
        else marks[bit >>> 5] = 0;
      }
    }
  }

  /** mayReachIn for a slot whose hashes are kept. */
  mayReach(query: readonly Uint32Array[], slot: number): boolean {
    return this.mayReachIn(query, this.hashes, this.start, this.length, slot * this.parts);
  }

  /** mayReachIn for a candidate's hashes not kept (over the budget): copied to `spare` while compared. */
  mayReachLists(query: readonly Uint32Array[], lists: readonly Uint32Array[]): boolean {
    const total = lists.reduce((a, h) => a + h.length, 0);
    if (total > this.spare.length) this.spare = new Uint16Array(Math.max(total, 2 * this.spare.length));
    for (let k = 0, at = 0; k < lists.length; at += lists[k]!.length, k++) {
      this.spare.set(lists[k]!, at);
      this.spareStart[k] = at;
      this.spareLength[k] = lists[k]!.length;
    }
    return this.mayReachIn(query, this.spare, this.spareStart, this.spareLength, 0);
  }

  /**
   * Whether a candidate's shingle hashes (part k's: all[starts[at + k]…] of lengths[at + k] values) allow each
   * part's exact Jaccard with the query's (marked) to reach the threshold: false only when an upper bound of one
   * part's is below it, so that the exact comparison could not make the candidate a match. The bounds, cheapest
   * first: the sizes' ratio; the jaccard of sets sharing as many elements as the candidate's hashes that the query's
   * mark (each shared shingle is one of these); then jaccardAtMost.
   */
  private mayReachIn(query: readonly Uint32Array[], all: Uint16Array, starts: Int32Array, lengths: Int32Array, at: number): boolean {
    const marks = this.marks, low = (1 << this.markBits) - 1;
    for (let k = 0; k < query.length; k++) {
      const start = starts[at + k]!, length = lengths[at + k]!;
      const mine = query[k]!;
      this.work += length;
      if (jaccardOf(Math.min(mine.length, length), mine.length, length) < this.threshold) return false;
      let marked = 0;
      for (let i = start, base = k << this.markBits; i < start + length; i++) {
        const bit = base + (all[i]! & low);
        marked += (marks[bit >>> 5]! >>> (bit & 31)) & 1;
      }
      if (jaccardOf(Math.min(marked, mine.length), mine.length, length) < this.threshold) return false;
      if (jaccardAtMost(mine, all.subarray(start, start + length)) < this.threshold) return false;
    }
    return true;
  }
}
