// Packing plan: which samples share a sequence of the batch. The packed batch itself (segments, restarting
// positions, targets that stop at each sample's end) is built by collatePacked in batch.ts. packBestFit is TRL's
// packing (its pack_dataset's default "bfd" strategy, as SFTTrainer(packing=True) packs), which the loader packs a
// run's rows with once; packsOf keeps those packs, so that train's set-up (its batch size, memory-plan.ts) and the
// loader pack a run's rows once between them.
import type { TokenRow } from './batch.ts';
import { UserError } from '../util/errors.ts';

/** Rows TRL packs together at most: datasets' map hands its packing function batches of 1000 rows (its default batch_size). */
export const BEST_FIT_CHUNK = 1000;

/**
 * TRL's best-fit-decreasing packing (trl/data_utils.py _pack_bfd, for each 1000 rows in order): a chunk's rows longest
 * first (a stable sort: rows of one length in order), each into the pack whose free space is the least that holds it
 * (of packs with that space, the one that got it first), else into a new pack. Packs in the order they were opened,
 * each its rows in the order they went in. Every length must be in [1, seqLen].
 */
export function packBestFit(lengths: ArrayLike<number>, seqLen: number): number[][] {
  if (!(Number.isInteger(seqLen) && seqLen >= 1)) throw new UserError(`pack length must be an integer ≥ 1, got ${seqLen}`);
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    if (len > seqLen) throw new UserError(`sample ${i} has ${len} tokens, more than the packed sequence length ${seqLen} (tokenize with maxSeqLen ≤ ${seqLen})`);
    if (len === 0) throw new UserError(`sample ${i} has no tokens`);
  }
  const packs: number[][] = [];
  for (let start = 0; start < lengths.length; start += BEST_FIT_CHUNK) {
    const end = Math.min(lengths.length, start + BEST_FIT_CHUNK);
    const rows = Array.from({ length: end - start }, (_, k) => start + k).sort((a, b) => lengths[b]! - lengths[a]!);
    const spaces = new FreeSpaces(seqLen);
    const withSpace = new Map<number, number[][]>(); // free space → the packs with it, in the order they got it
    for (const i of rows) {
      const len = lengths[i]!;
      const space = spaces.leastAtLeast(len);
      let pack: number[];
      if (space < seqLen) {
        const queue = withSpace.get(space)!;
        pack = queue.shift()!;
        if (queue.length === 0) spaces.remove(space);
      } else {
        pack = [];
        packs.push(pack);
      }
      pack.push(i);
      const left = space - len;
      if (left > 0) {
        const queue = withSpace.get(left);
        if (queue) queue.push(pack);
        else withSpace.set(left, [pack]);
        spaces.add(left);
      }
    }
  }
  return packs;
}

/** The packs packsOf made last of a rows array, and the lengths and pack length they were made of. */
interface KeptPacks {
  seqLen: number;
  lengths: Int32Array;
  packs: readonly (readonly number[])[];
}

const keptPacks = new WeakMap<readonly TokenRow[], KeptPacks>();

/**
 * packBestFit of the rows' lengths, made once for a rows array and pack length and kept while the array lives: a run's
 * set-up (trainBatchRows) and its loader ask for the same packs, which take a tenth of a second per 100,000 rows. The
 * packs follow from the lengths alone, so a row whose length changed since (an array edited in place) makes them anew.
 */
export function packsOf(rows: readonly TokenRow[], seqLen: number): readonly (readonly number[])[] {
  const lengths = Int32Array.from(rows, (r) => r.inputIds.length);
  const kept = keptPacks.get(rows);
  if (kept !== undefined && kept.seqLen === seqLen && sameLengths(kept.lengths, lengths)) return kept.packs;
  const packs = packBestFit(lengths, seqLen);
  keptPacks.set(rows, { seqLen, lengths, packs });
  return packs;
}

function sameLengths(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The free spaces packs have, 1 … max (max always present: a new pack), as TRL's _SegmentTree answers for them: the
 * least space ≥ n. A sorted list of the distinct spaces (at most a chunk's rows), not a tree over every space up to
 * max, which a max_seq_len of 10^12 could not allocate.
 */
class FreeSpaces {
  private readonly spaces: number[];

  constructor(private readonly max: number) {
    this.spaces = [max];
  }

  add(space: number): void {
    const k = this.at(space);
    if (this.spaces[k] !== space) this.spaces.splice(k, 0, space);
  }

  remove(space: number): void {
    const k = this.at(space);
    if (space !== this.max && this.spaces[k] === space) this.spaces.splice(k, 1);
  }

  /** The least space present that is ≥ n (max when no pack has one). */
  leastAtLeast(n: number): number {
    return this.spaces[this.at(n)]!;
  }

  /** The index of the first space ≥ n. */
  private at(n: number): number {
    let lo = 0, hi = this.spaces.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.spaces[mid]! < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
