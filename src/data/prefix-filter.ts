// A prefix filter (as AllPairs and PPJoin's) over minhash.ts's shingleHashes lists, for near-dedup.ts: the indexed
// records whose part may reach a Jaccard threshold t with a query's part, found by counting a few short lists.
// Each hash of a list is a token (value, copy), ordered by a fixed order of the values, rarest first (their counts
// in a sample), then copy. Lists of a and b tokens whose texts' exact Jaccard reaches t share I ≥ t(a + b)/(1 + t)
// tokens (the lists share at least as many values as the texts share shingles): I ≥ shared(a, b) ≥ α(a), α(b)
// (α(n) ≈ t · n, the least for a partner of any size). The j-th shared token in the order has at most n − I
// unshared ones before it in a list of n, so it is among the list's first n − I + j. Each record posts its first
// b − α(b) + NEED tokens (its index prefix) by value; a query counts, for every record at once, the lists of its
// first n = a − α(a) + NEED tokens' values: a record that reaches t holds at least min(n − a, NEED − α(b)) +
// shared(a, b) of them (its first shared tokens are in both prefixes), and one that holds fewer is left out.
// Rare values make short lists: a template's shingles come last in the order, and the prefixes hold the records'
// own rare ones. (Fields that take few values, names from a short list, still give each list a fixed share of the
// records, only a smaller one than the bands'.)
// A partner of about the same size shares more: t · 2b / (1 + t) of b's tokens, not t · b. So the index prefix is
// posted in two parts: its head, the first b − shared(b, b) + NEED tokens (PPJoin's, which finds every partner
// of b's size or larger, and a few tokens smaller), and its tail, the rest. A query counts the head lists only
// when every size it may reach is found there, else the tails too. Records whose fields are unique (log lines: an
// id, a number, a path, in a shared format) have few rare shingles: the tokens past the head are ones that a fixed
// share of the records hold, and counting them read a share of all records per query (n² in all).
import { IntLists } from './int-lists.ts';
import { grow } from './grow.ts';

/**
 * Shared tokens guaranteed among the counted ones beyond the least: more extends the prefixes (longer lists to
 * count) and leaves in fewer records by chance. On 50k templated one-liners whose fields come from short word
 * lists (the index alone), 4 and 6 took about as long, 2 an eighth longer, 9 half as long again.
 */
const NEED = 4;

export class PrefixFilter {
  private readonly rank: Int32Array[]; // per part: value → its place in the order
  private readonly head: IntLists; // (part, rank): the slots whose index prefix's head holds the value, once per copy
  private readonly tail: IntLists; // the same for the rest of the index prefix
  private sizes = new Int32Array(0); // [slot * parts + k]: part k's tokens
  private readonly longest: Int32Array; // per part: the most tokens a record's has
  private counts = new Int32Array(0); // per slot: the entries of the counted lists it has
  private found = new Int32Array(0); // the slots whose count reached the need
  private entries = 0; // list entries, bounded by `budget`
  private slots = 0; // 1 + the highest slot added
  // per part: the tokens of the list sorted last (sortedFrom) as ranks, in the order: a query's are sorted once for
  // plan, candidates and add
  private readonly sorted: Int32Array[];
  private readonly sortedFrom: Array<ArrayLike<number> | null>;

  /**
   * `frequency[k][v]`: how often part k's value v was seen (a sample's counts; any order finds the same records,
   * a good one reads short lists); `budget`: list entries at most, after which add refuses records.
   */
  constructor(private readonly parts: number, private readonly bits: number, private readonly threshold: number, frequency: readonly Int32Array[], private readonly budget: number) {
    this.rank = frequency.map((f) => {
      const order = Float64Array.from(f, (n, v) => n * 2 ** bits + v).sort();
      const rank = new Int32Array(f.length);
      order.forEach((key, r) => (rank[key % 2 ** bits] = r));
      return rank;
    });
    this.head = new IntLists(parts << bits);
    this.tail = new IntLists(parts << bits);
    this.longest = new Int32Array(parts);
    this.sorted = Array.from({ length: parts }, () => new Int32Array(256));
    this.sortedFrom = Array.from({ length: parts }, () => null);
  }

  /** Posts `slot`'s parts' index prefixes (from their sorted hash lists): false (nothing posted) when the budget has no room for them. */
  add(slot: number, hashes: readonly ArrayLike<number>[]): boolean {
    let total = 0;
    for (const h of hashes) total += this.prefixLength(h.length);
    if (this.entries + total > this.budget) return false;
    this.entries += total;
    this.room(slot + 1);
    hashes.forEach((h, k) => {
      const b = h.length;
      this.sizes[slot * this.parts + k] = b;
      this.longest[k] = Math.max(this.longest[k]!, b);
      this.sort(k, h);
      const sorted = this.sorted[k]!;
      const head = this.headLength(b);
      for (let i = 0; i < this.prefixLength(b); i++) (i < head ? this.head : this.tail).push(this.listOf(k, sorted[i]!), slot);
    });
    return true;
  }

  /** The query's part (of those with hashes) whose counted lists hold the fewest entries, and how many; null if none has hashes. */
  plan(hashes: readonly ArrayLike<number>[]): { part: number; cost: number } | null {
    let best: { part: number; cost: number } | null = null;
    hashes.forEach((h, k) => {
      const a = h.length;
      if (a === 0) return;
      this.sort(k, h);
      const cost = this.entriesOf(k, this.prefixLength(a), this.query(k, a).withTail);
      if (!best || cost < best.cost) best = { part: k, cost };
    });
    return best;
  }

  /**
   * Adds to `out`, each once, the slots whose part k may reach the threshold with the query's (its sorted hash
   * list, not empty): every one whose lists' bound (minhash.ts's jaccardAtMost) reaches it, and some others. (A
   * value's copies in a record are each counted, which may count more than the lists share, never less.)
   */
  candidates(k: number, hashes: ArrayLike<number>, out: number[]): void {
    const a = hashes.length, n = this.prefixLength(a);
    this.sort(k, hashes);
    const { lo, hi, withTail } = this.query(k, a);
    if (lo > hi) return;
    let need = Infinity;
    for (let b = lo; b <= hi; b++) need = Math.min(need, this.needOf(a, b, withTail));
    const sorted = this.sorted[k]!;
    let found = 0;
    for (let i = 0; i < n; i++) {
      if (i > 0 && sorted[i] === sorted[i - 1]) continue;
      found = this.head.tally(this.listOf(k, sorted[i]!), this.counts, need, this.found, found);
      if (withTail) found = this.tail.tally(this.listOf(k, sorted[i]!), this.counts, need, this.found, found);
    }
    for (let t = 0; t < found; t++) {
      const slot = this.found[t]!, b = this.sizes[slot * this.parts + k]!;
      if (b >= lo && b <= hi && this.counts[slot]! >= this.needOf(a, b, withTail)) out.push(slot);
    }
    // zero the counts: list by list while they held few entries, else all at once
    if (this.entriesOf(k, n, withTail) * 8 < this.slots) {
      for (let i = 0; i < n; i++) {
        this.head.clear(this.listOf(k, sorted[i]!), this.counts);
        if (withTail) this.tail.clear(this.listOf(k, sorted[i]!), this.counts);
      }
    } else this.counts.fill(0, 0, this.slots);
  }

  /**
   * The sizes of part k that may reach the threshold with a query's of a tokens: t · a to a / t, widened by one each
   * way (and none longer than a record has); and whether one of them needs the tails counted (its head is too
   * short to hold a token that it shares with the query's prefix: needOf < 1).
   */
  private query(k: number, a: number): { lo: number; hi: number; withTail: boolean } {
    const lo = Math.max(1, Math.floor(this.threshold * a) - 1), hi = Math.min(this.longest[k]!, Math.ceil(a / this.threshold) + 1);
    let withTail = false;
    for (let b = hi; b >= lo && !withTail; b--) withTail = this.needOf(a, b, false) < 1;
    return { lo, hi, withTail };
  }

  /**
   * The counted tokens that a query's part of a tokens and a record's of b whose texts reach the threshold share at
   * least: of I ≥ shared(a, b) shared tokens, the first lies among the first a − I of the query's and b − I of the
   * record's, so min(n − a, p − b) + I of them lie in both prefixes (n and p tokens: the query's, the record's head
   * or whole index prefix). Over the sizes of query(), the whole prefix's is 1 or more (both terms of the min are
   * NEED − 1 or more there: shared(a, b) ≥ α(a) − 1 and ≥ α(b) − 1; checked for thresholds 0.001 to 1).
   */
  private needOf(a: number, b: number, withTail: boolean): number {
    const p = withTail ? this.prefixLength(b) : this.headLength(b);
    return Math.min(this.prefixLength(a) - a, p - b) + this.shared(a, b);
  }

  /** The entries of the head lists (and the tails) of the first n sorted tokens' values. */
  private entriesOf(k: number, n: number, withTail: boolean): number {
    let entries = 0;
    const sorted = this.sorted[k]!;
    for (let i = 0; i < n; i++) {
      if (i > 0 && sorted[i] === sorted[i - 1]) continue;
      entries += this.head.length(this.listOf(k, sorted[i]!));
      if (withTail) entries += this.tail.length(this.listOf(k, sorted[i]!));
    }
    return entries;
  }

  /**
   * The tokens that lists of a and b tokens whose texts' Jaccard reaches the threshold share at least:
   * t(a + b) / (1 + t), less one against rounding.
   */
  private shared(a: number, b: number): number {
    return Math.max(1, Math.floor((this.threshold * (a + b)) / (1 + this.threshold)) - 1);
  }

  /** α(n): the tokens a list of n tokens shares, at least, with one of any size that it reaches the threshold with. */
  private least(n: number): number {
    return Math.max(1, Math.floor(this.threshold * n) - 1);
  }

  /** The prefix of a list of n tokens that holds the first NEED tokens it shares with one it reaches the threshold with. */
  private prefixLength(n: number): number {
    return Math.min(n, n - this.least(n) + NEED);
  }

  /** The head of the index prefix of a list of n tokens: the first NEED tokens it shares with a partner of its size. */
  private headLength(n: number): number {
    return Math.min(this.prefixLength(n), n - this.shared(n, n) + NEED);
  }

  /** Writes part k's tokens (a hash list, not changed while in use) to `sorted[k]` as ranks, in the order, unless they are there. */
  private sort(k: number, hashes: ArrayLike<number>): void {
    if (this.sortedFrom[k] === hashes) return;
    this.sortedFrom[k] = hashes;
    if (this.sorted[k]!.length < hashes.length) this.sorted[k] = new Int32Array(Math.max(hashes.length, 2 * this.sorted[k]!.length));
    const rank = this.rank[k]!, all = this.sorted[k]!.subarray(0, hashes.length);
    for (let i = 0; i < hashes.length; i++) all[i] = rank[hashes[i]!]!;
    all.sort();
  }

  /** The list of the value at `rank` in part k's order (numbered by rank: one list per value all the same). */
  private listOf(k: number, rank: number): number {
    return (k << this.bits) | rank;
  }

  private room(slots: number): void {
    this.slots = Math.max(this.slots, slots);
    if (slots <= this.counts.length) return;
    const n = Math.max(slots, 2 * this.counts.length, 1024);
    this.counts = grow(this.counts, n);
    this.found = grow(this.found, n);
    this.sizes = grow(this.sizes, n * this.parts);
  }
}
