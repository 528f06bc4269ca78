// Packing plan: which samples share a sequence of the batch. The packed batch itself (segments, restarting
// positions, targets that stop at each sample's end) is built by collatePacked in batch.ts.
import { UserError } from '../util/errors.ts';

/**
 * Greedy packing in the given order: consecutive samples share a sequence while their total length fits
 * in `seqLen`. Returns groups of indices into `lengths`, in order.
 */
export function planPacks(lengths: ArrayLike<number>, order: ArrayLike<number>, seqLen: number): number[][] {
  const packs: number[][] = [];
  let cur: number[] = [];
  let used = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const len = lengths[i]!;
    if (len > seqLen) throw new UserError(`sample ${i} has ${len} tokens, more than the packed sequence length ${seqLen} (tokenize with maxSeqLen ≤ ${seqLen})`);
    if (len === 0) throw new UserError(`sample ${i} has no tokens`);
    if (used + len > seqLen && cur.length > 0) {
      packs.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(i);
    used += len;
  }
  if (cur.length > 0) packs.push(cur);
  return packs;
}
