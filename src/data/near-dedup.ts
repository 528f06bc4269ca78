// Near-duplicate detection: MinHash signatures in LSH bands give candidates among the records kept so
// far; a candidate whose estimated similarity is far below the threshold is skipped, and the rest are
// confirmed by the exact Jaccard similarity of their 5-gram shingles (the caller supplies the texts). The
// index is flat typed arrays (signatures cut to 8 bits for the estimate, a multimap of band keys): about
// 0.4 KB per indexed record, whatever the record's size.
import { grow } from './grow.ts';
import { IntMultiMap } from './hash-table.ts';
import { SIG_SIZE, bandsFor, estimateJaccard, jaccard, minhashSignature, shingleSet } from './minhash.ts';

/** Candidates whose signature estimate is this far below the threshold are not confirmed (> 5 σ at 128 values). */
const ESTIMATE_MARGIN = 0.2;

export interface NearMatch {
  /** The index (as given to add) of the earliest kept record that this one nearly duplicates. */
  index: number;
  similarity: number;
}

export class NearDupIndex {
  private sigs = new Uint8Array(SIG_SIZE * 1024);
  private ids = new Int32Array(1024);
  private count = 0;
  private readonly bands: number;
  private readonly rows: number;
  private readonly table = new IntMultiMap();
  private readonly sig = new Uint32Array(SIG_SIZE);
  private seen = new Int32Array(1024); // seen[slot] = query number that last saw the slot as a candidate
  private query = 0;

  constructor(readonly threshold: number) {
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`near-duplicate threshold must be in (0, 1], got ${threshold}`);
    ({ bands: this.bands, rows: this.rows } = bandsFor(threshold));
  }

  /**
   * The earliest indexed record whose exact shingle Jaccard with `text` (lower-cased) is ≥ the threshold,
   * or null. `textOf(index)` returns an indexed record's lower-cased text. When none matches, the text is
   * indexed under `index`. Indexed records for which `skip(index)` is true (already known to be rejected
   * later) are not matches.
   */
  check(text: string, index: number, textOf: (index: number) => string, skip?: (index: number) => boolean): NearMatch | null {
    const sig = this.sig;
    minhashSignature(text, sig);
    const q = ++this.query;
    const candidates: number[] = [];
    for (let b = 0; b < this.bands; b++) {
      this.table.forEach(this.bandKey(sig, b), (slot) => {
        if (this.seen[slot] === q) return;
        this.seen[slot] = q;
        candidates.push(slot);
      });
    }
    if (candidates.length > 0) {
      let shingles: Set<string> | null = null;
      for (const slot of candidates.sort((x, y) => x - y)) {
        if (skip?.(this.ids[slot]!)) continue;
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

  private add(sig: Uint32Array, index: number): void {
    const slot = this.count++;
    if (slot === this.ids.length) {
      this.ids = grow(this.ids);
      this.seen = grow(this.seen);
      this.sigs = grow(this.sigs);
    }
    this.ids[slot] = index;
    for (let i = 0; i < SIG_SIZE; i++) this.sigs[slot * SIG_SIZE + i] = sig[i]! & 0xff;
    for (let b = 0; b < this.bands; b++) this.table.add(this.bandKey(sig, b), slot);
  }

  private bandKey(sig: Uint32Array, band: number): number {
    let h = Math.imul(band + 1, 0x27d4eb2f);
    for (let r = band * this.rows; r < (band + 1) * this.rows; r++) {
      h = Math.imul(h ^ sig[r]!, 0x01000193);
      h ^= h >>> 15;
    }
    return h | 0;
  }
}
