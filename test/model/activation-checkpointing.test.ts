// Activation checkpointing: the backward that recomputes each decoder layer from its saved input gives
// the losses and gradients of the backward that kept every layer's activations (≤ 1e-6 relative; LoRA
// with dropout, whose masks are regenerated from the seed, full fine-tuning, classification, fp32 and
// bf16; DoRA), in a smaller activation plan, without redoing the down projection's product (but with DoRA, whose
// magnitude's gradient reads that projection's output before its scaling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../src/backend/select.ts';
import type { DType } from '../../src/backend/dtype.ts';
import { causalLmBackward, classificationBackward } from '../../src/model/backward.ts';
import { collate, type Batch } from '../../src/data/batch.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';
import { relErr } from '../helpers.ts';

const V = 61;
const cfg = parseConfig({
  model_type: 'mistral', vocab_size: V, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 3,
  num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, rms_norm_eps: 1e-5, rope_theta: 10000,
  sliding_window: 6, tie_word_embeddings: false, pad_token_id: 0,
});

function batchOf(rng: Rng, lengths: number[]): Batch {
  return collate(lengths.map((len, i) => {
    const inputIds = Array.from({ length: len }, () => 1 + rng.below(V - 1));
    return { inputIds, labels: inputIds.map((t, j) => (j < 2 ? -100 : t)), label: i % 3 };
  }), 0, 0);
}

interface Pass { loss: number; grads: Float64Array; planBytes: number; downProducts: number }

/** Two micro-batches of backward (different dropout seeds) with checkpointing on or off. */
function run(model: MistralModel, checkpoint: boolean, classification: boolean, batches: Batch[]): Pass {
  model.setActivationCheckpointing(checkpoint);
  const params = model.trainableParams();
  zeroGrads(model.backend, params);
  let loss = 0;
  // the forward products of the down projection (x·Wᵀ): the recomputation skips them (the layer's output is kept)
  const be = model.backend, gemm = be.gemm.bind(be), down = new Set(model.layers.map((l) => l.proj.down_proj.weight));
  let downProducts = 0;
  be.gemm = (c, a, b, spec, addend) => { if (down.has(b) && spec.transB) downProducts++; gemm(c, a, b, spec, addend); };
  try {
    batches.forEach((b, i) => {
      model.dropoutSeed = 17 + i;
      loss += classification ? classificationBackward(model, b, 1 / b.B) : causalLmBackward(model, b, 1 / b.targetCount);
    });
  } finally {
    be.gemm = gemm;
  }
  const grads = Float64Array.from(params.flatMap((p) => Array.from(model.backend.download(p.grad))));
  return { loss, grads, planBytes: model.activations(1, 1, true).bytes, downProducts };
}

const cases: Array<{ name: string; dtype: DType; setup: (m: MistralModel, rng: Rng) => void; classification?: boolean; dora?: boolean }> = [
  { name: 'LoRA on all projections, dropout 0.2', dtype: 'f32', setup: (m, rng) => loraWithRandomB(m, rng, 0.2) },
  { name: 'DoRA on all projections, dropout 0.2', dtype: 'f32', dora: true, setup: (m, rng) => loraWithRandomB(m, rng, 0.2, true) },
  { name: 'DoRA, no dropout, bf16', dtype: 'bf16', dora: true, setup: (m, rng) => loraWithRandomB(m, rng, 0, true) },
  { name: 'LoRA, dropout 0.2, bf16', dtype: 'bf16', setup: (m, rng) => loraWithRandomB(m, rng, 0.2) },
  { name: 'full fine-tuning', dtype: 'f32', setup: (m) => m.enableBaseGrads() },
  {
    name: 'classification: LoRA (dropout 0.1) and score head', dtype: 'f32', classification: true,
    setup: (m, rng) => {
      loraWithRandomB(m, rng, 0.1);
      m.setScoreHead(m.score!.weight, true);
    },
  },
];

function loraWithRandomB(model: MistralModel, rng: Rng, dropout: number, useDora = false): void {
  createAdapter(model, { r: 4, alpha: 8, dropout, targets: PROJECTIONS, useRslora: false, useDora }, rng, true);
  for (const layer of model.lora!.layers) {
    for (const pair of Object.values(layer)) {
      model.backend.upload(pair.B, { dtype: 'f32', data: Float32Array.from({ length: pair.B.length }, () => rng.normal() * 0.1) });
    }
  }
}

for (const c of cases) {
  test(`activation checkpointing: ${c.name}: same loss and gradients, smaller plan`, () => {
    const rng = new Rng(5);
    const model = createRandomModel(createBackend('cpu'), cfg, { seed: 9, std: 0.2, normStd: 0.1, numLabels: c.classification ? 3 : undefined }, c.dtype);
    c.setup(model, rng);
    const batches = [batchOf(rng, [11, 7]), batchOf(rng, [9, 12, 5])];
    const kept = run(model, false, c.classification ?? false, batches);
    const recomputed = run(model, true, c.classification ?? false, batches);
    const lossDiff = Math.abs(recomputed.loss - kept.loss) / Math.abs(kept.loss);
    const gradDiff = relErr(recomputed.grads, kept.grads);
    console.log(`${c.name}: loss rel diff ${lossDiff.toExponential(2)}, gradient rel diff ${gradDiff.toExponential(2)}; ` +
      `activation plan ${kept.planBytes} B kept → ${recomputed.planBytes} B checkpointed`);
    assert.ok(kept.grads.some((g) => g !== 0), 'gradients are not all zero');
    assert.ok(lossDiff <= 1e-6, `loss ${recomputed.loss} vs ${kept.loss}`);
    assert.ok(gradDiff <= 1e-6, `gradients differ by ${gradDiff}`);
    assert.ok(recomputed.planBytes < kept.planBytes, `plan ${recomputed.planBytes} vs ${kept.planBytes}`);
    if (c.dora) {
      assert.ok(recomputed.downProducts > kept.downProducts, 'DoRA: the recomputation redoes the down projection');
    } else {
      assert.equal(kept.downProducts, cfg.numLayers * batches.length);
      assert.equal(recomputed.downProducts, kept.downProducts, 'the recomputation does not redo the down projection');
    }
  });
}
