// Activation plans: an evaluation batch never enlarges the training plan, and a forward for evaluation
// that reuses the training plan runs without LoRA dropout (PEFT's eval()).
import assert from 'node:assert/strict';
import { test, testBackend } from '../backend/device.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY_BASE } from '../helpers.ts';

const rng = new Rng(4);
const row = (n: number) => ({ inputIds: [1, ...Array.from({ length: n - 1 }, () => 3 + rng.below(500))] });

test('a larger evaluation batch gets its own plan; the training plan keeps its capacity', () => {
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  const train = model.activations(2, 16, true);
  const before = train.bytes;
  model.loss(collate(Array.from({ length: 8 }, () => row(20)), 0, 0));
  const again = model.activations(2, 16, true);
  assert.equal(again, train);
  assert.equal(again.bytes, before);
  assert.deepEqual([again.capacity.B, again.capacity.T], [2, 16]);
  // a smaller evaluation batch reuses the training plan
  assert.equal(model.activations(1, 10, false), train);
});

test('evaluation through the training plan has no LoRA dropout', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  createAdapter(model, { r: 4, alpha: 8, dropout: 0.5, targets: PROJECTIONS, useRslora: false }, new Rng(1), true);
  for (const layer of model.lora!.layers) {
    for (const pair of Object.values(layer)) backend.upload(pair.B, { dtype: 'f32', data: Float32Array.from({ length: pair.B.length }, () => rng.normal() * 0.1) });
  }
  const batch = collate([row(12), row(9)], 0, 0);
  const fresh = model.loss(batch);
  model.releaseActivations();
  model.dropoutSeed = 3;
  causalLmBackward(model, batch, 0); // leaves a training plan with dropout masks
  const viaTrainingPlan = model.loss(batch);
  assert.equal(viaTrainingPlan.sum, fresh.sum);
});
