// The LSH band index of near-dedup.ts's NearDupIndex: each indexed record's (slot's) parts' MinHash signatures cut to
// 8 bits, the band buckets they are in, and the candidates that the query's buckets give: the slots of the same number
// of parts whose estimate is not far below the threshold, visited, or counted through posting lists.
//
// The index is flat typed arrays (each part's signature cut to 8 bits for the estimate, compared 4 values a
// word; a multimap of band keys): about 0.4 KB per indexed record of one part, 0.5 KB of two, whatever the
// record's size. A template that the records share (short records that differ in a name or two) puts most of
// them in the same band buckets, so that each record has most earlier ones as candidates. Once the bucket
// entries visited outgrow a budget per record, the index also keeps each record's band keys (100 bytes at 0.8) and,
// for the records of crowded buckets (32 or more), posting lists (signature-postings.ts: the records with each
// 8-bit value at each position of a part; about 0.75 KB per record of one part, 1.5 KB of two). A record whose
// estimate is not far below the threshold differs in at most maxDiff values of a part, so of any m positions it
// holds the query's value in at least m − maxDiff: counting the part's m shortest lists finds all of these among
// the records of crowded buckets without reading every record of the buckets; one found is a candidate only if it
// shares a band key with the query. Smaller buckets are still visited: the candidates are exactly the bands'.
import { grow } from './grow.ts';
import { IntMultiMap } from './hash-table.ts';
import { SIG_SIZE, bandsFor } from './minhash.ts';
import { SignaturePostings, type CountPlan } from './signature-postings.ts';

/** Candidates whose signature estimate is this far below the threshold are not confirmed (> 5 σ at 128 values). */
const ESTIMATE_MARGIN = 0.2;
/** Parts a record may have. */
export const MAX_PARTS = 2;
/** A band bucket this full is crowded: once posting lists are kept, its records are in them and it is not visited. */
const CROWDED = 32;
/** Values a record found by the posting lists must share with the query among the counted positions, at least. */
const MIN_HITS = 16;
/**
 * The posting lists are counted when they hold fewer than COUNT_PER_VISIT entries per crowded-bucket entry to
 * visit, plus up to COUNT_PER_VISIT_RULED_OUT more as the counts have ruled out that share of those entries:
 * a visit reads a slot's signature at random, a counted entry is one increment in a sequential read, but a
 * slot the counts leave in is compared as a visit would. Templated instruction/output pairs, whose counts rule
 * out nearly all, took half the time at up to 16 (30k of them, the index alone); product descriptions at 0.5–0.75
 * of each other, whose counts rule out almost none, twice the time at a fixed 16. The same candidates either way.
 */
export const COUNT_PER_VISIT = 4;
const COUNT_PER_VISIT_RULED_OUT = 12;
const WORDS = SIG_SIZE / 4; // a part's 8-bit signature in 32-bit words

/**
 * When the index keeps posting lists (or a ShingleBound): once the bands (the bitmap bound) cost too much
 * (default), from the start, or never.
 */
export type PostingLists = 'auto' | 'always' | 'never';

export class NearDupBands {
  private sigs = new Uint8Array(MAX_PARTS * SIG_SIZE * 1024); // each slot's parts' signatures, 8 bits a value
  private words = new Int32Array(this.sigs.buffer); // the same, 4 values a word
  protected partCount = new Uint8Array(1024);
  protected ids = new Int32Array(1024);
  protected count = 0;
  protected readonly bands: number;
  protected readonly rows: number;
  /** Most values of a part's signature that may differ from a candidate's for it to be confirmed. */
  private readonly maxDiff: number;
  protected readonly table = new IntMultiMap();
  protected readonly keys: Int32Array; // the query's band keys
  protected readonly query8 = new Uint8Array(MAX_PARTS * SIG_SIZE); // the query's parts' signatures as stored
  private readonly queryWords = new Int32Array(this.query8.buffer);
  private seen = new Int32Array(1024); // seen[slot] = query number that last saw the slot as a candidate
  private query = 0;
  protected bandWork = 0; // band-bucket entries visited and posting-list entries counted
  private ruledOut = 0; // the share of crowded-bucket entries that recent counts ruled out (a moving average)
  protected readonly bucketSize: Int32Array; // how many records each of the query's band buckets holds
  // kept once the bands cost too much: each slot's band keys, whether it is in the posting lists (it is in a
  // crowded bucket), the posting lists, and space to count
  private readonly crowded: number;
  protected postings: SignaturePostings | null = null;
  private keysKept = false;
  private slotKeys = new Int32Array(0);

  constructor(
    readonly threshold: number,
    protected readonly postingLists: PostingLists = 'auto',
  ) {
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`near-duplicate threshold must be in (0, 1], got ${threshold}`);
    ({ bands: this.bands, rows: this.rows } = bandsFor(threshold));
    this.keys = new Int32Array(this.bands);
    this.bucketSize = new Int32Array(this.bands);
    this.crowded = postingLists === 'always' ? 1 : CROWDED;
    // the fewest equal values whose estimate (equal / SIG_SIZE) is not far below the threshold, by the same test
    let minEqual = 0;
    while (minEqual < SIG_SIZE && minEqual / SIG_SIZE < threshold - ESTIMATE_MARGIN) minEqual++;
    this.maxDiff = SIG_SIZE - minEqual;
    if (postingLists === 'always') this.keepPostings();
  }

  /** Those of `slots` that the bands give as candidates: of nParts parts, close by estimate, in one of the query's band buckets. */
  protected banded(nParts: number, slots: readonly number[]): number[] {
    const near: number[] = [];
    for (const slot of slots) if (this.partCount[slot] === nParts && this.close(slot, nParts) && this.inBands(slot)) near.push(slot);
    return near;
  }

  /**
   * The slots in the query's band buckets whose estimate is not far below the threshold (in no order): those of
   * crowded buckets found by counting when posting lists are kept and that costs less, the others by visiting.
   */
  protected candidates(nParts: number): number[] {
    const near: number[] = [];
    const q = ++this.query;
    let crowdedVisits = 0;
    if (this.postings) for (let b = 0; b < this.bands; b++) if (this.bucketSize[b]! >= this.crowded) crowdedVisits += this.bucketSize[b]!;
    const budget = this.postingLists === 'always' ? Infinity : crowdedVisits * (COUNT_PER_VISIT + COUNT_PER_VISIT_RULED_OUT * this.ruledOut);
    const plan = crowdedVisits > 0 ? this.plan(nParts, budget) : null;
    const visit = (slot: number): void => {
      if (this.seen[slot] === q) return;
      this.seen[slot] = q;
      if (this.partCount[slot] === nParts && this.close(slot, nParts)) near.push(slot);
    };
    for (let b = 0; b < this.bands; b++) {
      if (plan && this.bucketSize[b]! >= this.crowded) continue;
      this.table.forEach(this.keys[b]!, visit);
      this.bandWork += this.bucketSize[b]!;
    }
    if (plan) this.bandWork += plan.cost;
    if (plan) this.ruledOut += 0.05 * (1 - Math.min(1, this.counted(nParts, plan, q, near) / crowdedVisits) - this.ruledOut);
    return near;
  }

  /**
   * Which part to count, and the entries its m shortest posting lists hold (m = maxDiff + MIN_HITS); null when that
   * is over `budget` or could rule nothing out.
   */
  private plan(nParts: number, budget: number): CountPlan | null {
    const m = Math.min(SIG_SIZE, this.maxDiff + MIN_HITS);
    return m - this.maxDiff < 1 ? null : this.postings!.plan(this.query8, nParts, m, budget);
  }

  /**
   * Adds to `near` the posted slots not visited in query q that are close and in one of the query's buckets,
   * found by counting, over the m positions of the planned part, the slots that hold the query's value there:
   * one that holds it in fewer than m − maxDiff of them differs in more than maxDiff values. Returns how many
   * slots the counts left in (compared further).
   */
  private counted(nParts: number, plan: CountPlan, q: number, near: number[]): number {
    const postings = this.postings!, pos = postings.positions, sigs = this.sigs, maxDiff = this.maxDiff;
    const { part, m } = plan, q0 = part * SIG_SIZE;
    const n = postings.tally(plan, this.query8, m - maxDiff);
    for (let t = 0; t < n; t++) {
      const slot = postings.ready[t]!;
      if (this.seen[slot] === q || this.partCount[slot] !== nParts) continue;
      // the part's differing values: m − hits of the counted positions, then the others compared until too many differ
      let diff = m - postings.hits[slot]!;
      const base = (slot * MAX_PARTS + part) * SIG_SIZE;
      for (let j = m; j < SIG_SIZE && diff <= maxDiff; j++) if (sigs[base + pos[j]!] !== this.query8[q0 + pos[j]!]) diff++;
      if (diff <= maxDiff && this.close(slot, nParts) && this.inBands(slot)) near.push(slot);
    }
    postings.clear(plan, this.query8, this.count);
    return n;
  }

  /** Whether one of the slot's band keys is one of the query's: the slot is in one of the query's band buckets. */
  private inBands(slot: number): boolean {
    const base = slot * this.bands, keys = this.keys;
    for (let j = 0; j < this.bands; j++) {
      const key = this.slotKeys[base + j]!;
      for (let b = 0; b < this.bands; b++) if (keys[b] === key) return true;
    }
    return false;
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

  protected add(partCount: number, index: number): number {
    const slot = this.count++;
    if (slot === this.ids.length) {
      this.ids = grow(this.ids);
      this.growSlots(this.ids.length);
      this.seen = grow(this.seen);
      this.partCount = grow(this.partCount);
      this.sigs = grow(this.sigs);
      this.words = new Int32Array(this.sigs.buffer);
      this.growSlotSpace();
    }
    this.ids[slot] = index;
    this.partCount[slot] = partCount;
    this.sigs.set(this.query8.subarray(0, partCount * SIG_SIZE), slot * MAX_PARTS * SIG_SIZE);
    if (this.keysKept) this.slotKeys.set(this.keys, slot * this.bands);
    for (let b = 0; b < this.bands; b++) {
      this.table.add(this.keys[b]!, slot);
      if (!this.postings) continue;
      const size = this.table.size(this.keys[b]!); // every record of a crowded bucket is posted
      if (size === this.crowded) this.table.forEach(this.keys[b]!, (s) => this.post(s));
      else if (size > this.crowded) this.post(slot);
    }
    return slot;
  }

  /** Starts keeping band keys and posting lists: the slots of crowded buckets so far are posted. */
  protected keepPostings(): void {
    this.keepBandKeys();
    this.postings = new SignaturePostings(MAX_PARTS);
    this.growSlotSpace();
    this.table.forEachEntry((key, slot) => { if (this.table.size(key) >= this.crowded) this.post(slot); });
  }

  /** Starts keeping each slot's band keys (for inBands). */
  protected keepBandKeys(): void {
    if (this.keysKept) return;
    this.keysKept = true;
    this.growSlotSpace();
    const filled = new Uint8Array(this.count);
    this.table.forEachEntry((key, slot) => { this.slotKeys[slot * this.bands + filled[slot]!++] = key; });
  }

  /** Grows the per-slot arrays of band keys and posting lists, as they are kept, to the slots' capacity. */
  private growSlotSpace(): void {
    const n = this.ids.length;
    if (this.keysKept && this.slotKeys.length < n * this.bands) this.slotKeys = grow(this.slotKeys, n * this.bands);
    this.postings?.growSlots(n);
  }

  /** Adds slot, once, to the posting lists of its values. */
  private post(slot: number): void {
    this.postings!.post(slot, this.partCount[slot]!, this.sigs);
  }

  /** Grows what a subclass keeps per slot (NearDupIndex: the kept hashes) to `slots` slots, as the slot arrays grow. */
  protected growSlots(_slots: number): void {}
}
