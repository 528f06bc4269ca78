// Near-duplicate detection over records of one or two parts (record.ts's comparableParts: a text, or a prompt
// and its completion, a chat's user and assistant turns), every one of which must be nearly the same: MinHash
// signatures of the parts joined, in LSH bands, give candidates among the records kept so far; a candidate with
// another number of parts, or one part's estimated similarity far below the threshold, is skipped (so a prompt
// template the records share costs a signature comparison, not a confirmation); the rest are confirmed by the
// exact Jaccard similarity of each part's 5-gram shingles (the caller supplies the parts). The index is flat
// typed arrays (each part's signature cut to 8 bits for the estimate, a multimap of band keys): about 0.4 KB
// per indexed record of one part, 0.5 KB of two, whatever the record's size.
import { grow } from './grow.ts';
import { IntMultiMap } from './hash-table.ts';
import { SIG_SIZE, bandsFor, estimateJaccard, jaccard, minhashSignature, shingleSet } from './minhash.ts';

/** Candidates whose signature estimate is this far below the threshold are not confirmed (> 5 σ at 128 values). */
const ESTIMATE_MARGIN = 0.2;
/** Parts a record may have. */
export const MAX_PARTS = 2;

export interface NearMatch {
  /** The index (as given to add) of the earliest kept record that this one nearly duplicates. */
  index: number;
  /** The least Jaccard similarity of its parts. */
  similarity: number;
}

export class NearDupIndex {
  private sigs = new Uint8Array(MAX_PARTS * SIG_SIZE * 1024); // each slot's parts' signatures, 8 bits a value
  private partCount = new Uint8Array(1024);
  private ids = new Int32Array(1024);
  private count = 0;
  private readonly bands: number;
  private readonly rows: number;
  private readonly table = new IntMultiMap();
  private readonly sig = new Uint32Array(SIG_SIZE);
  private readonly partSigs = Array.from({ length: MAX_PARTS }, () => new Uint32Array(SIG_SIZE));
  private seen = new Int32Array(1024); // seen[slot] = query number that last saw the slot as a candidate
  private query = 0;

  constructor(readonly threshold: number) {
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`near-duplicate threshold must be in (0, 1], got ${threshold}`);
    ({ bands: this.bands, rows: this.rows } = bandsFor(threshold));
  }

  /**
   * The earliest indexed record each of whose parts has an exact shingle Jaccard with the same part of `parts`
   * (lower-cased) ≥ the threshold, or null. `partsOf(index)` returns an indexed record's lower-cased parts. When
   * none matches, the record is indexed under `index`. Indexed records for which `skip(index)` is true (already
   * known to be rejected later, or of another class) are not matches.
   */
  check(parts: readonly string[], index: number, partsOf: (index: number) => readonly string[], skip?: (index: number) => boolean): NearMatch | null {
    if (parts.length < 1 || parts.length > MAX_PARTS) throw new Error(`near-duplicate records have 1 to ${MAX_PARTS} parts, got ${parts.length}`);
    const sig = this.sig;
    minhashSignature(parts.join('\n'), sig);
    parts.forEach((p, k) => (parts.length === 1 ? this.partSigs[k]!.set(sig) : minhashSignature(p, this.partSigs[k]!)));
    const q = ++this.query;
    const candidates: number[] = [];
    for (let b = 0; b < this.bands; b++) {
      this.table.forEach(this.bandKey(sig, b), (slot) => {
        if (this.seen[slot] === q) return;
        this.seen[slot] = q;
        candidates.push(slot);
      });
    }
    let shingles: Array<Set<string>> | null = null;
    for (const slot of candidates.sort((x, y) => x - y)) {
      if (this.partCount[slot] !== parts.length || skip?.(this.ids[slot]!)) continue;
      const base = slot * MAX_PARTS * SIG_SIZE;
      const far = parts.some((_, k) => estimateJaccard(this.partSigs[k]!, this.sigs.subarray(base + k * SIG_SIZE, base + (k + 1) * SIG_SIZE)) < this.threshold - ESTIMATE_MARGIN);
      if (far) continue;
      shingles ??= parts.map((p) => shingleSet(p));
      const other = this.ids[slot]!;
      const theirs = partsOf(other);
      let similarity = 1;
      for (let k = 0; k < parts.length && similarity >= this.threshold; k++) similarity = Math.min(similarity, jaccard(shingles[k]!, shingleSet(theirs[k] ?? '')));
      if (similarity >= this.threshold) return { index: other, similarity };
    }
    this.add(sig, parts.length, index);
    return null;
  }

  private add(sig: Uint32Array, partCount: number, index: number): void {
    const slot = this.count++;
    if (slot === this.ids.length) {
      this.ids = grow(this.ids);
      this.seen = grow(this.seen);
      this.partCount = grow(this.partCount);
      this.sigs = grow(this.sigs);
    }
    this.ids[slot] = index;
    this.partCount[slot] = partCount;
    const base = slot * MAX_PARTS * SIG_SIZE;
    for (let k = 0; k < partCount; k++) for (let i = 0; i < SIG_SIZE; i++) this.sigs[base + k * SIG_SIZE + i] = this.partSigs[k]![i]! & 0xff;
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
