// The optimizer's flat buffers: the model computes with views of them (full fine-tuning, tied
// embeddings, LoRA), so two steps on the flat buffers equal two steps of per-tensor AdamW on a twin
// model exactly (on the CPU; on a GPU to the rounding of reordered sums: assertSameArithmetic); weight decay is resolved into spans once; and a parameter in another dtype than the
// flat f32 (bf16 on a GPU; f64 here) keeps its own buffer, written back from the master after each update.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';
import { assertSameArithmetic, REORDERED_SUMS_REL, test, TEST_DEVICE, testBackend } from '../backend/device.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { decays, zeroGrads } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { validate } from '../../src/train/config.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { optimizerStep } from '../../src/train/step.ts';
import { Rng } from '../../src/util/rng.ts';

const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 48, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2,
  num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, sliding_window: null, tie_word_embeddings: true, pad_token_id: 0,
});
const hyper = { lr: 1e-2, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0.1 };

function twin(backend: Backend, method: 'full' | 'lora'): MistralModel {
  const model = createRandomModel(backend, cfg, { seed: 4, normStd: 0.1 });
  if (method === 'full') model.enableBaseGrads();
  else createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'down_proj'], useRslora: false }, new Rng(5), true);
  return model;
}

for (const method of ['full', 'lora'] as const) {
  test(`${method}: two steps on the flat buffers equal per-tensor AdamW on a twin model, bit for bit (on the CPU)`, () => {
    const backend = testBackend();
    const [flatModel, refModel] = [twin(backend, method), twin(backend, method)];
    const batch = flatModel.collate([{ inputIds: [1, 5, 9, 13, 2, 7] }, { inputIds: [1, 30, 4] }]);
    const params = flatModel.trainableParams();
    const optimizer = new AdamW(backend, params, hyper);
    assert.equal(optimizer.flat.length, params.reduce((s, p) => s + p.value.length, 0));
    if (method === 'full') assert.equal(flatModel.weights.lmHead, flatModel.weights.embed, 'tied embeddings stay one buffer');
    const run = { model: flatModel, backend, optimizer, cfg: validate({ model: 'x', data: { train: 'x' }, grad_clip: null }, 'test') };
    const ref = refModel.trainableParams();
    const m = ref.map((p) => { const b = backend.alloc('f32', p.value.length); backend.fill(b, 0); return b; });
    const v = ref.map((p) => { const b = backend.alloc('f32', p.value.length); backend.fill(b, 0); return b; });
    for (let step = 1; step <= 2; step++) {
      const st = optimizerStep(run, [batch], hyper.lr, 0);
      zeroGrads(backend, ref);
      const sum = causalLmBackward(refModel, batch, 1 / batch.targetCount);
      const lossTol = TEST_DEVICE === 'cpu' ? 1e-6 : REORDERED_SUMS_REL * Math.abs(st.loss!);
      assert.ok(Math.abs(st.loss! - sum / batch.targetCount) < lossTol, `step ${step}: loss ${st.loss} vs ${sum / batch.targetCount}`);
      ref.forEach((p, i) => backend.adamw(p.value, p.grad, m[i]!, v[i]!, null, 0, p.value.length, {
        lr: hyper.lr, beta1: hyper.betas[0], beta2: hyper.betas[1], eps: hyper.eps, weightDecay: decays(p.name) ? hyper.weightDecay : 0, step,
      }));
    }
    const ours = flatModel.trainableParams(); // read from the model's own fields: they must be the flat views
    ours.forEach((p, i) => assertSameArithmetic(backend.download(p.value), backend.download(ref[i]!.value), p.name));
    optimizer.m.forEach((b, i) => assertSameArithmetic(backend.download(b), backend.download(m[i]!), `exp_avg ${ref[i]!.name}`));
    assertSameArithmetic(flatModel.logits(batch), refModel.logits(batch), 'logits');
  });
}

test('AdamW in pieces (as a flat buffer past 2^30 elements is updated) equals AdamW in one call, bit for bit: pieces cut parameters and decay spans alike', () => {
  const backend = testBackend();
  const [whole, cut] = [twin(backend, 'full'), twin(backend, 'full')];
  const batch = whole.collate([{ inputIds: [1, 5, 9, 13, 2, 7] }, { inputIds: [1, 30, 4] }]);
  const optimizers = [new AdamW(backend, whole.trainableParams(), hyper), new AdamW(backend, cut.trainableParams(), hyper, 7)];
  assert.deepEqual(optimizers.map((o) => o.flat.pieces.length), [1, Math.ceil(optimizers[0]!.flat.length / 7)]);
  for (let step = 0; step < 2; step++) {
    [whole, cut].forEach((model, i) => {
      const run = { model, backend, optimizer: optimizers[i]!, cfg: validate({ model: 'x', data: { train: 'x' }, grad_clip: null }, 'test') };
      optimizerStep(run, [batch], hyper.lr, 0);
    });
  }
  for (const which of ['values', 'm', 'v'] as const) {
    assert.deepEqual(Array.from(backend.download(optimizers[1]!.flat[which])), Array.from(backend.download(optimizers[0]!.flat[which])), which);
  }
});

test('decay is resolved once into spans: norm weights are the gaps', () => {
  const backend = testBackend();
  const model = twin(backend, 'full');
  const params = model.trainableParams();
  const { flat } = new AdamW(backend, params, hyper);
  assert.equal(flat.pieces.length, 1, 'one AdamW call below 2^30 elements');
  const [piece] = flat.pieces;
  const spans = Array.from(backend.download(backend.view(piece!.spans, 0, 2 * piece!.spanCount)));
  const decayed = (i: number): boolean => spans.some((_, s) => s % 2 === 0 && i >= spans[s]! && i < spans[s + 1]!);
  params.forEach((p, i) => {
    assert.equal(decayed(flat.offsets[i]!), decays(p.name), p.name);
    assert.equal(decayed(flat.offsets[i]! + p.value.length - 1), decays(p.name), p.name);
  });
  assert.equal(piece!.spanCount, 1 + cfg.numLayers, 'the embedding, then the projections of each layer between its two norms');
});

test('a parameter of another dtype keeps its own buffer, refreshed from the f32 master after each update', () => {
  const backend = testBackend();
  const mk = (dtype: 'f32' | 'f64', name: string) => {
    const value = backend.alloc(dtype, 3), grad = backend.alloc(dtype, 3);
    backend.upload(value, dtype === 'f32' ? { dtype, data: Float32Array.of(1, 2, 3) } : { dtype, data: Float64Array.of(0.1, 0.2, 0.3) });
    backend.upload(grad, dtype === 'f32' ? { dtype, data: Float32Array.of(1, 1, 1) } : { dtype, data: Float64Array.of(1, -1, 1) });
    return { name, shape: [3], value, grad };
  };
  const own = mk('f32', 'a.weight'), low = mk('f64', 'b.weight');
  const modelBuffer = low.value;
  let rebound: unknown = 'not called';
  const opt = new AdamW(backend, [own, { ...low, rebind: (v: unknown) => { rebound = v; } }], hyper);
  assert.equal(opt.flat.dtype, 'f32');
  assert.equal(rebound, null, 'the model keeps its own buffer for a tensor in another dtype');
  opt.update(hyper.lr);
  const master = Array.from(backend.download(opt.flat.view(opt.flat.values, 1)));
  assert.deepEqual(Array.from(backend.download(modelBuffer)), master, 'written back after the update');
  assert.ok(Math.abs(master[0]! - (0.1 * (1 - hyper.lr * hyper.weightDecay) - hyper.lr)) < 1e-6);
});

test('a working copy (LoRA factors under bf16) is allocated in its dtype, attached, equal to the master, and rewritten after each update', () => {
  const backend = testBackend();
  const value = backend.alloc('f32', 3), grad = backend.alloc('f32', 3);
  backend.upload(value, { dtype: 'f32', data: Float32Array.of(1.001, -2.5, 3.3) });
  backend.upload(grad, { dtype: 'f32', data: Float32Array.of(1, -1, 1) });
  let copy: ReturnType<Backend['alloc']> | null = null;
  const opt = new AdamW(backend, [{ name: 'l.lora_A.weight', shape: [3], value, grad, workingCopy: { dtype: 'bf16', attach: (c) => { copy = c; } } }], hyper);
  assert.ok(copy !== null && (copy as { dtype: string }).dtype === 'bf16');
  const rounded = (): number[] => Array.from(bf16ToF32(f32ToBf16(backend.download(opt.flat.view(opt.flat.values, 0)) as Float32Array)));
  assert.deepEqual(Array.from(backend.download(copy!)), rounded(), 'the master rounded to bf16');
  opt.update(hyper.lr);
  assert.deepEqual(Array.from(backend.download(copy!)), rounded(), 'rewritten after the update');
});

test('working copies share one allocation: each run of consecutive ones is rewritten by one copy, every copy equal to its master', () => {
  const backend = testBackend();
  const sizes = [3, 5, 2, 4, 6, 1];
  const withCopy = [true, true, true, false, true, true]; // two runs: 0–2 and 4–5
  const copies: Array<ReturnType<Backend['alloc']> | null> = sizes.map(() => null);
  const rng = new Rng(9);
  const params = sizes.map((n, i) => {
    const value = backend.alloc('f32', n), grad = backend.alloc('f32', n);
    backend.upload(value, { dtype: 'f32', data: Float32Array.from({ length: n }, () => rng.normal()) });
    backend.upload(grad, { dtype: 'f32', data: Float32Array.from({ length: n }, () => rng.normal()) });
    return { name: `p${i}.lora_A.weight`, shape: [n], value, grad,
      ...(withCopy[i] ? { workingCopy: { dtype: 'bf16' as const, attach: (c: ReturnType<Backend['alloc']>) => { copies[i] = c; } } } : {}) };
  });
  let copyCalls = 0;
  const counting = new Proxy(backend, { get: (b, k) => (k === 'copy' ? (...a: Parameters<Backend['copy']>) => { copyCalls++; return b.copy(...a); } : Reflect.get(b, k)) });
  const opt = new AdamW(counting, params, hyper);
  const check = (what: string): void => sizes.forEach((_, i) => {
    if (!withCopy[i]) return assert.equal(copies[i], null);
    const master = Array.from(bf16ToF32(f32ToBf16(backend.download(opt.flat.view(opt.flat.values, i)) as Float32Array)));
    assert.deepEqual(Array.from(backend.download(copies[i]!)), master, `${what}: parameter ${i}`);
  });
  check('at the start');
  copyCalls = 0;
  opt.update(hyper.lr);
  assert.equal(copyCalls, 2, 'one copy per run of consecutive working copies');
  check('after the update');
});

test('LoRA under bf16 trains on bf16 working copies of its f32 factors; fp32 has none', () => {
  for (const precision of ['bf16', 'f32'] as const) {
    const backend = testBackend();
    const model = createRandomModel(backend, cfg, { seed: 4, normStd: 0.1 }, precision);
    createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(5), true);
    new AdamW(backend, model.trainableParams(), hyper);
    const pair = model.lora!.layers[0]!.q_proj!;
    assert.equal(pair.A.dtype, 'f32');
    if (precision === 'bf16') assert.equal(pair.Acopy?.dtype, 'bf16');
    else assert.equal(pair.Acopy, undefined);
  }
});
