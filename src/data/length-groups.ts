// HF's group_by_length order (transformers' get_length_grouped_indices, which its LengthGroupedSampler draws each epoch):
// the rows in torch.randperm(n) of the generator, cut into mega-batches of min(n / (4 · group), 50) groups (at least
// one), each sorted longest first (a stable sort: rows of one length keep the permutation's order), then the first row
// of the mega-batch whose first row is the longest (the first such) swapped with the first mega-batch's first row, so
// that the first batch holds the longest row and an out-of-memory shows at once. `group`: HF's batch size there, the
// rows of an optimizer step (per-device batch × gradient accumulation); the loader cuts the order into its batches.
// The mega-batches are sorted in place in the permutation (one Int32Array, no array per mega-batch or row).
import type { TorchCpuGenerator } from '../util/torch-randperm.ts';

export function lengthGroupedOrder(lengths: ArrayLike<number>, group: number, gen: TorchCpuGenerator): Int32Array {
  const n = lengths.length;
  const order = gen.randperm(n);
  const megaSize = (Math.min(Math.floor(n / (group * 4)), 50) || 1) * group;
  // a typed array's sort with a comparator is stable (ES2019 on), as Python's sorted is
  for (let s = 0; s < n; s += megaSize) order.subarray(s, s + megaSize).sort((a, b) => lengths[b]! - lengths[a]!);
  let longest = 0;
  for (let s = 0; s < n; s += megaSize) if (lengths[order[s]!]! > lengths[order[longest]!]!) longest = s;
  if (n > 0) [order[0], order[longest]] = [order[longest]!, order[0]!];
  return order;
}
