// An optimizer step reads the host back at most once (the loss sum and Σ g² together): the grad norm,
// clipping, the loss of every micro-batch and AdamW stay on the device. Counted through a backend
// subclass around the CPU backend, for LoRA on all seven projections of a 32-layer model (448 tensors),
// full fine-tuning and classification; and the model trains on the optimizer's flat buffers.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { test, testBackend } from '../backend/device.ts';
import type { Batch } from '../../src/data/batch.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { validate } from '../../src/train/config.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { optimizerStep } from '../../src/train/step.ts';
import { Rng } from '../../src/util/rng.ts';

/** The test device's backend, counting its `download` calls (every host read goes through it). */
type CountingBackend = Backend & { downloads: number };
function countingBackend(): CountingBackend {
  const inner = testBackend();
  const counter = { downloads: 0 };
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'downloads') return counter.downloads;
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === 'download') return (...args: Parameters<Backend['download']>) => { counter.downloads++; return target.download(...args); };
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as CountingBackend;
}

const LAYERS = 32;
function tinyModel(backend: CountingBackend, numLabels?: number): MistralModel {
  const cfg = parseConfig({
    model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 24, num_hidden_layers: LAYERS,
    num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, sliding_window: null, tie_word_embeddings: true, pad_token_id: 0,
  });
  return createRandomModel(backend, cfg, { seed: 1, numLabels });
}

function batches(model: MistralModel, labels: boolean): Batch[] {
  const rng = new Rng(2);
  const row = (i: number) => ({ inputIds: Array.from({ length: 5 + i }, () => 1 + rng.below(63)), ...(labels ? { label: i % 2 } : {}) });
  return [model.collate([row(0), row(1)]), model.collate([row(2)])];
}

/** Host reads during each of `steps` optimizer steps of two micro-batches, with clipping on. */
function downloadsPerStep(opts: { method: 'lora' | 'full'; task: 'generation' | 'classification' }, steps = 2): number[] {
  const backend = countingBackend();
  const classification = opts.task === 'classification';
  const model = tinyModel(backend, classification ? 2 : undefined);
  if (opts.method === 'lora') createAdapter(model, { r: 2, alpha: 4, dropout: 0.1, targets: PROJECTIONS, useRslora: false }, new Rng(3), true);
  else model.enableBaseGrads({ lmHead: !classification });
  if (classification) model.setScoreHead(model.score!.weight, true);
  const cfg = validate({
    model: 'unused', data: { train: 'unused' }, task: opts.task, labels: classification ? ['a', 'b'] : null, method: opts.method,
    grad_clip: 1e-3, packing: false,
  }, 'test');
  const params = model.trainableParams();
  if (opts.method === 'lora') assert.ok(params.length >= LAYERS * 7 * 2); // + the score head for classification
  const optimizer = new AdamW(backend, params, { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  const counts: number[] = [];
  const group = batches(model, classification);
  for (let s = 1; s <= steps; s++) {
    const before = backend.downloads;
    const st = optimizerStep({ model, backend, cfg, optimizer }, group, 1e-2, s);
    counts.push(backend.downloads - before);
    assert.ok(st.loss !== null && Number.isFinite(st.loss) && st.gradNorm > 0, `step ${s}: loss ${st.loss}, grad norm ${st.gradNorm}`);
  }
  return counts;
}

for (const method of ['lora', 'full'] as const) {
  for (const task of ['generation', 'classification'] as const) {
    test(`${method} ${task}: one host read per optimizer step`, () => {
      const counts = downloadsPerStep({ method, task });
      for (const n of counts) assert.ok(n <= 1, `${n} downloads in one optimizer step (at most 1 allowed)`);
    });
  }
}
