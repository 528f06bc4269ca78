// Seeded, deterministic train/val/test assignment that stays put when records are added or removed. The unit
// is a group (records that duplicate each other, kept together under --dedup none; otherwise one record).
// Groups from a --val/--test file go to that split, and so do the input records of their group.
// How many records of each stratum (a class label, or one stratum) each split gets: strata laid end to end,
// each record in turn counts to the split furthest below its share so far — so every split gets its share
// within one record overall and within about one record per stratum (stratification by label) — except that a stratum
// too small to get a training record of its share (a class of one or two records) gets one, the others making up for it,
// and keeps one when its records are copies kept together (a group larger than its training share).
// Which records: every record has a draw in [0, 1) from its content and the seed (splitDraw). A stratum's
// groups are laid out by draw, and the lowest draws train, the next ones validate, the highest test. A
// record's split depends on where its draw falls among the others', not on the input order: appending records
// (or reordering the files) moves only the few records near a cut from one split to another, rather than
// reshuffling them all, so a test record of an earlier prepare does not become a training record of the next.
import { createHash } from 'node:crypto';

export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface SplitInput {
  /** Number of kept records. */
  n: number;
  /** Group of each record (the index of the group's first record); records of a group stay together. */
  group: Int32Array;
  /** Stratum of each record (e.g. the class index); 0 for all when not stratified. */
  stratum: Int32Array;
  /** Split forced by a --val/--test file (1 = val, 2 = test), or −1. */
  fixed: Int8Array;
  /** Shares of train, val, test for the records not fixed; the shares of splits given by files are ignored. */
  ratios: readonly [number, number, number];
  /** Splits provided by files (their shares are not used for input records). */
  provided: readonly [boolean, boolean, boolean];
  /** Each record's splitDraw; a group is placed by its first record's. */
  draw: Float64Array;
}

/** A record's draw in [0, 1) (53 bits) from its content hash (hex) and the split seed. */
export function splitDraw(contentHash: string, seed: number): number {
  const h = createHash('sha256').update(`${seed}:${contentHash}`).digest();
  return (h.readUInt32BE(0) * 2 ** 21 + (h.readUInt32BE(4) >>> 11)) / 2 ** 53;
}

/** The split index (0 train, 1 val, 2 test) of every record. */
export function assignSplits(s: SplitInput): Int8Array {
  const out = new Int8Array(s.n).fill(-1);
  const shares = inputShares(s.ratios, s.provided);

  // Groups: members in record order, and the split forced by a file member.
  const members = new Map<number, number[]>();
  for (let i = 0; i < s.n; i++) {
    const g = s.group[i]!;
    let m = members.get(g);
    if (!m) members.set(g, (m = []));
    m.push(i);
  }
  const free = new Map<number, number[]>(); // stratum → groups not forced
  for (const [g, m] of members) {
    const forced = m.find((i) => s.fixed[i]! >= 0);
    if (forced !== undefined) {
      for (const i of m) out[i] = s.fixed[i]! >= 0 ? s.fixed[i]! : s.fixed[forced]!;
      continue;
    }
    const st = s.stratum[m[0]!]!;
    let list = free.get(st);
    if (!list) free.set(st, (list = []));
    list.push(g);
  }

  const deal = new Dealer(shares);
  for (const st of [...free.keys()].sort((a, b) => a - b)) {
    const groups = free.get(st)!.sort((a, b) => s.draw[a]! - s.draw[b]! || a - b);
    let records = 0;
    for (const g of groups) records += members.get(g)!.length;
    const counts = deal.next(records);
    // The stratum's records laid out by draw: [0, counts[0]) train, then val, then test; a group goes where its middle falls.
    let at = 0;
    const ks = groups.map((g) => {
      const size = members.get(g)!.length;
      const middle = at + (size - 1) / 2;
      at += size;
      return middle < counts[0]! ? 0 : middle < counts[0]! + counts[1]! ? 1 : 2;
    });
    // a group larger than the stratum's training records (3 copies kept together, 1 to train) would leave it none,
    // whatever the dealer gave it: the first group (lowest draw) trains
    if (counts[0]! > 0 && !ks.includes(0)) ks[0] = 0;
    groups.forEach((g, j) => { for (const i of members.get(g)!) out[i] = ks[j]!; });
  }
  return out;
}

/** How many records of a --test file share their group with a --val file's record: copies kept (--dedup none) in both splits. */
export function testRecordsInVal(group: Int32Array, fixed: Int8Array): number {
  const inVal = new Set<number>();
  for (let i = 0; i < group.length; i++) if (fixed[i] === 1) inVal.add(group[i]!);
  let n = 0;
  for (let i = 0; i < group.length; i++) if (fixed[i] === 2 && inVal.has(group[i]!)) n++;
  return n;
}

/** Shares of train, val, test among the input records: a split given by a file takes none. */
function inputShares(ratios: readonly number[], provided: readonly boolean[]): number[] {
  const r = ratios.map((x, i) => (provided[i] ? 0 : x));
  const total = r.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [1, 0, 0]; // both val and test given: every input record trains
  return r.map((x) => x / total);
}

/** Deals records one at a time to the split furthest below its share of those dealt so far. */
class Dealer {
  private readonly assigned = [0, 0, 0];
  private dealt = 0;
  constructor(private readonly shares: readonly number[]) {}

  /** How many of the next `records` records each split gets. */
  next(records: number): number[] {
    const counts = [0, 0, 0];
    for (let r = 0; r < records; r++) {
      this.dealt++;
      let best = 0, bestDeficit = -Infinity;
      for (let k = 0; k < 3; k++) {
        if (this.shares[k] === 0) continue;
        const deficit = this.dealt * this.shares[k]! - this.assigned[k]!;
        if (deficit > bestDeficit + 1e-9) {
          best = k;
          bestDeficit = deficit;
        }
      }
      this.assigned[best]!++;
      counts[best]!++;
    }
    if (records > 0 && counts[0] === 0 && this.shares[0]! > 0) {
      // a stratum (class) this small would have no training record: the model would never learn the class and
      // every val/test record of it would score as an error. One of its records trains; later strata make up the share
      const from = counts[1]! >= counts[2]! ? 1 : 2;
      counts[from]!--;
      this.assigned[from]!--;
      counts[0]++;
      this.assigned[0]!++;
    }
    return counts;
  }
}
