// Many append-only lists of ints, numbered 0…n−1, in chunks of one shared typed array. A list's chunks double
// in size from 32 to 1,024 values, so that a long list is read in a few stretches of memory and a short one
// wastes little (4 bytes a value, and about 2 more in the chunks' free ends as the near-duplicate index fills
// them). That index keeps one list per (part, signature position, value), of the records that hold that value
// there, and its ShingleBound one per (part, shingle hash) and (part, size); both count over several lists at once.
import { UserError } from '../util/errors.ts';
import { grow } from './grow.ts';

const FIRST = 5; // a list's first chunk holds 2^FIRST values, each next one twice as many, up to 2^LAST
const LAST = 10;
/** Ints the shared array may hold: a chunk's start is an Int32 (in head, tail and the chunk before), so past this it would wrap. */
export const MAX_INTS = 2 ** 31 - 1;

/**
 * The error of a near-duplicate index that has no room for more entries (band buckets, posting lists): IntLists
 * and IntMultiMap store their positions in 32-bit ints, and throw this before one would wrap.
 */
export function nearDedupIndexFull(limit: number): UserError {
  return new UserError(
    `too many near-duplicate band entries: the near-dedup index holds at most ${limit.toLocaleString('en-US')} (its positions are 32-bit ints); `
      + `split the data into smaller inputs and prepare each apart (near duplicates across them are then not found), or look for exact duplicates only (--dedup exact, options.dedup 'exact')`,
    'near-dedup',
  );
}

export class IntLists {
  private pool = new Int32Array(1 << 16);
  private used = 0;
  private head: Int32Array; // where each list's first chunk starts (its values follow a slot for the next chunk's start)
  private tail: Int32Array; // where its last chunk starts
  private tailBits: Uint8Array; // its last chunk holds 2^tailBits values
  private free: Int32Array; // of which this many are still free
  private len: Int32Array;
  private chunks = new Int32Array(64); // forEachNewestFirst's chunk starts

  /** `capacity`: the most ints the chunks may take in all (their values and a link each); a push past it throws nearDedupIndexFull. */
  constructor(lists: number, private readonly capacity = MAX_INTS) {
    this.head = new Int32Array(lists).fill(-1);
    this.tail = new Int32Array(lists).fill(-1);
    this.tailBits = new Uint8Array(lists);
    this.free = new Int32Array(lists);
    this.len = new Int32Array(lists);
  }

  /** How many lists there are room for. */
  get lists(): number {
    return this.len.length;
  }

  /** Makes room for `lists` lists (at least), the new ones empty. */
  reserve(lists: number): void {
    if (lists <= this.len.length) return;
    const n = Math.max(lists, 2 * this.len.length);
    this.head = grow(this.head, n).fill(-1, this.len.length);
    this.tail = grow(this.tail, n).fill(-1, this.len.length);
    this.tailBits = grow(this.tailBits, n);
    this.free = grow(this.free, n);
    this.len = grow(this.len, n);
  }

  length(list: number): number {
    return this.len[list]!;
  }

  push(list: number, value: number): void {
    if (this.free[list] === 0) {
      const first = this.len[list] === 0;
      const k = first ? FIRST : Math.min(LAST, this.tailBits[list]! + 1);
      if (this.used + 1 + (1 << k) > this.capacity) throw nearDedupIndexFull(this.capacity);
      while (this.used + 1 + (1 << k) > this.pool.length) this.pool = grow(this.pool, Math.min(2 * this.pool.length, this.capacity));
      const c = this.used;
      this.used += 1 + (1 << k);
      this.pool[c] = -1;
      if (first) this.head[list] = c;
      else this.pool[this.tail[list]!] = c;
      this.tail[list] = c;
      this.tailBits[list] = k;
      this.free[list] = 1 << k;
    }
    this.pool[this.tail[list]! + 1 + (1 << this.tailBits[list]!) - this.free[list]!--] = value;
    this.len[list]!++;
  }

  /**
   * Adds 1 to counts[v] for each value v of the list, writing v to ready[n], n + 1… when its count reaches `need`
   * (≤ 255 for 8-bit counts); returns the new n. Over several lists, counts[v] is how many of them hold v; `clear`
   * each of them afterwards to count afresh. (An increment with a branch that is rarely taken: testing whether a count left
   * 0, to list the values touched, cost twice as much on random slots as this and the second pass.)
   */
  tally(list: number, counts: Uint8Array | Int32Array, need: number, ready: Int32Array, n: number): number {
    const pool = this.pool;
    let left = this.len[list]!, k = FIRST;
    for (let c = this.head[list]!; left > 0; c = pool[c]!) {
      const end = c + 1 + Math.min(left, 1 << k);
      let i = c + 1;
      for (; i + 4 <= end; i += 4) { // 4 at a time: about 1.5 times as fast
        const v0 = pool[i]!, v1 = pool[i + 1]!, v2 = pool[i + 2]!, v3 = pool[i + 3]!;
        if (++counts[v0]! === need) ready[n++] = v0;
        if (++counts[v1]! === need) ready[n++] = v1;
        if (++counts[v2]! === need) ready[n++] = v2;
        if (++counts[v3]! === need) ready[n++] = v3;
      }
      for (; i < end; i++) {
        const v = pool[i]!;
        if (++counts[v]! === need) ready[n++] = v;
      }
      left -= 1 << k;
      if (k < LAST) k++;
    }
    return n;
  }

  /** Calls fn with each value of the list, in the order pushed. */
  forEach(list: number, fn: (value: number) => void): void {
    const pool = this.pool;
    let left = this.len[list]!, k = FIRST;
    for (let c = this.head[list]!; left > 0; c = pool[c]!) {
      const end = c + 1 + Math.min(left, 1 << k);
      for (let i = c + 1; i < end; i++) fn(pool[i]!);
      left -= 1 << k;
      if (k < LAST) k++;
    }
  }

  /** Calls fn with each value of the list, the last pushed first; values pushed while it runs are not among them. */
  forEachNewestFirst(list: number, fn: (value: number) => void): void {
    const pool = this.pool;
    const len = this.len[list]!;
    let chunks = 0, left = len, k = FIRST;
    for (let c = this.head[list]!; left > 0; c = pool[c]!) {
      if (chunks === this.chunks.length) this.chunks = grow(this.chunks);
      this.chunks[chunks++] = c;
      left -= 1 << k;
      if (k < LAST) k++;
    }
    const starts = this.chunks.slice(0, chunks); // fn may push to a list (this one too), and so use this.chunks
    // chunk j holds 2^min(LAST, FIRST + j) values, the last as many as are left
    let before = 0;
    for (let j = 0; j < chunks - 1; j++) before += 1 << Math.min(LAST, FIRST + j);
    for (let j = chunks - 1; j >= 0; j--) {
      const c = starts[j]!;
      for (let i = c + Math.min(len - before, 1 << Math.min(LAST, FIRST + j)); i > c; i--) fn(pool[i]!);
      if (j > 0) before -= 1 << Math.min(LAST, FIRST + j - 1);
    }
  }

  /** Sets counts[v] to 0 for each value v of the list. */
  clear(list: number, counts: Uint8Array | Int32Array): void {
    const pool = this.pool;
    let left = this.len[list]!, k = FIRST;
    for (let c = this.head[list]!; left > 0; c = pool[c]!) {
      const end = c + 1 + Math.min(left, 1 << k);
      for (let i = c + 1; i < end; i++) counts[pool[i]!] = 0;
      left -= 1 << k;
      if (k < LAST) k++;
    }
  }
}
