// Near-duplicate detection over records of one or two parts (record.ts's comparableParts: a text, or a prompt
// and its completion, a chat's user and assistant turns), every one of which must be nearly the same: MinHash
// signatures of the parts joined, in LSH bands, give candidates among the records kept so far; a candidate with
// another number of parts, or one part's estimated similarity far below the threshold, is skipped (so a prompt
// template the records share costs a signature comparison, not a confirmation); the rest are confirmed, earliest
// first, by the exact Jaccard similarity of each part's 5-gram shingles (the caller supplies the parts).
// The index is flat typed arrays (each part's signature cut to 8 bits for the estimate, compared 4 values a
// word; a multimap of band keys): about 0.4 KB per indexed record of one part, 0.5 KB of two, whatever the
// record's size.
import { grow } from './grow.ts';
import { IntMultiMap } from './hash-table.ts';
import { SIG_SIZE, bandsFor, jaccard, minhashSignature, shingleSet } from './minhash.ts';

/** Candidates whose signature estimate is this far below the threshold are not confirmed (> 5 σ at 128 values). */
const ESTIMATE_MARGIN = 0.2;
/** Parts a record may have. */
export const MAX_PARTS = 2;
const WORDS = SIG_SIZE / 4; // a part's 8-bit signature in 32-bit words

export interface NearMatch {
  /** The index (as given to add) of the earliest kept record that this one nearly duplicates. */
  index: number;
  /** The least Jaccard similarity of its parts. */
  similarity: number;
}

export class NearDupIndex {
  private sigs = new Uint8Array(MAX_PARTS * SIG_SIZE * 1024); // each slot's parts' signatures, 8 bits a value
  private words = new Int32Array(this.sigs.buffer); // the same, 4 values a word
  private partCount = new Uint8Array(1024);
  private ids = new Int32Array(1024);
  private count = 0;
  private readonly bands: number;
  private readonly rows: number;
  /** Most values of a part's signature that may differ from a candidate's for it to be confirmed. */
  private readonly maxDiff: number;
  private readonly table = new IntMultiMap();
  private readonly sig = new Uint32Array(SIG_SIZE);
  private readonly keys: Int32Array; // the query's band keys
  private readonly partSigs = Array.from({ length: MAX_PARTS }, () => new Uint32Array(SIG_SIZE));
  private readonly query8 = new Uint8Array(MAX_PARTS * SIG_SIZE); // the query's parts' signatures as stored
  private readonly queryWords = new Int32Array(this.query8.buffer);
  private seen = new Int32Array(1024); // seen[slot] = query number that last saw the slot as a candidate
  private query = 0;

  constructor(readonly threshold: number) {
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`near-duplicate threshold must be in (0, 1], got ${threshold}`);
    ({ bands: this.bands, rows: this.rows } = bandsFor(threshold));
    this.keys = new Int32Array(this.bands);
    // the fewest equal values whose estimate (equal / SIG_SIZE) is not far below the threshold, by the same test
    let minEqual = 0;
    while (minEqual < SIG_SIZE && minEqual / SIG_SIZE < threshold - ESTIMATE_MARGIN) minEqual++;
    this.maxDiff = SIG_SIZE - minEqual;
  }

  /**
   * The earliest indexed record each of whose parts has an exact shingle Jaccard with the same part of `parts`
   * (lower-cased) ≥ the threshold, or null. `partsOf(index)` returns an indexed record's lower-cased parts. When
   * none matches, the record is indexed under `index`. Indexed records for which `skip(index)` is true (already
   * known to be rejected later, or of another class) are not matches; `skip` must give the same answer for an
   * index throughout one call, which may ask it in any order.
   */
  check(parts: readonly string[], index: number, partsOf: (index: number) => readonly string[], skip?: (index: number) => boolean): NearMatch | null {
    if (parts.length < 1 || parts.length > MAX_PARTS) throw new Error(`near-duplicate records have 1 to ${MAX_PARTS} parts, got ${parts.length}`);
    const sig = this.sig;
    minhashSignature(parts.join('\n'), sig);
    parts.forEach((p, k) => (parts.length === 1 ? this.partSigs[k]!.set(sig) : minhashSignature(p, this.partSigs[k]!)));
    for (let k = 0; k < parts.length; k++) for (let i = 0; i < SIG_SIZE; i++) this.query8[k * SIG_SIZE + i] = this.partSigs[k]![i]! & 0xff;
    for (let b = 0; b < this.bands; b++) this.keys[b] = this.bandKey(sig, b);
    const near = this.candidates(parts.length);
    if (near.length > 1) near.sort((x, y) => x - y);
    let shingles: Array<Set<string>> | null = null;
    for (const slot of near) {
      const other = this.ids[slot]!;
      if (skip?.(other)) continue;
      shingles ??= parts.map((p) => shingleSet(p));
      const theirs = partsOf(other);
      let similarity = 1;
      for (let k = 0; k < parts.length && similarity >= this.threshold; k++) similarity = Math.min(similarity, jaccard(shingles[k]!, shingleSet(theirs[k] ?? '')));
      if (similarity >= this.threshold) return { index: other, similarity };
    }
    this.add(parts.length, index);
    return null;
  }

  /** The slots in the query's band buckets whose estimate is not far below the threshold, in no order. */
  private candidates(nParts: number): number[] {
    const near: number[] = [];
    const q = ++this.query;
    const visit = (slot: number): void => {
      if (this.seen[slot] === q) return;
      this.seen[slot] = q;
      if (this.partCount[slot] === nParts && this.close(slot, nParts)) near.push(slot);
    };
    for (let b = 0; b < this.bands; b++) this.table.forEach(this.keys[b]!, visit);
    return near;
  }

  /**
   * Whether no part of the query's signatures differs from slot's in more than maxDiff values (8 bits each),
   * as estimateJaccard(query part, slot part) ≥ threshold − ESTIMATE_MARGIN: counted 4 values a word, and
   * given up as soon as too many differ.
   */
  private close(slot: number, nParts: number): boolean {
    const words = this.words, qw = this.queryWords, maxDiff = this.maxDiff;
    for (let k = 0; k < nParts; k++) {
      const base = (slot * MAX_PARTS + k) * WORDS, qbase = k * WORDS;
      let diff = 0;
      for (let w = 0; w < WORDS; w += 4) {
        // per byte lane, how many of these 4 words differ in that byte: ((x & 0x7f…) + 0x7f…) | x has a byte's top
        // bit set when the byte is not 0
        let x = words[base + w]! ^ qw[qbase + w]!;
        let lanes = ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) >>> 7) & 0x01010101;
        x = words[base + w + 1]! ^ qw[qbase + w + 1]!;
        lanes += ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) >>> 7) & 0x01010101;
        x = words[base + w + 2]! ^ qw[qbase + w + 2]!;
        lanes += ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) >>> 7) & 0x01010101;
        x = words[base + w + 3]! ^ qw[qbase + w + 3]!;
        lanes += ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) >>> 7) & 0x01010101;
        diff += Math.imul(lanes, 0x01010101) >>> 24; // the lanes' sum
        if (diff > maxDiff) return false;
      }
    }
    return true;
  }

  private add(partCount: number, index: number): void {
    const slot = this.count++;
    if (slot === this.ids.length) {
      this.ids = grow(this.ids);
      this.seen = grow(this.seen);
      this.partCount = grow(this.partCount);
      this.sigs = grow(this.sigs);
      this.words = new Int32Array(this.sigs.buffer);
    }
    this.ids[slot] = index;
    this.partCount[slot] = partCount;
    this.sigs.set(this.query8.subarray(0, partCount * SIG_SIZE), slot * MAX_PARTS * SIG_SIZE);
    for (let b = 0; b < this.bands; b++) this.table.add(this.keys[b]!, slot);
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
