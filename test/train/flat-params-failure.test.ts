// An allocation that fails while the optimizer takes a model's trainable tensors into its flat buffers (flat-params.ts;
// out of memory, injected here at each allocation in turn) leaves a model a library caller can go on with: a new AdamW
// over model.trainableParams() trains it bit for bit as one whose first AdamW succeeded; and the buffers the failed one
// allocated that nothing points at are given back (on CUDA nothing else frees them): the backend holds what it held
// before, no more (but the LoRA factors' bf16 working copies, which the model was given and computes with).
import assert from 'node:assert/strict';
import { test, testBackend } from '../backend/device.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { causalLmBackward, classificationBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads, type Param } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { Rng } from '../../src/util/rng.ts';

const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 48, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2,
  num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, sliding_window: null, tie_word_embeddings: true, pad_token_id: 0,
});
const hyper = { lr: 1e-2, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0.1 };

/**
 * Builds an AdamW over a fresh model's Params (make()) with its k-th allocation failing, for k = 1, 2, … until a build
 * needs fewer than k (every allocation has then failed once), calling `failed` after each failure with the model, its
 * Params, k and the backend's bytes in use before the attempt; the failures made.
 */
function failEachAllocation(backend: Backend, make: () => MistralModel, failed: (model: MistralModel, params: Param[], k: number, before: number) => void): number {
  let failures = 0;
  for (let k = 1; ; k++) {
    const model = make();
    const params = model.trainableParams();
    const before = backend.bytesInUse();
    if (!failedAt(backend, k, () => new AdamW(backend, params, hyper))) return failures;
    failures++;
    failed(model, params, k, before);
  }
}

/** Runs `build` with the backend's k-th allocation failing; false when the build needed fewer (it then succeeded). */
function failedAt(backend: Backend, k: number, build: () => void): boolean {
  const alloc = backend.alloc.bind(backend);
  let n = 0;
  backend.alloc = (d, len) => {
    if (++n === k) throw new Error('injected: out of memory');
    return alloc(d, len);
  };
  try {
    build();
  } catch (e) {
    assert.match((e as Error).message, /injected/);
  } finally {
    backend.alloc = alloc;
  }
  return n >= k;
}

/** The random model both tests build, trained whole (full) or by a LoRA on two projections. */
function trainable(backend: Backend, dtype: 'f32' | 'bf16', method: 'full' | 'lora'): MistralModel {
  const m = createRandomModel(backend, cfg, { seed: 4 }, dtype);
  if (method === 'full') m.enableBaseGrads();
  else createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'down_proj'], useRslora: false }, new Rng(5), true);
  return m;
}

for (const dtype of ['f32', 'bf16'] as const) {
  for (const method of ['full', 'lora'] as const) {
    test(`${dtype} ${method}: a failed allocation at any point of building the flat buffers leaves a usable model and no stray buffer`, () => {
      const backend = testBackend();
      const make = (): MistralModel => trainable(backend, dtype, method);
      const batch = make().collate([{ inputIds: [1, 5, 9, 13, 2, 7] }, { inputIds: [1, 30, 4] }]);
      /** Two steps with a new AdamW; the loss of each, the trained values and the logits after, as text. */
      const trained = (m: MistralModel): string => {
        const optimizer = new AdamW(backend, m.trainableParams(), hyper);
        const losses = [1, 2].map(() => {
          zeroGrads(backend, optimizer.params);
          const loss = causalLmBackward(m, batch, 1 / batch.targetCount);
          optimizer.update(hyper.lr);
          return loss;
        });
        return [...losses, ...m.trainableParams().map((p) => backend.download(p.value).join(',')), m.logits(batch).join(',')].join('|');
      };
      const want = trained(make());
      const failures = failEachAllocation(backend, make, (model, params, k, before) => {
        const workingCopies = dtype === 'bf16' && method === 'lora' ? 2 * params.reduce((s, p) => s + p.value.length, 0) : 0;
        const after = backend.bytesInUse();
        assert.ok(after <= before + workingCopies, `allocation ${k} failed: ${after - before} bytes more than before`);
        assert.equal(trained(model), want, `allocation ${k} failed: a new AdamW trains the model as if nothing had`);
      });
      assert.ok(failures >= 7, `${failures} allocations`);
    });
  }
}

// the views of a failed build's flat values and gradients stay in the model (it computes with them); a retry moves
// every tensor off them, and then nothing may hold them: freeing a view gives nothing back, which kept a failed
// build's flat values and gradients (2 × the trainable parameters, f32) on the GPU for the rest of the run
for (const dtype of ['f32', 'bf16'] as const) {
  for (const method of ['full', 'lora'] as const) {
    test(`${dtype} ${method}: after a failed allocation at any point of building the flat buffers, a new AdamW holds no more than one built at the first try`, () => {
      const backend = testBackend();
      const make = (): MistralModel => trainable(backend, dtype, method);
      const clean = make(), start = backend.bytesInUse();
      new AdamW(backend, clean.trainableParams(), hyper);
      const grows = backend.bytesInUse() - start;
      const failures = failEachAllocation(backend, make, (model, _params, k, before) => {
        new AdamW(backend, model.trainableParams(), hyper);
        const held = backend.bytesInUse() - before;
        assert.ok(held <= grows, `allocation ${k} failed: the retry's AdamW holds ${held} bytes beside the model's, one built at the first try ${grows}`);
      });
      assert.ok(failures >= 7, `${failures} allocations`);
    });
  }
}

// a bf16 full fine-tuning of a classifier: its score head (f32) is rebound to the master copy, every other weight
// (bf16) mirrored by it. A failure after that keeps the master copy (the head computes with it), and must still put the
// mirrored Params back on the model's bf16 buffers: a retry with the caller's own Params (not new ones from
// model.trainableParams()) took each as an f32 tensor and pointed the bf16 model at the master copy.
test('bf16 full with a trained f32 score head: after a failed allocation, a new AdamW over the same Params trains as if nothing had failed', () => {
  const backend = testBackend();
  const make = (): MistralModel => {
    const m = createRandomModel(backend, cfg, { seed: 4 }, 'bf16');
    m.enableBaseGrads();
    const head = backend.alloc(m.dtype, 3 * cfg.hiddenSize);
    backend.upload(head, { dtype: 'f32', data: Float32Array.from({ length: 3 * cfg.hiddenSize }, (_, i) => Math.sin(i) / 10) });
    m.setScoreHead(head, true);
    return m;
  };
  const rows = [{ inputIds: [1, 5, 9, 13, 2, 7], label: 2 }, { inputIds: [1, 30, 4], label: 0 }];
  const trained = (m: MistralModel, params: Param[]): string => {
    const batch = m.collate(rows);
    const optimizer = new AdamW(backend, params, hyper);
    const losses = [1, 2].map(() => {
      zeroGrads(backend, optimizer.params);
      const loss = classificationBackward(m, batch, 1 / batch.B);
      optimizer.update(hyper.lr);
      return loss;
    });
    return [...losses, ...m.trainableParams().map((p) => `${p.value.dtype}:${backend.download(p.value).join(',')}`), m.classLogits(batch).join(',')].join('|');
  };
  const first = make();
  const want = trained(first, first.trainableParams());
  const failures = failEachAllocation(backend, make, (model, params, k) => {
    assert.equal(trained(model, params), want, `allocation ${k} failed: a new AdamW over the same Params trains the model as if nothing had`);
  });
  assert.ok(failures >= 5, `${failures} allocations`);
});

// no trainable parameters: the flat buffers hold one element each, views of none; a failed build gives every one back
test('AdamW over no parameters: a failed allocation at any point gives back every buffer it allocated', () => {
  const backend = testBackend();
  let failures = 0;
  for (let k = 1; ; k++) {
    const before = backend.bytesInUse();
    if (!failedAt(backend, k, () => new AdamW(backend, [], hyper))) break;
    failures++;
    assert.equal(backend.bytesInUse(), before, `allocation ${k} failed: ${backend.bytesInUse() - before} bytes kept`);
  }
  assert.ok(failures >= 5, `${failures} allocations`);
});

// a retry that fails too: it moves the tensors off the first build's flat buffers (given back with their last view) onto
// its own, which then stay with their views; a third build gives back both and trains as if nothing had failed. DoRA
// (its magnitudes beside the factors and their bf16 working copies), and a full fine-tuning of a classifier with tied
// embeddings (its f32 head rebound, a bf16 model's weights mirrored)
for (const dtype of ['f32', 'bf16'] as const) {
  for (const method of ['dora', 'full classifier'] as const) {
    test(`${dtype} ${method}: after two failed builds in a row (each allocation of each), a third holds no more than one built at the first try and trains the same`, () => {
      const backend = testBackend();
      const classify = method !== 'dora';
      const make = (): MistralModel => {
        const m = createRandomModel(backend, cfg, { seed: 4 }, dtype);
        if (!classify) {
          createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'k_proj', 'down_proj'], useRslora: false, useDora: true }, new Rng(5), true);
          return m;
        }
        m.enableBaseGrads({ lmHead: false });
        const head = backend.alloc(m.dtype, 3 * cfg.hiddenSize);
        backend.upload(head, { dtype: 'f32', data: Float32Array.from({ length: 3 * cfg.hiddenSize }, (_, i) => Math.sin(i) / 10) });
        m.setScoreHead(head, true);
        return m;
      };
      const rows = [{ inputIds: [1, 5, 9, 13, 2, 7], label: 2 }, { inputIds: [1, 30, 4], label: 0 }];
      const trained = (m: MistralModel, optimizer: AdamW): string => {
        const batch = m.collate(classify ? rows : rows.map(({ inputIds }) => ({ inputIds })));
        const losses = [1, 2].map(() => {
          zeroGrads(backend, optimizer.params);
          const loss = classify ? classificationBackward(m, batch, 1 / batch.B) : causalLmBackward(m, batch, 1 / batch.targetCount);
          optimizer.update(hyper.lr);
          return loss;
        });
        return [...losses, ...m.trainableParams().map((p) => backend.download(p.value).join(',')), (classify ? m.classLogits(batch) : m.logits(batch)).join(',')].join('|');
      };
      const first = make(), start = backend.bytesInUse();
      const firstTry = new AdamW(backend, first.trainableParams(), hyper);
      const grows = backend.bytesInUse() - start, want = trained(first, firstTry);
      /** A build over `model`'s Params with its k-th allocation failing; whether it had a k-th. */
      const failing = (model: MistralModel, k: number): boolean => failedAt(backend, k, () => new AdamW(backend, model.trainableParams(), hyper));
      let pairs = 0;
      for (let k1 = 1, more = true; more; k1++) {
        for (let k2 = 1; ; k2++) {
          const model = make(), before = backend.bytesInUse();
          if (!failing(model, k1)) { more = false; break; }
          if (!failing(model, k2)) break;
          pairs++;
          const third = new AdamW(backend, model.trainableParams(), hyper);
          const held = backend.bytesInUse() - before;
          assert.ok(held <= grows, `allocations ${k1} then ${k2} failed: the third AdamW holds ${held} bytes beside the model's, one built at the first try ${grows}`);
          assert.equal(trained(model, third), want, `allocations ${k1} then ${k2} failed: the third AdamW trains the model as if nothing had`);
        }
      }
      assert.ok(pairs >= 25, `${pairs} pairs of failures`);
    });
  }
}
