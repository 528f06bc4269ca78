// The near-duplicate index's posting lists of signature values (near-dedup.ts): for each (part, position, 8-bit
// value), the slots that hold that value there, and the counting over a query's shortest lists that finds the slots
// holding its values in enough positions. The index decides which slots are posted (those of crowded band buckets)
// and what a slot found this way must pass next.
import { IntLists } from './int-lists.ts';
import { grow } from './grow.ts';
import { SIG_SIZE } from './minhash.ts';

/** Which part a query counts, over how many of its positions (its m shortest lists), reading `cost` entries. */
export interface CountPlan { part: number; m: number; cost: number }

export class SignaturePostings {
  private readonly lists: IntLists;
  private posted = new Uint8Array(0);
  /** Per slot: how many of the counted lists hold it (zeroed by clear). */
  hits = new Uint8Array(0);
  /** The slots whose count reached the need, in the first n entries that tally returns. */
  ready = new Int32Array(0);
  private readonly byLength: Float64Array[]; // per part: a list's length · SIG_SIZE + its position
  /** The planned part's positions, shortest list first. */
  readonly positions = new Uint8Array(SIG_SIZE);

  constructor(private readonly maxParts: number) {
    this.lists = new IntLists(maxParts * SIG_SIZE * 256);
    this.byLength = Array.from({ length: maxParts }, () => new Float64Array(SIG_SIZE));
  }

  /** Room for `slots` slots. */
  growSlots(slots: number): void {
    if (this.posted.length >= slots) return;
    this.posted = grow(this.posted, slots);
    this.hits = grow(this.hits, slots);
    this.ready = grow(this.ready, slots);
  }

  /** Adds slot, once, to the lists of its values (`sigs`: every slot's parts' signatures, maxParts · SIG_SIZE bytes a slot). */
  post(slot: number, partCount: number, sigs: Uint8Array): void {
    if (this.posted[slot]) return;
    this.posted[slot] = 1;
    for (let k = 0; k < partCount; k++) {
      const base = (slot * this.maxParts + k) * SIG_SIZE;
      for (let i = 0; i < SIG_SIZE; i++) this.lists.push(this.listOf(k, i, sigs[base + i]!), slot);
    }
  }

  /**
   * The part of the query (`query8`: its parts' signatures) to count over its m shortest lists, the one whose lists
   * hold the fewest entries (positions sorted shortest list first into `positions`); null when that is over `budget`.
   */
  plan(query8: Uint8Array, nParts: number, m: number, budget: number): CountPlan | null {
    let part = -1, cost = budget;
    for (let k = 0; k < nParts; k++) {
      const order = this.byLength[k]!;
      for (let i = 0; i < SIG_SIZE; i++) order[i] = this.lists.length(this.listOf(k, i, query8[k * SIG_SIZE + i]!)) * SIG_SIZE + i;
      order.sort();
      let c = 0;
      for (let j = 0; j < m; j++) c += Math.floor(order[j]! / SIG_SIZE);
      if (c <= cost) [part, cost] = [k, c];
    }
    if (part < 0) return null;
    for (let j = 0; j < SIG_SIZE; j++) this.positions[j] = this.byLength[part]![j]! % SIG_SIZE;
    return { part, m, cost };
  }

  /** Counts the plan's lists into `hits`; returns n, the slots in `ready` that `need` of them or more hold. */
  tally({ part, m }: CountPlan, query8: Uint8Array, need: number): number {
    let n = 0;
    for (let j = 0; j < m; j++) n = this.lists.tally(this.queryList(part, j, query8), this.hits, need, this.ready, n);
    return n;
  }

  /** Zeroes the counts of tally: list by list while they hold few entries, else all of the first `slots` at once. */
  clear({ part, m, cost }: CountPlan, query8: Uint8Array, slots: number): void {
    if (cost * 8 < slots) for (let j = 0; j < m; j++) this.lists.clear(this.queryList(part, j, query8), this.hits);
    else this.hits.fill(0, 0, slots);
  }

  /** The list of the query's value at the j-th planned position of `part`. */
  private queryList(part: number, j: number, query8: Uint8Array): number {
    const i = this.positions[j]!;
    return this.listOf(part, i, query8[part * SIG_SIZE + i]!);
  }

  /** The posting list of value v at position i of part k. */
  private listOf(k: number, i: number, v: number): number {
    return (k * SIG_SIZE + i) * 256 + v;
  }
}
