// HF's group_by_length order (transformers' get_length_grouped_indices, which its LengthGroupedSampler draws each epoch):
// the rows in torch.randperm(n) of the generator, cut into mega-batches of min(n / (4 · group), 50) groups (at least
// one), each sorted longest first (a stable sort: rows of one length keep the permutation's order), then the first row
// of the mega-batch whose first row is the longest (the first such) swapped with the first mega-batch's first row, so
// that the first batch holds the longest row and an out-of-memory shows at once. `group`: HF's batch size there, the
// rows of an optimizer step (per-device batch × gradient accumulation); the loader cuts the order into its batches.
import type { TorchCpuGenerator } from '../util/torch-randperm.ts';

export function lengthGroupedOrder(lengths: ArrayLike<number>, group: number, gen: TorchCpuGenerator): number[] {
  const n = lengths.length;
  const perm = gen.randperm(n);
  const megaSize = (Math.min(Math.floor(n / (group * 4)), 50) || 1) * group;
  const megas: number[][] = [];
  for (let s = 0; s < n; s += megaSize) megas.push(perm.slice(s, s + megaSize).sort((a, b) => lengths[b]! - lengths[a]!));
  let longest = 0;
  megas.forEach((m, k) => { if (lengths[m[0]!]! > lengths[megas[longest]![0]!]!) longest = k; });
  if (megas.length > 0) [megas[0]![0], megas[longest]![0]] = [megas[longest]![0]!, megas[0]![0]!];
  return megas.flat();
}
