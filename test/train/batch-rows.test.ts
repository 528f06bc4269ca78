// trainBatchRows, the largest packed batch a run draws: the rows are packed once (TRL's best fit, pack.ts), so every
// epoch batches the same packs and its first batch is the fullest — min(batch_size, packs), whatever the epochs
// (3 examples, batch_size 64, epochs 100000 once planned every epoch, at every call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRow } from '../../src/data/batch.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { packBestFit, packsOf } from '../../src/data/pack.ts';
import { trainBatchRows } from '../../src/train/memory-plan.ts';

const config = (extra: Record<string, unknown>): TrainConfig => validate({
  model: { config: { model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 }, init: 'random' },
  data: { train: 'train.jsonl' }, device: 'cpu', packing: true, shuffle: true, batch_size: 64, eval: { samples: 0 }, output_dir: 'run', ...extra,
}, 'test');
const rowsOf = (lengths: number[]): TokenRow[] => lengths.map((n) => ({ inputIds: Array.from({ length: n }, (_, i) => 1 + i) }));

/** The rows of the largest batch a loader of this config draws over `epochs` epochs. */
function drawn(cfg: TrainConfig, train: readonly TokenRow[], epochs: number): number {
  const loader = new DataLoader(train, { batchSize: cfg.batch_size, shuffle: cfg.shuffle, seed: cfg.seed, groupByLength: cfg.group_by_length, groupSize: cfg.batch_size * cfg.grad_accum, packLength: cfg.max_seq_len });
  let most = 0;
  for (let i = 0; i < epochs * loader.epochBatches; i++) most = Math.max(most, loader.next().batch.B);
  return most;
}

test('the largest packed batch is the packs best fit makes, or batch_size: what the loader draws in every epoch, however many epochs', () => {
  for (const [lengths, seqLen, batch, rows] of [
    [[3, 4, 5], 5, 64, 3], // 3 packs of 5: no two fit together
    [[2, 2, 2, 2, 1], 4, 64, 3], // [2, 2], [2, 2], [1]
    [[2, 2, 2, 2, 1], 4, 2, 2],
    [[1, 1, 1, 1, 1, 1, 1, 1], 8, 64, 1],
  ] as const) {
    for (const extra of [{ epochs: 100_000 }, { max_steps: 1e12 }, { epochs: 3, group_by_length: true }]) {
      const cfg = config({ max_seq_len: seqLen, batch_size: batch, ...extra });
      const train = rowsOf([...lengths]);
      assert.equal(trainBatchRows(cfg, train), rows, `${lengths} in ${seqLen}, ${JSON.stringify(extra)}`);
      assert.equal(drawn(cfg, train, 5), rows);
    }
  }
});

test('packed once: the loader takes the packs trainBatchRows made, and draws the batches a fresh packing gives; a row of another length repacks', () => {
  const cfg = config({ max_seq_len: 16, batch_size: 4, epochs: 2 });
  const lengths = Array.from({ length: 2500 }, (_, i) => 1 + ((i * 7919) % 16)); // past one 1000-row chunk of TRL's packing
  const train = rowsOf(lengths);
  const packs = packsOf(train, 16);
  assert.equal(trainBatchRows(cfg, train), 4);
  assert.equal(packsOf(train, 16), packs, 'trainBatchRows and a second ask reuse the packs made first');
  assert.deepEqual(packs, packBestFit(lengths, 16));
  // the same batches, batch for batch, as a loader over a copy of the rows (which packs them anew)
  const batches = (rows: readonly TokenRow[]) => {
    const loader = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 3, packLength: 16 });
    return Array.from({ length: 2 * loader.epochBatches }, () => loader.next());
  };
  assert.deepEqual(batches(train), batches([...train]));
  assert.deepEqual(packsOf(train, 32), packBestFit(lengths, 32), 'another pack length packs anew');
  const edited = rowsOf(lengths);
  const before = packsOf(edited, 16);
  edited[0] = { inputIds: [1, 2, 3, 4, 5] }; // a row replaced in place, of another length
  assert.notEqual(packsOf(edited, 16), before);
  assert.deepEqual(packsOf(edited, 16), packBestFit([5, ...lengths.slice(1)], 16));
});
