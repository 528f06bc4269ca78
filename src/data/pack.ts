// Packing: several samples in one sequence of the batch. Each sample gets its own segment id (0, 1, 2…
// within the row; −1 for padding), its positions restart at 0, and its next-token targets stop at its own
// last token, so no sample attends to or predicts another (attention masks by segment, as the kernels do).
import { IGNORE_INDEX, checkBatch, type Batch, type RowLimits, type TokenRow } from '../model/batch.ts';
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

/**
 * A batch of packed sequences: row b holds the samples of `packs[b]` back to back, padded with `padId` to
 * T (default: the longest row). Classification rows cannot be packed (one score per row). Every sample
 * is checked against `limits` as collate checks its rows.
 */
export function collatePacked(packs: readonly (readonly TokenRow[])[], padId: number, T?: number, limits: RowLimits = {}): Batch {
  const B = packs.length;
  if (B === 0) throw new Error('collatePacked: no sequences');
  checkBatch(packs.flat(), padId, limits, 'sample');
  const lengths = packs.map((p) => p.reduce((a, r) => a + r.inputIds.length, 0));
  const width = T ?? Math.max(...lengths);
  const inputIds = new Int32Array(B * width).fill(padId);
  const positions = new Int32Array(B * width);
  const segments = new Int32Array(B * width).fill(-1);
  const targets = new Int32Array(B * width).fill(IGNORE_INDEX);
  const scoreIndex = new Int32Array(B);
  let targetCount = 0;
  for (let b = 0; b < B; b++) {
    if (lengths[b]! > width) throw new UserError(`packed sequence ${b} has ${lengths[b]} tokens, more than T = ${width}`);
    let o = b * width;
    packs[b]!.forEach((row, s) => {
      if (row.label !== undefined) throw new UserError('classification rows cannot be packed (the head scores one token per sequence)');
      const { inputIds: ids, labels } = row;
      const len = ids.length;
      if (labels && labels.length !== len) throw new UserError(`a row's labels have ${labels.length} entries but its input_ids ${len}`);
      for (let t = 0; t < len; t++) {
        inputIds[o + t] = ids[t]!;
        positions[o + t] = t;
        segments[o + t] = s;
        if (t + 1 < len) {
          const y = labels ? labels[t + 1]! : ids[t + 1]!;
          targets[o + t] = y;
          if (y !== IGNORE_INDEX) targetCount++;
        }
      }
      o += len;
    });
    // Padding positions count on from the last sample (they are masked; any value works).
    const end = b * width + lengths[b]!;
    for (let t = end; t < (b + 1) * width; t++) positions[t] = t - b * width;
    scoreIndex[b] = end - 1;
  }
  return { B, T: width, inputIds, positions, segments, targets, scoreIndex, classLabels: null, targetCount };
}
