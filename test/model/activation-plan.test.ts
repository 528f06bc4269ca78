// What the activation plan holds: no LoRA dropout masks (the backward regenerates them from the seed:
// dropout costs one (N, in) scratch, not a mask per adapted projection per layer), and the
// classification head's scratch (a classification micro-batch allocates nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/select.ts';
import { classificationBackwardInto } from '../../src/model/backward.ts';
import { collate } from '../../src/data/batch.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';

const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 50, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 3,
  num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, sliding_window: null, tie_word_embeddings: false, pad_token_id: 0,
});

test('LoRA dropout adds one (N, in) scratch to the training plan, no stored masks', () => {
  const B = 2, T = 16, N = B * T;
  const planBytes = (dropout: number): number => {
    const model = createRandomModel(createBackend('cpu'), cfg, { seed: 1, std: 0.1, normStd: 0.1 });
    createAdapter(model, { r: 4, alpha: 8, dropout, targets: PROJECTIONS, useRslora: false }, new Rng(1), true);
    return model.activations(B, T, true).bytes;
  };
  const maxIn = cfg.intermediateSize; // down_proj's input is the widest
  const masks = cfg.numLayers * N * 4 * (4 * cfg.hiddenSize + cfg.numHeads * cfg.headDim + 2 * cfg.hiddenSize + cfg.intermediateSize);
  const extra = planBytes(0.1) - planBytes(0);
  console.log(`dropout 0.1 adds ${extra} B to the plan (stored f32 masks would add ${masks} B more)`);
  assert.equal(extra, N * (maxIn - 1) * 4);
});

test('a classification micro-batch allocates nothing: its scratch is in the plan', () => {
  const backend = createBackend('cpu');
  let allocs = 0;
  const alloc = backend.alloc.bind(backend);
  backend.alloc = (...args: Parameters<Backend['alloc']>) => (allocs++, alloc(...args));
  const model = createRandomModel(backend, cfg, { seed: 2, std: 0.1, normStd: 0.1, numLabels: 3 });
  createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(2), true);
  model.setScoreHead(model.score!.weight, true);
  const rng = new Rng(3);
  const batch = (n: number) => collate(Array.from({ length: n }, (_, i) => ({ inputIds: Array.from({ length: 6 + i }, () => 1 + rng.below(49)), label: i % 3 })), 0, 0);
  model.activations(4, 12, true);
  const lossSum = backend.alloc('f64', 1); // the step's device scalar, allocated once by the trainer
  const before = allocs, bytes = backend.bytesInUse();
  for (const b of [batch(4), batch(3), batch(2)]) classificationBackwardInto(model, b, 1 / b.B, lossSum);
  assert.equal(allocs - before, 0, 'allocations during three classification micro-batches');
  assert.equal(backend.bytesInUse(), bytes);
});
