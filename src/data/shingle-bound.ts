// An upper bound of how many shingle hashes (minhash.ts's shingleHashes lists, 16 bits) a query shares with every
// indexed record at once, for records that share a template (a long system prompt or preamble): each is a
// candidate of every other, and bounding the pairs one by one costs a pass over each candidate's hashes. Here the
// values that many records hold (frequent: a template's, chosen once from a sample) are only counted, per record
// and part, in GROUPS groups by value; the others (rare) are posted in lists by value. Counting the query's rare
// values' lists gives, for every record at once, how many of them it holds, and so
//   shared(query, record) ≤ rare count + Σ over groups of min(query's, record's frequent values in the group)
// — each shared value is either rare (then the record is in that value's list, once for each copy it holds) or
// frequent (then it is among both sides' values of its group). The bound is never below the shared count for any
// choice of the frequent values; a good choice (the template) makes it nearly exact, and the lists short.
// A record that holds none of the query's rare values can only reach a Jaccard similarity through frequent
// values: only records of a narrow range of sizes can (they are listed by size), and a longer record must hold
// some number of them (limits: lo, hi, need), so the records that may reach a threshold are found without
// looking at the others.
import { grow } from './grow.ts';
import { IntLists } from './int-lists.ts';
import { jaccardOf } from './minhash.ts';

/** Frequent values are counted in this many groups (by their low bits) per part. */
const GROUPS = 16;
/** A value is frequent when at least this share of the sampled records (and two of them) hold it. */
const FREQUENT_SHARE = 1 / 16;
/** Parts longer than this are not indexed (their counts fit 16 bits); the caller compares them as before. */
export const MAX_INDEXED_LENGTH = 0xffff;

export class ShingleBound {
  private readonly groupsOf: Uint8Array[]; // per part, per value: 0 (rare) or 1 + its group
  private readonly rare: IntLists; // list (part << bits | value): the records holding the rare value, once per copy
  private readonly bySize: IntLists; // list (part << 16 | size): the records whose part has that many hashes
  private length = new Int32Array(0); // [slot * parts + k]: part k's hashes, −1 when the slot is not indexed
  private frequentTotal = new Uint16Array(0); // [slot * parts + k]: of which frequent
  private groupCounts = new Uint16Array(0); // [(slot * parts + k) * GROUPS + g]
  private entries = 0; // rare list entries, bounded by `budget`
  private slots = 0; // 1 + the highest slot added
  // the counted query: its part, its frequent values (in all and per group), the lists counted and what they held,
  // each record's rare count, and those whose count reached `need` (touched)
  private counts = new Int32Array(0);
  private touched = new Int32Array(0);
  private nTouched = 0;
  private need = 1;
  private countedLists = new Int32Array(64);
  private nCounted = 0;
  private countedEntries = 0;
  private part = 0;
  private queryLength = 0;
  private queryFrequent = 0;
  private readonly queryGroups = new Int32Array(GROUPS);

  /**
   * `frequent[k]`: part k's frequent values (1 each, of 2^bits); `budget`: rare list entries at most, after which
   * add refuses records.
   */
  constructor(private readonly parts: number, private readonly bits: number, frequent: readonly Uint8Array[], private readonly budget: number) {
    this.groupsOf = frequent.map((f) => f.map((isFrequent, v) => (isFrequent ? 1 + (v % GROUPS) : 0)));
    this.rare = new IntLists(parts << bits);
    this.bySize = new IntLists(parts << 16);
  }

  /**
   * The values of each part that at least FREQUENT_SHARE of `sample` (records' sorted hash lists, by part; a record
   * may have fewer parts) hold, as `frequent` for the constructor.
   */
  static frequentValues(parts: number, bits: number, sample: Iterable<readonly ArrayLike<number>[]>): Uint8Array[] {
    const holders = Array.from({ length: parts }, () => new Int32Array(1 << bits));
    const records = new Int32Array(parts);
    for (const lists of sample) {
      lists.forEach((h, k) => {
        records[k]!++;
        for (let i = 0; i < h.length; i++) if (i === 0 || h[i] !== h[i - 1]) holders[k]![h[i]!]!++;
      });
    }
    return holders.map((held, k) => {
      const need = Math.max(2, Math.ceil(records[k]! * FREQUENT_SHARE));
      return Uint8Array.from(held, (n) => (n >= need ? 1 : 0));
    });
  }

  /** Whether `slot`'s parts are indexed. */
  has(slot: number): boolean {
    return slot * this.parts < this.length.length && this.length[slot * this.parts]! >= 0;
  }

  /**
   * Indexes `slot`'s parts' sorted hash lists: false (not indexed) when the rare lists' budget has no room for
   * them or a part is longer than MAX_INDEXED_LENGTH.
   */
  add(slot: number, hashes: readonly ArrayLike<number>[]): boolean {
    const parts = this.parts;
    this.room(slot + 1);
    this.slots = Math.max(this.slots, slot + 1);
    let rare = 0;
    for (let k = 0; k < hashes.length; k++) {
      const h = hashes[k]!, groupsOf = this.groupsOf[k]!;
      if (h.length > MAX_INDEXED_LENGTH) return false;
      for (let i = 0; i < h.length; i++) if (groupsOf[h[i]!] === 0) rare++;
    }
    if (this.entries + rare > this.budget) return false;
    this.entries += rare;
    hashes.forEach((h, k) => {
      const at = slot * parts + k, groupsOf = this.groupsOf[k]!;
      let frequent = 0;
      for (let i = 0; i < h.length; i++) {
        const g = groupsOf[h[i]!]!;
        if (g === 0) this.rare.push((k << this.bits) | h[i]!, slot);
        else {
          this.groupCounts[at * GROUPS + g - 1]!++;
          frequent++;
        }
      }
      this.length[at] = h.length;
      this.frequentTotal[at] = frequent;
      this.bySize.push((k << 16) | h.length, slot);
    });
    return true;
  }

  /**
   * What counting part k of a query (its sorted hash list) would read, its rare values' lists (`cost`), and how
   * many of its values are frequent.
   */
  plan(k: number, hashes: ArrayLike<number>): { cost: number; frequent: number } {
    const groupsOf = this.groupsOf[k]!;
    let cost = 0, frequent = 0;
    for (let i = 0; i < hashes.length; i++) {
      if (groupsOf[hashes[i]!] !== 0) frequent++;
      else if (i === 0 || hashes[i] !== hashes[i - 1]) cost += this.rare.length((k << this.bits) | hashes[i]!);
    }
    return { cost, frequent };
  }

  /**
   * For a query part of `length` hashes of which `frequent` are frequent: the sizes (hash counts, lo…hi) outside
   * which a record that holds none of its rare values cannot reach Jaccard `threshold` with it, and how many of
   * them (`need`, counted as the record's copies) a record longer than hi must hold to reach it. A record shares
   * at most its rare count + `frequent` values, and reaching the threshold takes threshold · (length + size) /
   * (1 + threshold): without rare values, its Jaccard is at most its size / length up to `frequent`, then
   * frequent / (length + size − frequent). Widened by one each way against rounding (so that the records that
   * may reach the threshold are among those of lo…hi and those that hold `need`). With `atLeast`, hi is at least
   * that: more records are listed by size, and the others need more rare values.
   */
  static limits(length: number, frequent: number, threshold: number, atLeast = 0): { lo: number; hi: number; need: number } {
    const hi = Math.max(atLeast, Math.max(frequent, Math.ceil((frequent * (1 + threshold)) / threshold - length)) + 1);
    const need = Math.max(1, Math.floor((threshold * (length + hi + 1)) / (1 + threshold) - frequent) - 1);
    return { lo: Math.max(0, Math.floor(threshold * length) - 1), hi, need };
  }

  /** The greatest size from hi to `most` such that the slots whose part k has hi + 1 to it hashes are `budget` at most. */
  widen(k: number, hi: number, budget: number, most: number): number {
    let n = 0;
    most = Math.min(most, MAX_INDEXED_LENGTH);
    while (hi < most && n + this.bySize.length((k << 16) | (hi + 1)) <= budget) n += this.bySize.length((k << 16) | ++hi);
    return hi;
  }

  /**
   * Counts, for every indexed record, the copies of the query's part-k rare values it holds (for reaches), and
   * notes those that hold at least `need` (for reaching).
   */
  count(k: number, hashes: ArrayLike<number>, need = 1): void {
    this.clear();
    this.need = need;
    this.part = k;
    this.queryLength = hashes.length;
    this.queryGroups.fill(0);
    const groupsOf = this.groupsOf[k]!;
    let frequent = 0;
    for (let i = 0; i < hashes.length; i++) {
      const g = groupsOf[hashes[i]!]!;
      if (g > 0) {
        this.queryGroups[g - 1]!++;
        frequent++;
      } else if (i === 0 || hashes[i] !== hashes[i - 1]) {
        const list = (k << this.bits) | hashes[i]!;
        this.nTouched = this.rare.tally(list, this.counts, need, this.touched, this.nTouched);
        if (this.nCounted === this.countedLists.length) this.countedLists = grow(this.countedLists);
        this.countedLists[this.nCounted++] = list;
        this.countedEntries += this.rare.length(list);
      }
    }
    this.queryFrequent = frequent;
  }

  /**
   * Whether the bound of the Jaccard similarity of indexed `slot`'s counted part with the counted query part (their
   * hash counts and an upper bound of the values they share) reaches `threshold`: false only when the exact one
   * cannot.
   */
  reaches(slot: number, threshold: number): boolean {
    const at = slot * this.parts + this.part, mine = this.queryLength, theirs = this.length[at]!, rare = this.counts[slot]!;
    // the frequent values' totals first (a template's records have the same, and this often decides), then per group
    if (jaccardOf(Math.min(rare + Math.min(this.queryFrequent, this.frequentTotal[at]!), mine, theirs), mine, theirs) < threshold) return false;
    let frequent = 0;
    const groups = this.groupCounts, q = this.queryGroups;
    for (let g = 0, base = at * GROUPS; g < GROUPS; g++) frequent += Math.min(q[g]!, groups[base + g]!);
    return jaccardOf(Math.min(rare + frequent, mine, theirs), mine, theirs) >= threshold;
  }

  /**
   * Adds to `out` the indexed slots whose bound (see reaches) reaches `threshold`: of those that hold `need` of
   * the counted query's rare values, and of the others those of sizes lo…hi (`limits` gives all three) — any
   * other's bound is below it.
   */
  reaching(threshold: number, lo: number, hi: number, out: number[]): void {
    const touched = this.touched, counts = this.counts, need = this.need;
    for (let t = 0; t < this.nTouched; t++) if (this.reaches(touched[t]!, threshold)) out.push(touched[t]!);
    for (let size = Math.max(0, lo); size <= Math.min(hi, MAX_INDEXED_LENGTH); size++) {
      this.bySize.forEach((this.part << 16) | size, (slot) => { if (counts[slot]! < need && this.reaches(slot, threshold)) out.push(slot); });
    }
  }

  /** How many indexed slots' part k has `lo` to `hi` hashes. */
  sizeCount(k: number, lo: number, hi: number): number {
    let n = 0;
    for (let size = Math.max(0, lo); size <= Math.min(hi, MAX_INDEXED_LENGTH); size++) n += this.bySize.length((k << 16) | size);
    return n;
  }

  /** Zeroes the counts of the query counted last: list by list while they held few entries, else all at once. */
  private clear(): void {
    if (this.countedEntries * 8 < this.slots) for (let j = 0; j < this.nCounted; j++) this.rare.clear(this.countedLists[j]!, this.counts);
    else this.counts.fill(0, 0, this.slots);
    this.nTouched = this.nCounted = this.countedEntries = 0;
  }

  private room(slots: number): void {
    if (slots <= this.counts.length) return;
    const n = Math.max(slots, 2 * this.counts.length, 1024);
    const old = this.length.length;
    this.length = grow(this.length, n * this.parts);
    this.length.fill(-1, old);
    this.frequentTotal = grow(this.frequentTotal, n * this.parts);
    this.groupCounts = grow(this.groupCounts, n * this.parts * GROUPS);
    this.counts = grow(this.counts, n);
    this.touched = grow(this.touched, n);
  }
}
