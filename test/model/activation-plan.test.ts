// What the activation plan holds: no LoRA dropout masks (the backward regenerates them from the seed:
// dropout costs one (N, in) scratch, not a mask per adapted projection per layer), and the
// classification head's scratch (a classification micro-batch allocates nothing), and no LM logits chunk in a plan
// for the classification head (a model that also gives token logits grows its plan to hold one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/select.ts';
import { causalLmBackward, classificationBackward, classificationBackwardInto } from '../../src/model/backward.ts';
import { LOGIT_ROWS } from '../../src/model/activations.ts';
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

test('classification plans hold no LM logits chunk: a classification step and its evaluation peak lower by the chunks, and the same model still gives token losses', () => {
  const wide = parseConfig({
    model_type: 'mistral', vocab_size: 4000, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, sliding_window: null, tie_word_embeddings: false, pad_token_id: 0,
  });
  const rng = new Rng(5);
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ inputIds: Array.from({ length: 5 + i }, () => 1 + rng.below(3999)), label: i % 3 }));
  const train = collate(rows(4), 0, 0), evalBatch = collate(rows(8), 0, 0);
  const run = (head: 'lm' | 'classification') => {
    const backend = createBackend('cpu');
    let peak = 0;
    const alloc = backend.alloc.bind(backend);
    backend.alloc = (...args: Parameters<Backend['alloc']>) => {
      const buf = alloc(...args);
      peak = Math.max(peak, backend.bytesInUse());
      return buf;
    };
    const model = createRandomModel(backend, wide, { seed: 2, std: 0.1, normStd: 0.1, numLabels: 3 });
    createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(2), true);
    model.setScoreHead(model.score!.weight, true);
    const base = backend.bytesInUse();
    if (head === 'lm') {
      causalLmBackward(model, train, 1 / train.targetCount);
      model.loss(evalBatch);
    } else {
      classificationBackward(model, train, 1 / train.B);
      model.classLogits(evalBatch); // larger than the training plan: a plan of its own
    }
    return { model, peak: peak - base };
  };
  const lm = run('lm'), cls = run('classification');
  const V = wide.vocabSize, chunks = (Math.min(train.B * train.T, LOGIT_ROWS) + Math.min(evalBatch.B * evalBatch.T, LOGIT_ROWS)) * V * 4;
  console.log(`peak over a step and an evaluation: LM ${lm.peak} B, classification ${cls.peak} B; the two logits chunks ${chunks} B`);
  // both plans hold the score head's scratch (the model has one); the LM's add the (rows, V) chunks (f32: no dlogits)
  assert.equal(lm.peak - cls.peak, chunks);
  // a library caller's token loss on the classification model: its plans grow the chunk, and the loss is the LM model's
  const fresh = run('lm').model;
  assert.deepEqual(cls.model.loss(train), fresh.loss(train));
  assert.equal(causalLmBackward(cls.model, train, 1 / train.targetCount), causalLmBackward(fresh, train, 1 / train.targetCount));
});

test('bf16: a token-loss backward on a model with a classification head is the one without a head (its plan holds the bf16 dlogits)', () => {
  const rng = new Rng(7);
  const batch = collate(Array.from({ length: 3 }, (_, i) => ({ inputIds: Array.from({ length: 7 + i }, () => 1 + rng.below(49)) })), 0, 0);
  const grads = (numLabels: number) => {
    const backend = createBackend('cpu');
    const model = createRandomModel(backend, cfg, { seed: 4, std: 0.1, normStd: 0.1, ...(numLabels > 0 ? { numLabels } : {}) }, 'bf16');
    createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'down_proj'], useRslora: false }, new Rng(4), true);
    const loss = causalLmBackward(model, batch, 1 / batch.targetCount);
    const lora = model.trainableParams().filter((p) => p.name.includes('lora_'));
    return { loss, grads: lora.map((p) => Array.from(backend.download(p.grad))), dlogits: model.activations(batch.B, batch.T, true).grads!.dlogits !== null };
  };
  const plain = grads(0), headed = grads(3);
  assert.ok(plain.dlogits && headed.dlogits, 'both LM plans hold the bf16 dlogits');
  assert.equal(headed.loss, plain.loss);
  assert.deepEqual(headed.grads, plain.grads);
});
