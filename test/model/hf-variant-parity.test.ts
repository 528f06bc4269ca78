// Config variants against HF transformers 5.17 + PEFT 0.21 (test/fixtures/hf-variants: the tiny fixture's weights,
// inputs and adapter with a scaled rope — linear, yarn in transformers 4's form, with every option given and with
// DeepSeek's mscale, dynamic, longrope within its original context and past it with greedy decoding crossing it, llama3
// — or per-layer attention types — Ministral's layer_types in a "mistral" config, a "ministral" config, every layer
// full): the inverse frequencies bit for bit (longrope's both sets), the attention scaling, logits, loss, every LoRA
// gradient, greedy generation with the KV cache, and a saved model that reads back to the same config. Dynamic rope
// past max_position_embeddings (where transformers changes its frequencies) is refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertTol, test, testBackend, TEST_DTYPE, TEST_PRECISION, tol } from '../backend/device.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { predictClasses } from '../../src/eval/classification.ts';
import { evaluateLoss } from '../../src/eval/evaluate.ts';
import { collate, collatePacked } from '../../src/data/batch.ts';
import { loadConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { ropeFrequencies } from '../../src/model/rope-freq.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { FIXTURES, readFixture, relErr, tokenRows, TINY, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const VARIANTS = path.join(FIXTURES, 'hf-variants');
const NAMES = ['linear', 'yarn', 'yarn-explicit', 'yarn-mscale', 'dynamic', 'longrope', 'longrope-long', 'llama3', 'layer-types-mixed', 'ministral', 'layer-types-full'];
const tiny = readFixture(path.join(TINY, 'expected.safetensors'));
const B = 2, T = 24;
const batch = collate(tokenRows(tiny.input_ids!.data as Int32Array, tiny.labels!.data as Int32Array, B, T), 0, 0);

interface Meta { rope_type: string; attention_scaling: number; loss: number; lora_loss: number; sensitivity_rel_diff: Record<string, number> }

test('every hf-variants fixture folder is used', () => {
  const dirs = fs.readdirSync(VARIANTS).filter((n) => fs.statSync(path.join(VARIANTS, n)).isDirectory());
  assert.deepEqual(dirs.sort(), [...NAMES].sort());
});

/** The variant as a model folder: its config.json beside the tiny fixture's weights. */
function modelDir(name: string): string {
  const dir = tempDir(`hf-variant-${name}-`);
  fs.copyFileSync(path.join(VARIANTS, name, 'config.json'), path.join(dir, 'config.json'));
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(dir, 'model.safetensors'));
  return dir;
}

for (const name of NAMES) {
  const ex = readFixture(path.join(VARIANTS, name, 'expected.safetensors'));
  const meta = JSON.parse(fs.readFileSync(path.join(VARIANTS, name, 'meta.json'), 'utf8')) as Meta;

  test(`${name}: inverse frequencies bit for bit and the attention scaling of transformers`, () => {
    const cfg = loadConfig(path.join(VARIANTS, name));
    assert.equal(cfg.ropeScaling?.type ?? 'default', meta.rope_type);
    const { invFreq, attentionScaling, long } = ropeFrequencies({ theta: cfg.ropeTheta, scaling: cfg.ropeScaling }, cfg.headDim);
    assert.deepEqual(Array.from(invFreq), Array.from(ex.inv_freq!.data));
    assert.equal(attentionScaling, meta.attention_scaling);
    assert.equal(long !== null, meta.rope_type === 'longrope');
    if (long) { // the set transformers took for the batch of 24 positions: long past the original context
      assert.deepEqual(Array.from(T > long.after ? long.invFreq : invFreq), Array.from(ex.inv_freq_batch!.data));
    }
  });

  test(`${name}: logits, loss and greedy generation match HF`, () => {
    for (const [what, diff] of Object.entries(meta.sensitivity_rel_diff)) {
      // dynamic rope is plain rope within max_position_embeddings (transformers' too: 0 exactly)
      if (name === 'dynamic') assert.equal(diff, 0);
      else assert.ok(diff > 3 * tol('logits'), `fixture too weak: ${what} instead changes the logits by only ${diff}`);
    }
    const model = loadModel(modelDir(name), { backend: testBackend(), dtype: TEST_DTYPE });
    assertTol('logits', relErr(model.logits(batch), ex.logits!.data), `${name} logits`);
    const { sum, count } = model.loss(batch);
    assertTol('loss', Math.abs(sum / count - meta.loss) / meta.loss, `${name} loss ${sum / count} vs ${meta.loss}`);
    if (TEST_PRECISION === 'fp32') { // bf16 rounding may flip a near tie of the random model's greedy choice
      const prompt = Array.from(tiny.gen_prompt!.data as Int32Array);
      const out = generate(model, prompt, { maxNewTokens: 12, eosIds: [] });
      assert.deepEqual([...prompt, ...out], Array.from(ex.gen_output!.data as Int32Array));
    }
  });

  test(`${name}: every LoRA gradient matches PEFT`, () => {
    const backend = testBackend();
    const model = loadModel(modelDir(name), { backend, dtype: TEST_DTYPE });
    loadAdapter(model, path.join(TINY, 'adapter_init'), { trainable: true });
    const params = model.trainableParams();
    zeroGrads(backend, params);
    const sum = causalLmBackward(model, batch, 1 / batch.targetCount);
    assertTol('loss', Math.abs(sum / batch.targetCount - meta.lora_loss) / meta.lora_loss, `${name} LoRA loss`);
    assert.equal(params.length, Object.keys(ex).filter((k) => k.startsWith('grad.')).length);
    for (const p of params) {
      const ref = ex[`grad.${p.name}`];
      assert.ok(ref, `no reference gradient for ${p.name}`);
      assertTol('grad', relErr(backend.download(p.grad), ref.data), `${name} ${p.name}`);
    }
  });

  test(`${name}: a saved model's config.json reads back to the same rope and layer types`, () => {
    const src = modelDir(name);
    const model = loadModel(src, { backend: testBackend(), dtype: TEST_DTYPE });
    const out = tempDir(`hf-variant-${name}-saved-`);
    saveModelFolder(model, out, { sourceDir: src, head: 'causal' });
    const again = loadConfig(out);
    const kept = (c: typeof again): unknown[] => [c.ropeTheta, c.ropeScaling, c.slidingWindow, c.layerTypes];
    assert.deepEqual(kept(again), kept(model.cfg));
    const written = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    const source = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal('rope_scaling' in written, 'rope_scaling' in source, 'the source\'s form is kept');
    assert.ok(!(('rope_scaling' in written) && ('rope_parameters' in written)), 'one rope dict');
    assert.deepEqual([written.model_type, written.architectures], [source.model_type ?? 'mistral', [source.model_type === 'ministral' ? 'MinistralForCausalLM' : 'MistralForCausalLM']]);
    const fromRandom = tempDir(`hf-variant-${name}-nosource-`);
    saveModelFolder(model, fromRandom, { sourceDir: null, head: 'causal' });
    assert.deepEqual(kept(loadConfig(fromRandom)), kept(model.cfg));
  });
}

test('dynamic rope: a batch that reaches past max_position_embeddings is refused, naming its rope key (rope_scaling or rope_parameters)', () => {
  const dir = modelDir('dynamic');
  const file = path.join(dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...cfg, max_position_embeddings: T - 1 }));
  const model = loadModel(dir, { backend: testBackend(), dtype: TEST_DTYPE });
  assert.throws(() => model.logits(batch), { name: 'UserError', message: `"dynamic" rope scaling (rope_scaling) changes its frequencies for inputs longer than max_position_embeddings ${T - 1}, which is not supported; here they reach ${T} tokens: keep rows within ${T - 1} tokens` });
  // the same rope under transformers 5's rope_parameters (as save_pretrained writes it): the message names that key
  const { rope_scaling: scaling, rope_theta: theta, ...rest } = cfg as { rope_scaling: Record<string, unknown>; rope_theta: number };
  fs.writeFileSync(file, JSON.stringify({ ...rest, rope_parameters: { ...scaling, rope_theta: theta }, max_position_embeddings: T - 1 }));
  assert.throws(() => loadModel(dir, { backend: testBackend(), dtype: TEST_DTYPE }).logits(batch), { name: 'UserError', message: /^"dynamic" rope scaling \(rope_parameters\) changes/ });
  fs.writeFileSync(file, JSON.stringify({ ...cfg, max_position_embeddings: T }));
  const atLimit = loadModel(dir, { backend: testBackend(), dtype: TEST_DTYPE });
  assertTol('logits', relErr(atLimit.logits(batch), readFixture(path.join(VARIANTS, 'dynamic', 'expected.safetensors')).logits!.data), 'dynamic at max_position_embeddings');
});

test('longrope: evaluation scores each row with the factors transformers gives it alone, whatever the batch size', () => {
  // A row of 24 tokens (past longrope-long's original 16: long factors) and one of 16 (short). Batched together, the
  // short row would be padded to 24 and take the long factors. HF's logits for each alone: the long row is the
  // fixture's row 0; the short one is a causal prefix of row 1 under the longrope fixture (the same factors, θ and
  // attention factor, its original context 32: short factors at 24 tokens, so also at 16). The long row has one
  // target (its last token), so that the loss is mostly the short row's.
  const ids = tiny.input_ids!.data as Int32Array;
  const long = Array.from(ids.subarray(0, T)), short = Array.from(ids.subarray(T, T + 16));
  const V = 512;
  const nll = (logits: Float32Array, row: number, tokens: number[], from = 0): number => {
    let s = 0;
    for (let t = from; t + 1 < tokens.length; t++) {
      const z = logits.subarray((row * T + t) * V, (row * T + t + 1) * V);
      const max = z.reduce((m, x) => Math.max(m, x), -Infinity);
      s += max + Math.log(z.reduce((a, x) => a + Math.exp(x - max), 0)) - z[tokens[t + 1]!]!;
    }
    return s;
  };
  const hfLong = nll(readFixture(path.join(VARIANTS, 'longrope-long', 'expected.safetensors')).logits!.data as Float32Array, 0, long, T - 2);
  const hfShort = nll(readFixture(path.join(VARIANTS, 'longrope', 'expected.safetensors')).logits!.data as Float32Array, 1, short);
  const model = loadModel(modelDir('longrope-long'), { backend: testBackend(), dtype: TEST_DTYPE });
  const longLabels = Int32Array.from(long, (id, t) => (t === T - 1 ? id : -100));
  const rows = [
    { inputIds: Int32Array.from(short), labels: null },
    { inputIds: Int32Array.from(long), labels: longLabels },
    { inputIds: Int32Array.from(short), labels: null },
  ];
  const want = (2 * hfShort + hfLong) / (2 * 15 + 1);
  for (const batchSize of [1, 2, 3]) {
    const { loss } = evaluateLoss(model, rows, { batchSize });
    assertTol('loss', Math.abs(loss - want) / want, `loss with batch size ${batchSize}: ${loss} vs HF's rows alone ${want}`);
  }
  // classification: the same predictions and probabilities, in the rows' order, for any batch size
  const C = model.cfg.hiddenSize, be = model.backend;
  const w = be.alloc(model.dtype, 3 * C);
  be.upload(w, { dtype: 'f32', data: tiny.cls_score_weight!.data as Float32Array });
  model.setScoreHead(w, false);
  const one = predictClasses(model, rows, 1);
  for (const batchSize of [2, 3]) {
    const got = predictClasses(model, rows, batchSize);
    got.forEach((p, i) => assertTol('logits', relErr(p.probs, one[i]!.probs), `row ${i}'s class probabilities with batch size ${batchSize}`));
  }
  assert.ok(relErr(one[0]!.probs, one[1]!.probs) > 1e-3, 'the rows differ, so their order is checked');
});

test('longrope: a packed batch takes the factors of its longest sample, its padding left out (TRL\'s padding-free batch)', () => {
  // One pack of two samples, a 16-token prefix of row 1 and a 6-token prefix of row 0, padded to 24 positions as training
  // pads a pack to max_seq_len. transformers gets such a pack padding-free (no padding; positions restarting per sample),
  // so it looks at 16 positions: longrope-long's short factors (its original context is 16). HF's logits of each sample
  // alone are causal prefixes of the longrope fixture's rows (the same factors, θ and attention factor; original 32).
  const ids = tiny.input_ids!.data as Int32Array;
  const first = Array.from(ids.subarray(T, T + 16)), second = Array.from(ids.subarray(0, 6));
  const packed = collatePacked([[{ inputIds: first }, { inputIds: second }]], 0, T);
  const model = loadModel(modelDir('longrope-long'), { backend: testBackend(), dtype: TEST_DTYPE });
  const got = model.logits(packed), V = model.cfg.vocabSize;
  const hf = readFixture(path.join(VARIANTS, 'longrope', 'expected.safetensors')).logits!.data as Float32Array;
  const want = new Float32Array((16 + 6) * V);
  want.set(hf.subarray(T * V, (T + 16) * V), 0); // row 1's first 16 positions
  want.set(hf.subarray(0, 6 * V), 16 * V); // row 0's first 6
  assertTol('logits', relErr(got.subarray(0, 22 * V), want), 'the pack\'s samples against HF\'s rows alone');
});
