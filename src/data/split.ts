// Seeded, deterministic train/val/test assignment. The unit is a group (records that duplicate each
// other, kept together under --dedup none; otherwise one record). Groups from a --val/--test file go to
// that split, and so do the input records of their group. The other groups are shuffled within each
// stratum (a class label, or one stratum), strata are laid end to end, and each group in turn goes to
// the split furthest below its share so far — so every split gets its share within one record overall
// and within about one record per stratum (stratification by label).
import { Rng } from '../util/rng.ts';

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
  seed: number;
}

/** The split index (0 train, 1 val, 2 test) of every record. */
export function assignSplits(s: SplitInput): Int8Array {
  const out = new Int8Array(s.n).fill(-1);
  const ratios = s.ratios.map((r, i) => (s.provided[i] ? 0 : r));
  const total = ratios.reduce((a, b) => a + b, 0);
  if (!(total > 0)) ratios.splice(0, 3, 1, 0, 0); // both val and test given: every input record trains
  const shares = ratios.map((r) => r / (total > 0 ? total : 1));

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

  const rng = new Rng(s.seed);
  const assigned = [0, 0, 0];
  let dealt = 0;
  for (const st of [...free.keys()].sort((a, b) => a - b)) {
    const groups = rng.shuffle(free.get(st)!);
    for (const g of groups) {
      const m = members.get(g)!;
      dealt += m.length;
      let best = 0, bestDeficit = -Infinity;
      for (let k = 0; k < 3; k++) {
        if (shares[k] === 0) continue;
        const deficit = dealt * shares[k]! - assigned[k]!;
        if (deficit > bestDeficit + 1e-9) {
          best = k;
          bestDeficit = deficit;
        }
      }
      assigned[best]! += m.length;
      for (const i of m) out[i] = best;
    }
  }
  return out;
}
