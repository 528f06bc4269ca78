// trainBatchRows, the largest packed batch a run draws, is planned epoch by epoch as the loader plans them; tiny data
// with many shuffled epochs (3 examples, batch_size 64, epochs 100000) planned every one of them, at every call. It now
// stops at the first epoch that reaches the most any order can pack, and plans none past MAX_BATCH_PLAN_ROWS, taking
// that most instead: a bound on what the loader draws either way.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRow } from '../../src/data/batch.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { MAX_BATCH_PLAN_ROWS, trainBatchRows } from '../../src/train/memory-plan.ts';

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

/** trainBatchRows and the epochs the loader planned for it. */
function planned(cfg: TrainConfig, train: readonly TokenRow[]): { rows: number; epochs: number } {
  const nextEpoch = mock.method(DataLoader.prototype as unknown as { nextEpoch(): void }, 'nextEpoch');
  try {
    return { rows: trainBatchRows(cfg, train), epochs: nextEpoch.mock.callCount() };
  } finally {
    nextEpoch.mock.restore();
  }
}

test('3 tiny examples, batch_size 64, 100000 shuffled epochs: planning stops at the first epoch, whose 3 packs no epoch passes', () => {
  const train = rowsOf([3, 4, 5]); // 3 packs of 5 in any order: the first epoch (the loader's own) has them
  const cfg = config({ max_seq_len: 5, epochs: 100_000 });
  assert.deepEqual(planned(cfg, train), { rows: 3, epochs: 0 });
  assert.ok(drawn(cfg, train, 50) <= 3);
});

test('where no order reaches the most packBounds allows, epochs past MAX_BATCH_PLAN_ROWS are not planned: that most is taken', () => {
  const train = rowsOf([2, 2, 2, 2, 1]); // next-fit makes 3 packs of 4 of any order; packBounds' most is 5
  const few = config({ max_seq_len: 4, epochs: 100 });
  assert.deepEqual(planned(few, train), { rows: 3, epochs: 99 }, 'affordable: planned, exact');
  for (const extra of [{ epochs: MAX_BATCH_PLAN_ROWS }, { max_steps: 1e12 }]) {
    const cfg = config({ max_seq_len: 4, ...extra });
    assert.deepEqual(planned(cfg, train), { rows: 5, epochs: 0 }, JSON.stringify(extra));
    assert.ok(drawn(cfg, train, 50) <= 5);
  }
});
