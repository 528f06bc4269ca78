// Micro-batches of an epoch: file order, or a seeded shuffle per epoch (seed + epoch), chunked by
// batch_size; the last batch of an epoch may be short.
import type { TokenRow } from '../model/batch.ts';
import { Rng } from '../util/rng.ts';

export function epochBatches(rows: readonly TokenRow[], batchSize: number, shuffle: boolean, seed: number, epoch: number): TokenRow[][] {
  const order = rows.map((_, i) => i);
  if (shuffle) new Rng(seed * 1000003 + epoch).shuffle(order);
  const out: TokenRow[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize).map((j) => rows[j]!));
  return out;
}
