// Near-duplicate detection over records of one or two parts (record.ts's comparableParts: a text, or a prompt
// and its completion, a chat's user and assistant turns), every one of which must be nearly the same: MinHash
// signatures of the parts' shingles told apart (minhash.ts's minhashSignatureOfParts: at least as alike as the
// least alike part, so the bands' guarantee at the threshold holds for every pair whose parts all reach it), in LSH
// bands, give candidates among the records kept so far; a candidate with another number of parts, or one part's
// estimated similarity far below the threshold, is skipped (so a prompt template the records share costs a
// signature comparison, not a confirmation); the rest are confirmed, earliest first, by the exact Jaccard
// similarity of each part's 5-gram shingles (the caller supplies the parts).
// Templated records are candidates of many later ones, most of them below the threshold: each record's sorted
// shingle hashes (minhash.ts's shingleHashes, 16 bits, 2 bytes a shingle, up to HASH_BUDGET in all) are kept once it is
// compared, so that a candidate whose upper bound of the exact Jaccard is below the threshold is passed over
// without asking the caller for its parts (prepare reads them back from its spool) — the bound never falls
// below the exact value, so the matches are the same; the rest are confirmed exactly as before.
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
// Records that share a long preamble (a system prompt, a template) and differ in a short tail are each a
// candidate of every other at just below the threshold: the bands, the estimate and the bitmap bound pass them,
// and the bitmap bound reads every candidate's hashes. Once it has read too many, the index also keeps a
// ShingleBound (shingle-bound.ts: the values that the records compared last share counted per group, the others
// posted by value; about 0.2 KB per record of one part with its band keys, plus 4 bytes a rare shingle), which
// bounds the query's shared shingles with every record at once: when that reads less than the bands' buckets, the
// candidates are the records it cannot rule out that the bands give (one of the query's band keys, close by
// estimate), else the bands' candidates are bounded by it before the bitmap; either way the candidates whose
// exact Jaccard may reach the threshold are the same, and so are the matches.
// Templates whose fields take their values from short lists (names, products, dates) put every record in the
// template's buckets, and the posting lists of the values that the fields give hold a fixed share of the records
// (an 8-bit value's list at least 1/256 of them), so counting reads a share of every record per query: n² in all.
// Once the bands have read too much, the index also keeps a PrefixFilter (prefix-filter.ts: each record's rarest
// shingle hashes, about (1 − t) of them + 4, posted by value; 4 bytes each), which gives every record whose exact
// Jaccard with the query's part may reach the threshold by counting the lists of the query's rarest hashes: when
// that reads less, the candidates are those of them that the bands give. The match is the earliest candidate of
// the bands whose every part reaches the threshold; each way of finding candidates gives a subset of the bands'
// that holds every one whose exact Jaccard may reach it, confirmed in slot order: the same matches either way.
import { grow } from './grow.ts';
import { IntMultiMap } from './hash-table.ts';
import { KeptHashes } from './kept-hashes.ts';
import { SIG_SIZE, bandKey, bandsFor, jaccard, minhashSignature, minhashSignatureOfParts, shingleHashes, shingleSet } from './minhash.ts';
import { PrefixFilter } from './prefix-filter.ts';
import { ShingleBound } from './shingle-bound.ts';
import { SignaturePostings, type CountPlan } from './signature-postings.ts';

/** Candidates whose signature estimate is this far below the threshold are not confirmed (> 5 σ at 128 values). */
const ESTIMATE_MARGIN = 0.2;
/** Parts a record may have. */
export const MAX_PARTS = 2;
/** Band-bucket entries that queries may visit per indexed record (plus a fixed allowance) before posting lists are kept. */
const VISIT_BUDGET = 64;
const VISIT_ALLOWANCE = 1 << 16;
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
const COUNT_PER_VISIT = 4;
const COUNT_PER_VISIT_RULED_OUT = 12;
const WORDS = SIG_SIZE / 4; // a part's 8-bit signature in 32-bit words
/**
 * Bits of the shingle hashes kept: 16, so that twice as many records fit the budget as at 32 (about 65k of 500
 * shingles). A bound from fewer bits is never below the exact Jaccard either; two texts of a few hundred shingles
 * rarely share a 16-bit value that no shingle of theirs accounts for, so the bound is barely looser.
 */
const HASH_BITS = 16;
/** Shingle hashes kept for the records compared (2 bytes a shingle): 64 MB at most, whatever the input's size. */
const HASH_BUDGET = 1 << 25;
/**
 * Candidates' hashes that the bitmap bound may read per indexed record (plus a fixed allowance) before the index
 * also keeps a ShingleBound: about 2 candidates of 500 shingles per record (the templated inputs of
 * bench/near-dedup.ts read under 0.2; records sharing a preamble read hundreds).
 */
const BOUND_WORK = 1 << 10;
const BOUND_WORK_ALLOWANCE = 1 << 20;
/** Rare shingle hashes that the ShingleBound posts at most (4 bytes each); later records are compared as before. */
const BOUND_BUDGET = 1 << 24;
/**
 * The ShingleBound's frequent values are chosen among the hashes of the last this many records compared: the
 * crowd that made the bitmap read too much (after 20k records of other kinds, 270 sharing a preamble are few).
 */
const BOUND_SAMPLE = 1024;
/**
 * Band-bucket and posting-list entries that the bands may read per indexed record (plus VISIT_ALLOWANCE) before the
 * index also keeps a PrefixFilter: it costs every later record its shingle hashes (as much as reading about a
 * thousand entries for a one-liner, twenty for a paragraph); templated one-liners read ten times this by 10k records,
 * a mix of free text and templates less than half.
 */
const PREFIX_WORK = 1024;
/** Prefix tokens that the PrefixFilter posts at most (4 bytes each); later records are candidates whatever their prefix. */
const PREFIX_BUDGET = 1 << 24;

export interface NearMatch {
  /** The index (as given to add) of the earliest kept record that this one nearly duplicates. */
  index: number;
  /** The least Jaccard similarity of its parts. */
  similarity: number;
}

/**
 * When the index keeps posting lists (or a ShingleBound): once the bands (the bitmap bound) cost too much
 * (default), from the start, or never.
 */
export type PostingLists = 'auto' | 'always' | 'never';

export class NearDupIndex {
  /** What the queries cost, counted: the entries of their band buckets (the bands' candidates, however found). */
  readonly stats = { bandEntries: 0 };
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
  private visits = 0; // band-bucket entries that queries have visited
  private bandWork = 0; // band-bucket entries visited and posting-list entries counted
  private ruledOut = 0; // the share of crowded-bucket entries that recent counts ruled out (a moving average)
  private readonly bucketSize: Int32Array; // how many records each of the query's band buckets holds
  // kept once the bands cost too much: each slot's band keys, whether it is in the posting lists (it is in a
  // crowded bucket), the posting lists, and space to count
  private readonly crowded: number;
  private postings: SignaturePostings | null = null;
  private keysKept = false;
  private slotKeys = new Int32Array(0);
  // the shingleHashes of the parts of slots that were candidates (or queries that had some), while the budget lasts
  private readonly kept: KeptHashes;
  // kept once the bitmap bound reads too much (kept.work: the candidates' hashes it read): every slot's shingles in a
  // ShingleBound but those in `unbounded` (over its budget)
  private bound: ShingleBound | null = null;
  private readonly unbounded: number[] = [];
  // kept once the bands read too much (bandWork): every slot's parts' prefixes in a PrefixFilter but those in
  // `unindexed` (over its budget)
  private prefixes: PrefixFilter | null = null;
  private readonly unindexed: number[] = [];

  /**
   * `hashBudget`: shingle hashes kept at most (tests make it small, to compare candidates whose hashes were not
   * kept); `shingleBound`: when to keep a ShingleBound, and `boundBudget`: the rare hashes it may post (tests make
   * it small, to compare slots it does not hold); `prefixFilter`: when to keep a PrefixFilter ('always': also find
   * every query's candidates through it), and `prefixBudget`: the prefix tokens it may post.
   */
  constructor(
    readonly threshold: number,
    private readonly postingLists: PostingLists = 'auto',
    hashBudget = HASH_BUDGET,
    private readonly shingleBound: PostingLists = 'auto',
    private readonly boundBudget = BOUND_BUDGET,
    private readonly prefixFilter: PostingLists = 'auto',
    private readonly prefixBudget = PREFIX_BUDGET,
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
    this.kept = new KeptHashes(MAX_PARTS, HASH_BITS, hashBudget, threshold);
    if (postingLists === 'always') this.keepPostings();
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
    minhashSignatureOfParts(parts, sig);
    parts.forEach((p, k) => (parts.length === 1 ? this.partSigs[k]!.set(sig) : minhashSignature(p, this.partSigs[k]!)));
    for (let k = 0; k < parts.length; k++) for (let i = 0; i < SIG_SIZE; i++) this.query8[k * SIG_SIZE + i] = this.partSigs[k]![i]! & 0xff;
    let visits = 0;
    for (let b = 0; b < this.bands; b++) visits += this.bucketSize[b] = this.table.size((this.keys[b] = bandKey(sig, b, this.rows)));
    this.stats.bandEntries += visits;
    if (!this.bound && this.shingleBound !== 'never' && (this.shingleBound === 'always' || this.kept.work > BOUND_WORK * this.count + BOUND_WORK_ALLOWANCE)) this.keepBound(partsOf);
    if (!this.prefixes && this.prefixFilter !== 'never' && (this.prefixFilter === 'always' || this.bandWork > PREFIX_WORK * this.count + VISIT_ALLOWANCE)) this.keepPrefixes(partsOf);
    let hashes = this.bound || this.prefixes ? parts.map((p) => shingleHashes(p, HASH_BITS)) : null;
    const plan = this.bound && this.boundPlan(hashes!);
    const prefixPlan = this.prefixes && this.prefixes.plan(hashes!);
    const prefixCost = prefixPlan ? prefixPlan.cost + this.unindexed.length : Infinity;
    // the candidates: found through the PrefixFilter or the ShingleBound when that reads less than visiting the bands
    // would (the same ones but those whose exact Jaccard, or bound, is below the threshold), else by the bands,
    // bounded there when counting is cheap
    let near: number[], counted = false;
    if (prefixPlan && (this.prefixFilter === 'always' || (prefixCost < COUNT_PER_VISIT * visits && prefixCost <= (plan?.cost ?? Infinity)))) {
      const found = [...this.unindexed];
      this.prefixes!.candidates(prefixPlan.part, hashes![prefixPlan.part]!, found);
      near = this.banded(parts.length, found);
    } else if (plan && plan.cost < visits) near = this.boundedCandidates(parts.length, plan, hashes![plan.part]!);
    else {
      this.visits += visits;
      if (!this.postings && this.postingLists === 'auto' && this.visits > VISIT_BUDGET * this.count + VISIT_ALLOWANCE) this.keepPostings();
      near = this.candidates(parts.length);
      if (plan && 2 * plan.countCost < near.length * hashes![plan.part]!.length) {
        this.bound!.count(plan.part, hashes![plan.part]!);
        counted = true;
      }
    }
    if (near.length > 1) near.sort((x, y) => x - y);
    let marked = false;
    let shingles: Array<Set<string>> | null = null;
    for (const slot of near) {
      const other = this.ids[slot]!;
      if (skip?.(other)) continue;
      if (counted && this.bound!.has(slot) && !this.bound!.reaches(slot, this.threshold)) continue;
      if (!marked) {
        hashes ??= parts.map((p) => shingleHashes(p, HASH_BITS));
        this.kept.mark(hashes, 1);
        marked = true;
      }
      const mine = hashes!;
      let theirs: readonly string[] | null = null;
      if (!this.kept.has(slot)) {
        theirs = partsOf(other);
        const lists = parts.map((_, k) => shingleHashes(theirs![k] ?? '', HASH_BITS));
        // over the budget, the bound is still taken from them, then they are dropped
        if (!this.kept.keep(slot, lists) && !this.kept.mayReachLists(mine, lists)) continue;
      }
      if (this.kept.has(slot) && !this.kept.mayReach(mine, slot)) continue;
      theirs ??= partsOf(other);
      shingles ??= parts.map((p) => shingleSet(p));
      let similarity = 1;
      for (let k = 0; k < parts.length && similarity >= this.threshold; k++) similarity = Math.min(similarity, jaccard(shingles[k]!, shingleSet(theirs[k] ?? '')));
      if (similarity >= this.threshold) {
        this.kept.mark(mine, 0);
        return { index: other, similarity };
      }
    }
    const slot = this.add(parts.length, index);
    if (marked) {
      this.kept.mark(hashes!, 0);
      this.kept.keep(slot, hashes!);
    }
    if (this.bound && !this.bound.add(slot, hashes!)) this.unbounded.push(slot);
    if (this.prefixes && !this.prefixes.add(slot, hashes!)) this.unindexed.push(slot);
    return null;
  }

  /**
   * The query part to count in the ShingleBound (the cheapest), what finding candidates through it would read
   * (`cost`: its rare values' lists, the records of the sizes that may match without them, the unbounded slots),
   * of which counting (`countCost`), and those sizes.
   */
  private boundPlan(hashes: readonly Uint32Array[]): BoundPlan {
    const bound = this.bound!;
    let best: BoundPlan = { part: 0, cost: Infinity, countCost: 0, lo: 0, hi: -1, need: 1 };
    hashes.forEach((h, k) => {
      const { cost: countCost, frequent } = bound.plan(k, h);
      // the records of sizes just above those that must be listed, while they are few, are listed too: the
      // longer ones then need more rare values to be looked at (most records of a template's own size hold few);
      // none longer than length / threshold + 1, which cannot reach it
      const least = ShingleBound.limits(h.length, frequent, this.threshold);
      const widest = bound.widen(k, least.hi, 64 + countCost / 8, Math.ceil(h.length / this.threshold) + 1);
      const { lo, hi, need } = ShingleBound.limits(h.length, frequent, this.threshold, widest);
      const cost = countCost + bound.sizeCount(k, lo, hi) + this.unbounded.length;
      if (cost < best.cost) best = { part: k, cost, countCost, lo, hi, need };
    });
    return best;
  }

  /**
   * The slots that the bands give as candidates (in one of the query's band buckets, close by estimate) whose
   * counted part's bound may reach the threshold: among those that hold one of its rare values, those of the
   * sizes that may match without one, and the unbounded — any other's bound is below it.
   */
  private boundedCandidates(nParts: number, { part, lo, hi, need }: BoundPlan, hashes: Uint32Array): number[] {
    const reaching = [...this.unbounded];
    this.bound!.count(part, hashes, need);
    this.bound!.reaching(this.threshold, lo, hi, reaching);
    return this.banded(nParts, reaching);
  }

  /** Those of `slots` that the bands give as candidates: of nParts parts, close by estimate, in one of the query's band buckets. */
  private banded(nParts: number, slots: readonly number[]): number[] {
    const near: number[] = [];
    for (const slot of slots) if (this.partCount[slot] === nParts && this.close(slot, nParts) && this.inBands(slot)) near.push(slot);
    return near;
  }

  /**
   * Starts keeping a ShingleBound of every slot: its frequent values are those of the last BOUND_SAMPLE slots
   * whose hashes are kept (they were compared: the templated ones); a slot's hashes not kept are computed from
   * its parts read back.
   */
  private keepBound(partsOf: (index: number) => readonly string[]): void {
    this.keepBandKeys();
    const sample: Uint16Array[][] = [];
    for (let slot = this.count - 1; slot >= 0 && sample.length < BOUND_SAMPLE; slot--) if (this.kept.has(slot)) sample.push(this.kept.lists(slot, this.partCount[slot]!));
    this.bound = new ShingleBound(MAX_PARTS, HASH_BITS, ShingleBound.frequentValues(MAX_PARTS, HASH_BITS, sample), this.boundBudget);
    for (let slot = 0; slot < this.count; slot++) if (!this.bound.add(slot, this.slotHashes(slot, partsOf))) this.unbounded.push(slot);
  }

  /**
   * Starts keeping a PrefixFilter of every slot: its order is the values' counts among the slots whose hashes are
   * kept (they were compared: the templated ones).
   */
  private keepPrefixes(partsOf: (index: number) => readonly string[]): void {
    this.keepBandKeys();
    const frequency = Array.from({ length: MAX_PARTS }, () => new Int32Array(1 << HASH_BITS));
    for (let slot = 0; slot < this.count; slot++) {
      if (!this.kept.has(slot)) continue;
      this.kept.lists(slot, this.partCount[slot]!).forEach((h, k) => { for (let i = 0; i < h.length; i++) frequency[k]![h[i]!]!++; });
    }
    this.prefixes = new PrefixFilter(MAX_PARTS, HASH_BITS, this.threshold, frequency, this.prefixBudget);
    for (let slot = 0; slot < this.count; slot++) if (!this.prefixes.add(slot, this.slotHashes(slot, partsOf))) this.unindexed.push(slot);
  }

  /** The slot's parts' shingle hashes: kept, or computed from its parts read back. */
  private slotHashes(slot: number, partsOf: (index: number) => readonly string[]): ArrayLike<number>[] {
    if (this.kept.has(slot)) return this.kept.lists(slot, this.partCount[slot]!);
    const theirs = partsOf(this.ids[slot]!);
    return Array.from({ length: this.partCount[slot]! }, (_, k) => shingleHashes(theirs[k] ?? '', HASH_BITS));
  }

  /**
   * The slots in the query's band buckets whose estimate is not far below the threshold (in no order): those of
   * crowded buckets found by counting when posting lists are kept and that costs less, the others by visiting.
   */
  private candidates(nParts: number): number[] {
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

  private add(partCount: number, index: number): number {
    const slot = this.count++;
    if (slot === this.ids.length) {
      this.ids = grow(this.ids);
      this.kept.growSlots(this.ids.length);
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
  private keepPostings(): void {
    this.keepBandKeys();
    this.postings = new SignaturePostings(MAX_PARTS);
    this.growSlotSpace();
    this.table.forEachEntry((key, slot) => { if (this.table.size(key) >= this.crowded) this.post(slot); });
  }

  /** Starts keeping each slot's band keys (for inBands). */
  private keepBandKeys(): void {
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
}

/** How a query is bounded by the ShingleBound: see boundPlan and ShingleBound.limits. */
interface BoundPlan { part: number; cost: number; countCost: number; lo: number; hi: number; need: number }
