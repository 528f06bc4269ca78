// Near-duplicate detection over records of one or two parts (record-content.ts's comparableParts: a text, or a prompt
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
// The band index (near-dedup-bands.ts's NearDupBands: the 8-bit signatures, band buckets and posting lists) gives the
// candidates. Records that share a long preamble (a system prompt, a template) and differ in a short tail are each a
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
// Once the bands read much for the queries' size, the index also keeps a PrefixFilter (prefix-filter.ts: each
// record's rarest shingle hashes, about (1 − t) of them + 4, posted by value; 4 bytes each), which gives every record
// whose exact Jaccard with the query's part may reach the threshold by counting the lists of the query's rarest
// hashes: when that reads less, the candidates are those of them that the bands give. It costs each query its
// shingle hashes, so it is used only while the bands' work pays for that (prefix-switch.ts: on and off again as the
// input changes); the records added while it was off are posted when it is on again, and once its budget is full it
// serves no more queries (prefix-switch.test.ts). The match is the earliest candidate of
// the bands whose every part reaches the threshold; each way of finding candidates gives a subset of the bands'
// that holds every one whose exact Jaccard may reach it, confirmed in slot order: the same matches either way.
import { KeptHashes } from './kept-hashes.ts';
import { SIG_SIZE, bandKey, jaccard, minhashSignature, minhashSignatureOfParts, shingleHashes, shingleSet } from './minhash.ts';
import { COUNT_PER_VISIT, MAX_PARTS, NearDupBands, type PostingLists } from './near-dedup-bands.ts';
import { PrefixFilter } from './prefix-filter.ts';
import { PrefixSwitch } from './prefix-switch.ts';
import { ShingleBound } from './shingle-bound.ts';

export { MAX_PARTS, type PostingLists } from './near-dedup-bands.ts';

/** Band-bucket entries that queries may visit per indexed record (plus a fixed allowance) before posting lists are kept. */
const VISIT_BUDGET = 64;
const VISIT_ALLOWANCE = 1 << 16;
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
 * Prefix tokens that the PrefixFilter posts at most (4 bytes each); later records are candidates whatever their
 * prefix, and the filter then serves no query that the switch would give it.
 */
const PREFIX_BUDGET = 1 << 24;

export interface NearMatch {
  /** The index (as given to add) of the earliest kept record that this one nearly duplicates. */
  index: number;
  /** The least Jaccard similarity of its parts. */
  similarity: number;
}

export class NearDupIndex extends NearDupBands {
  /**
   * What the queries cost, counted: the entries of their band buckets (the bands' candidates, however found); the
   * entries read to find them (bucket entries visited, posting, ShingleBound or PrefixFilter list entries counted);
   * the candidates found (each compared by its hashes' bound, or confirmed); and the queries whose shingle hashes
   * were made to find them (for the PrefixFilter or the ShingleBound), and those whose candidates the PrefixFilter gave.
   */
  readonly stats = { bandEntries: 0, entriesRead: 0, candidates: 0, hashed: 0, viaPrefixes: 0 };
  private readonly sig = new Uint32Array(SIG_SIZE);
  private readonly partSigs = Array.from({ length: MAX_PARTS }, () => new Uint32Array(SIG_SIZE));
  private visits = 0; // band-bucket entries that queries have visited
  // the shingleHashes of the parts of slots that were candidates (or queries that had some), while the budget lasts
  private readonly kept: KeptHashes;
  // kept once the bitmap bound reads too much (kept.work: the candidates' hashes it read): every slot's shingles in a
  // ShingleBound but those in `unbounded` (over its budget)
  private bound: ShingleBound | null = null;
  private readonly unbounded: number[] = [];
  // kept once the bands read too much for the queries' size (prefix-switch.ts): the parts' prefixes of the slots
  // below prefixedTo in a PrefixFilter but those in `unindexed` (over its budget: 'always' only; switched, the full
  // filter is let go); the later slots were added while the switch was off and are posted when it is on again
  private prefixes: PrefixFilter | null = null;
  private readonly unindexed: number[] = [];
  private prefixedTo = 0;
  private prefixesFull = false; // the PrefixFilter refused a slot (its budget is full): switched, it is used no more
  private readonly prefixSwitch = new PrefixSwitch();
  // the slot confirmed last, its parts and their shingle sets (as far as compared): records that share a template
  // whose first record is kept (a licence header, files that differ in a function) are each confirmed against it,
  // which read it back (prepare: from its spool) and made its shingles for each
  private confirmed: { slot: number; parts: readonly string[]; sets: Array<Set<string>> } = { slot: -1, parts: [], sets: [] };

  /**
   * `hashBudget`: shingle hashes kept at most (tests make it small, to compare candidates whose hashes were not
   * kept); `shingleBound`: when to keep a ShingleBound, and `boundBudget`: the rare hashes it may post (tests make
   * it small, to compare slots it does not hold); `prefixFilter`: when to keep a PrefixFilter ('always': also find
   * every query's candidates through it), and `prefixBudget`: the prefix tokens it may post.
   */
  constructor(
    threshold: number,
    postingLists: PostingLists = 'auto',
    hashBudget = HASH_BUDGET,
    private readonly shingleBound: PostingLists = 'auto',
    private readonly boundBudget = BOUND_BUDGET,
    private readonly prefixFilter: PostingLists = 'auto',
    private readonly prefixBudget = PREFIX_BUDGET,
  ) {
    super(threshold, postingLists);
    this.kept = new KeptHashes(MAX_PARTS, HASH_BITS, hashBudget, threshold);
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
    const prefixes = this.prefixFilter === 'always' || (this.prefixFilter === 'auto' && this.prefixSwitch.on && !this.prefixesFull) ? this.postPrefixes(partsOf) : null;
    let hashes = this.bound || prefixes ? parts.map((p) => shingleHashes(p, HASH_BITS)) : null;
    const plan = this.bound && this.boundPlan(hashes!);
    const prefixPlan = prefixes && prefixes.plan(hashes!);
    const prefixCost = prefixPlan ? prefixPlan.cost + this.unindexed.length : Infinity;
    // the candidates: found through the PrefixFilter or the ShingleBound when that reads less than visiting the bands
    // would (the same ones but those whose exact Jaccard, or bound, is below the threshold), else by the bands,
    // bounded there when counting is cheap. bandsRead: the band entries that the bands read, or would have read where
    // the PrefixFilter served (what it saved); none where the ShingleBound serves, or could have (the PrefixFilter
    // saves nothing there: the hashes are made for the bound anyway, and its candidates are fewer)
    let near: number[], counted = false, bandsRead = 0;
    if (prefixPlan && (this.prefixFilter === 'always' || (prefixCost < COUNT_PER_VISIT * visits && prefixCost <= (plan?.cost ?? Infinity)))) {
      const found = [...this.unindexed];
      prefixes!.candidates(prefixPlan.part, hashes![prefixPlan.part]!, found);
      near = this.banded(parts.length, found);
      this.stats.entriesRead += prefixCost;
      this.stats.viaPrefixes++;
      if (!(plan && plan.cost < visits)) bandsRead = visits;
    } else if (plan && plan.cost < visits) {
      near = this.boundedCandidates(parts.length, plan, hashes![plan.part]!);
      this.stats.entriesRead += plan.cost;
    } else {
      this.visits += visits;
      const work = this.bandWork;
      if (!this.postings && this.postingLists === 'auto' && this.visits > VISIT_BUDGET * this.count + VISIT_ALLOWANCE) this.keepPostings();
      near = this.candidates(parts.length);
      bandsRead = this.bandWork - work;
      this.stats.entriesRead += bandsRead;
      if (plan && 2 * plan.countCost < near.length * hashes![plan.part]!.length) {
        this.bound!.count(plan.part, hashes![plan.part]!);
        counted = true;
      }
    }
    this.stats.candidates += near.length;
    if (hashes) this.stats.hashed++;
    this.prefixSwitch.note(bandsRead, parts.reduce((n, p) => n + p.length, 0));
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
      shingles ??= parts.map((p) => shingleSet(p));
      if (this.confirmed.slot !== slot) this.confirmed = { slot, parts: theirs ?? partsOf(other), sets: [] };
      const confirmed = this.confirmed;
      let similarity = 1;
      for (let k = 0; k < parts.length && similarity >= this.threshold; k++) similarity = Math.min(similarity, jaccard(shingles[k]!, (confirmed.sets[k] ??= shingleSet(confirmed.parts[k] ?? ''))));
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
    if (prefixes) {
      if (!prefixes.add(slot, hashes!)) this.refused(slot);
      this.prefixedTo = slot + 1;
    }
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
   * The PrefixFilter, every slot posted: made now, or the slots added while the switch was off posted now; null
   * (switched) once its budget is full, the slots after the one refused not read back to be refused too.
   */
  private postPrefixes(partsOf: (index: number) => readonly string[]): PrefixFilter | null {
    const prefixes = (this.prefixes ??= this.newPrefixFilter());
    for (; this.prefixedTo < this.count && !this.prefixesFull; this.prefixedTo++) if (!prefixes.add(this.prefixedTo, this.slotHashes(this.prefixedTo, partsOf))) this.refused(this.prefixedTo);
    return this.prefixesFull ? null : prefixes;
  }

  /**
   * A PrefixFilter, no slot posted yet: its order is the values' counts among the slots whose hashes are kept (they
   * were compared: the templated ones).
   */
  private newPrefixFilter(): PrefixFilter {
    this.keepBandKeys();
    const frequency = Array.from({ length: MAX_PARTS }, () => new Int32Array(1 << HASH_BITS));
    for (let slot = 0; slot < this.count; slot++) {
      if (!this.kept.has(slot)) continue;
      this.kept.lists(slot, this.partCount[slot]!).forEach((h, k) => { for (let i = 0; i < h.length; i++) frequency[k]![h[i]!]!++; });
    }
    return new PrefixFilter(MAX_PARTS, HASH_BITS, this.threshold, frequency, this.prefixBudget);
  }

  /**
   * A slot that the PrefixFilter's budget has no room for: a candidate of every query that it serves. Switched
   * ('auto'), it serves no more queries, which the bands then serve as they would without it: each would read the
   * refused slots, more and more of them, and still cost its hashes; the filter (its budget's 4 bytes a token) is
   * let go.
   */
  private refused(slot: number): void {
    if (this.prefixFilter !== 'auto') this.unindexed.push(slot);
    else {
      this.prefixesFull = true;
      this.prefixes = null;
    }
  }

  /** The slot's parts' shingle hashes: kept, or computed from its parts read back. */
  private slotHashes(slot: number, partsOf: (index: number) => readonly string[]): ArrayLike<number>[] {
    if (this.kept.has(slot)) return this.kept.lists(slot, this.partCount[slot]!);
    const theirs = partsOf(this.ids[slot]!);
    return Array.from({ length: this.partCount[slot]! }, (_, k) => shingleHashes(theirs[k] ?? '', HASH_BITS));
  }

  /** The kept hashes have room for as many slots as the band index. */
  protected override growSlots(slots: number): void {
    this.kept.growSlots(slots);
  }
}

/** How a query is bounded by the ShingleBound: see boundPlan and ShingleBound.limits. */
interface BoundPlan { part: number; cost: number; countCost: number; lo: number; hi: number; need: number }
