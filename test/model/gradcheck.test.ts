// The hand-written backward of every layer against central finite differences, in float64, on a tiny
// random model: LoRA factors on all projections (with and without dropout), DoRA's factors and magnitudes, every base
// weight (full fine-tuning, tied and untied embeddings), the score head; with sliding window, padding and packing.
import assert from 'node:assert/strict';
import type { Backend, DeviceBuffer } from '../../src/backend/backend.ts';
import { GRADCHECK, test, testBackend } from '../backend/device.ts';
import { causalLmBackward, classificationBackward } from '../../src/model/backward.ts';
import type { Batch } from '../../src/data/batch.ts';
import { collate } from '../../src/data/batch.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads, type Param } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';

const V = 37;

function tinyConfig(tie: boolean) {
  return parseConfig({
    model_type: 'mistral', vocab_size: V, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, head_dim: 6, rms_norm_eps: 1e-5, rope_theta: 10000,
    sliding_window: 5, tie_word_embeddings: tie, pad_token_id: 0,
  });
}

function randomRows(rng: Rng, lengths: number[], withLabels: boolean) {
  return lengths.map((len, i) => {
    const inputIds = Array.from({ length: len }, () => 1 + rng.below(V - 1));
    const labels = withLabels ? inputIds.map((t, j) => (j < 2 ? -100 : t)) : null;
    return { inputIds, labels, label: i % 3 };
  });
}

/** A batch with two samples packed into row 0 (segments 0 and 1, positions restarting) and a padded row 1. */
function packedBatch(rng: Rng): Batch {
  const b = collate(randomRows(rng, [9, 6], true), 0, 0);
  const T = b.T;
  for (let t = 5; t < T; t++) {
    b.segments[t] = 1;
    b.positions[t] = t - 5;
  }
  b.targets[4] = -100; // sample 0's last token does not predict sample 1's first
  b.targetCount = Array.from(b.targets).filter((x) => x !== -100).length;
  return b;
}

type Objective = () => number;

/** Writes one f64 element of a buffer through the backend interface. */
function poke(backend: Backend, buf: DeviceBuffer, i: number, x: number): void {
  backend.upload(buf, { dtype: 'f64', data: Float64Array.of(x) }, i);
}

/** Compares ∂L/∂θ from `backward` with central differences of `objective` at a few entries of each param. */
function checkParams(backend: Backend, params: Param[], objective: Objective, backward: () => void, rng: Rng): void {
  zeroGrads(backend, params);
  backward();
  const { h, abs, rel } = GRADCHECK;
  for (const p of params) {
    const value = backend.download(p.value);
    const grad = backend.download(p.grad);
    for (let trial = 0; trial < 4; trial++) {
      const i = rng.below(value.length);
      const orig = value[i]!;
      poke(backend, p.value, i, orig + h);
      const up = objective();
      poke(backend, p.value, i, orig - h);
      const down = objective();
      poke(backend, p.value, i, orig);
      const numeric = (up - down) / (2 * h);
      const analytic = grad[i]!;
      const tol = abs + rel * Math.max(Math.abs(numeric), Math.abs(analytic));
      assert.ok(Math.abs(numeric - analytic) <= tol, `${p.name}[${i}]: numeric ${numeric} vs analytic ${analytic}`);
    }
  }
}

function lmObjective(model: MistralModel, batch: Batch): Objective {
  // the training forward (dropout masks included, same seed) is the function being differentiated
  return () => causalLmBackward(model, batch, 0) / batch.targetCount;
}

function withRandomLoraB(model: MistralModel, rng: Rng): void {
  for (const layer of model.lora!.layers) {
    for (const pair of Object.values(layer)) {
      model.backend.upload(pair.B, { dtype: 'f64', data: Float64Array.from({ length: pair.B.length }, () => rng.normal() * 0.1) });
    }
  }
}

for (const dropout of [0, 0.3]) {
  test(`LoRA gradients on all projections, dropout ${dropout}`, () => {
    const backend = testBackend();
    const rng = new Rng(11);
    const model = createRandomModel(backend, tinyConfig(false), { seed: 1, std: 0.3, normStd: 0.1 }, 'f64');
    createAdapter(model, { r: 3, alpha: 6, dropout, targets: PROJECTIONS, useRslora: false }, rng, true);
    withRandomLoraB(model, rng);
    model.dropoutSeed = 42;
    const batch = packedBatch(rng);
    const params = model.trainableParams();
    assert.equal(params.length, 2 * 2 * PROJECTIONS.length);
    checkParams(backend, params, lmObjective(model, batch), () => causalLmBackward(model, batch, 1 / batch.targetCount), rng);
  });
}

for (const dropout of [0, 0.3]) {
  test(`DoRA gradients (A, B, magnitudes) on all projections, dropout ${dropout}, the norms held as PEFT detaches them`, () => {
    const backend = testBackend();
    const rng = new Rng(14);
    const model = createRandomModel(backend, tinyConfig(false), { seed: 4, std: 0.3, normStd: 0.1 }, 'f64');
    createAdapter(model, { r: 3, alpha: 6, dropout, targets: PROJECTIONS, useRslora: false, useDora: true }, rng, true);
    withRandomLoraB(model, rng);
    for (const layer of model.lora!.layers) {
      for (const pair of Object.values(layer)) {
        const m = backend.download(pair.dora!.magnitude);
        backend.upload(pair.dora!.magnitude, { dtype: 'f64', data: Float64Array.from(m, (v) => v * (1 + 0.2 * rng.normal())) });
      }
    }
    model.dropoutSeed = 42;
    const batch = packedBatch(rng);
    const params = model.trainableParams();
    assert.equal(params.length, 3 * 2 * PROJECTIONS.length);
    // the differences move A and B with the norms of the backward's forward kept (no gradient flows through them)
    const rowNorms = backend.rowNorms.bind(backend);
    const lm = lmObjective(model, batch);
    try {
      checkParams(backend, params, () => {
        backend.rowNorms = () => {};
        return lm();
      }, () => causalLmBackward(model, batch, 1 / batch.targetCount), rng);
    } finally {
      backend.rowNorms = rowNorms;
    }
  });
}

for (const tie of [false, true]) {
  test(`every base weight (full fine-tuning), ${tie ? 'tied' : 'untied'} embeddings`, () => {
    const backend = testBackend();
    const rng = new Rng(12);
    const model = createRandomModel(backend, tinyConfig(tie), { seed: 2, std: 0.3, normStd: 0.1 }, 'f64');
    model.enableBaseGrads();
    const batch = collate(randomRows(rng, [9, 7], true), 0, 0);
    const params = model.trainableParams();
    assert.equal(params.length, 1 + 2 * 9 + 1 + (tie ? 0 : 1));
    checkParams(backend, params, lmObjective(model, batch), () => causalLmBackward(model, batch, 1 / batch.targetCount), rng);
  });
}

test('classification: score head, LoRA and base gradients', () => {
  const backend = testBackend();
  const rng = new Rng(13);
  const model = createRandomModel(backend, tinyConfig(false), { seed: 3, std: 0.3, normStd: 0.1, numLabels: 3 }, 'f64');
  createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: true }, rng, true);
  withRandomLoraB(model, rng);
  model.setScoreHead(model.score!.weight, true);
  model.enableBaseGrads();
  const batch = collate(randomRows(rng, [9, 5, 7], false), 0, 0);
  const objective = (): number => classificationBackward(model, batch, 0) / batch.B;
  checkParams(backend, model.trainableParams(), objective, () => classificationBackward(model, batch, 1 / batch.B), rng);
});
