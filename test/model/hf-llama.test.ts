// model_type "llama" folders (LlamaForCausalLM) against HF transformers 5.17 + PEFT 0.21 (test/fixtures/hf-llama, made
// by make_llama.py there): transformers' Llama is its Mistral without the sliding window, so a Llama folder loads as that
// Mistral (llama-config.ts). Logits, loss and greedy tokens of a folder with LlamaConfig's defaults (no
// num_key_value_heads, no head_dim) and of one with grouped-query attention and llama3 rope scaling, and a PEFT adapter
// on the latter; a saved Llama stays one. On the test device (MISTRAL_TUNE_TEST_DEVICE, test/backend/device.ts): the CPU
// in float32 is held to 1e-5, another device or bf16 to device.ts's parity tolerances.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collate } from '../../src/data/batch.ts';
import { loadConfig, parseConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { test, testBackend, TEST_DTYPE, TEST_DEVICE, TEST_PRECISION, tol } from '../backend/device.ts';
import { FIXTURES, readFixture, relErr, tokenRows } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const HERE = path.join(FIXTURES, 'hf-llama');
const backend = testBackend();
const cpuFp32 = TEST_DEVICE === 'cpu' && TEST_PRECISION === 'fp32';
const TOL = cpuFp32 ? { logits: 1e-5, loss: 1e-5 } : { logits: tol('logits'), loss: tol('loss') };
const inputs = readFixture(path.join(HERE, 'inputs.safetensors'));
const batch = collate(tokenRows(inputs.input_ids!.data as Int32Array, inputs.labels!.data as Int32Array, 2, 12), 0, 0);
const meta = (name: string): { loss: number; lora_loss?: number } => JSON.parse(fs.readFileSync(path.join(HERE, name, 'meta.json'), 'utf8'));

for (const name of ['plain', 'llama3']) {
  test(`llama folder (${name}): logits, loss and greedy generation match transformers' LlamaForCausalLM`, () => {
    // before: "config.json: model_type: "llama" is not supported (only "mistral" and "ministral": dense text models)"
    const dir = path.join(HERE, name);
    const ex = readFixture(path.join(dir, 'expected.safetensors'));
    const model = loadModel(dir, { backend, dtype: TEST_DTYPE });
    const logitsErr = relErr(model.logits(batch), ex.logits!.data);
    assert.ok(logitsErr <= TOL.logits, `logits error ${logitsErr}`);
    const { sum, count } = model.loss(batch);
    assert.ok(Math.abs(sum / count - meta(name).loss) / meta(name).loss <= TOL.loss, `loss ${sum / count} vs ${meta(name).loss}`);
    if (TEST_PRECISION === 'fp32') { // bf16 rounding may flip a near tie of the random model's greedy choice
      const prompt = Array.from(inputs.input_ids!.data as Int32Array).slice(0, 6);
      assert.deepEqual(generate(model, prompt, { maxNewTokens: 8, eosIds: [] }), Array.from(ex.greedy!.data as Int32Array));
    }
  });
}

test('llama folder: LlamaConfig\'s defaults (num_key_value_heads = num_attention_heads, head_dim = hidden // heads, no sliding window whatever sliding_window says)', () => {
  const cfg = loadConfig(path.join(HERE, 'plain'));
  assert.deepEqual([cfg.numKvHeads, cfg.headDim, cfg.slidingWindow, cfg.layerTypes], [4, 8, null, null]);
  const raw = JSON.parse(fs.readFileSync(path.join(HERE, 'plain', 'config.json'), 'utf8')) as Record<string, unknown>;
  const { intermediate_size: _i, max_position_embeddings: _m, ...bare } = raw;
  const read = parseConfig({ ...bare, sliding_window: 4, layer_types: ['sliding_attention', 'full_attention'], num_key_value_heads: null });
  assert.deepEqual([read.intermediateSize, read.maxPositionEmbeddings, read.numKvHeads, read.slidingWindow, read.layerTypes], [11008, 2048, 4, null, null]);
});

test('llama folder: what transformers\' Llama fails on or computes with biases is refused naming the key', () => {
  const raw = JSON.parse(fs.readFileSync(path.join(HERE, 'plain', 'config.json'), 'utf8')) as Record<string, unknown>;
  const refused = (over: Record<string, unknown>, message: RegExp): void => assert.throws(() => parseConfig({ ...raw, ...over }, 'cfg.json'), { name: 'UserError', message });
  refused({ attention_bias: true }, /^cfg\.json: attention_bias: true is not supported: Llama's attention projections then have biases/);
  refused({ mlp_bias: true }, /^cfg\.json: mlp_bias: true is not supported/);
  refused({ mlp_bias: 'no' }, /^cfg\.json: mlp_bias: must be true or false, got "no"/);
  refused({ head_dim: 0 }, /^cfg\.json: head_dim: 0 is not supported/); // transformers: ZeroDivisionError
  refused({ hidden_size: 30, head_dim: 8 }, /^cfg\.json: hidden_size: 30 is not a multiple of num_attention_heads 4/); // validate_architecture
  refused({ rope_parameters: { rope_type: 'su', rope_theta: 1e4 } }, /^cfg\.json: rope_parameters\.rope_type: "su" rope scaling is not supported/);
});

test('llama folder: a PEFT adapter on it gives PEFT\'s logits and loss; a saved model stays a LlamaForCausalLM', () => {
  const dir = path.join(HERE, 'llama3');
  const ex = readFixture(path.join(dir, 'expected.safetensors'));
  const model = loadModel(dir, { backend, dtype: TEST_DTYPE });
  loadAdapter(model, path.join(dir, 'adapter'));
  const err = relErr(model.logits(batch), ex.lora_logits!.data);
  assert.ok(err <= TOL.logits, `LoRA logits error ${err}`);
  const { sum, count } = model.loss(batch);
  assert.ok(Math.abs(sum / count - meta('llama3').lora_loss!) / meta('llama3').lora_loss! <= TOL.loss);
  const out = path.join(tempDir('mt-llama-save-'), 'model');
  saveModelFolder(loadModel(dir, { backend, dtype: TEST_DTYPE }), out, { sourceDir: dir, head: 'causal' });
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([saved.model_type, saved.architectures, 'sliding_window' in saved], ['llama', ['LlamaForCausalLM'], false]);
  assert.deepEqual(saved.rope_parameters, JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).rope_parameters);
  // a sliding_window the source has (which Llama does not read) is kept as it was, not written as the null it reads as
  const source = tempDir('mt-llama-window-');
  for (const f of ['model.safetensors', 'config.json']) fs.copyFileSync(path.join(dir, f), path.join(source, f));
  fs.writeFileSync(path.join(source, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')), sliding_window: 4 }));
  const out2 = path.join(tempDir('mt-llama-save-'), 'model');
  saveModelFolder(loadModel(source, { backend, dtype: TEST_DTYPE }), out2, { sourceDir: source, head: 'causal' });
  assert.equal(JSON.parse(fs.readFileSync(path.join(out2, 'config.json'), 'utf8')).sliding_window, 4);
});

// hfConfig took the family from the source folder's config.json alone: random weights from a Llama config (train's
// model: {config, init: random}, or saveModelFolder without a source) were saved as model_type "mistral",
// MistralForCausalLM, sliding_window null. The parsed config remembers its model_type.
test('random weights from a llama (or ministral) config are saved as one, with no source folder to say so', () => {
  const raw = JSON.parse(fs.readFileSync(path.join(HERE, 'plain', 'config.json'), 'utf8')) as Record<string, unknown>;
  for (const [type, head, arch] of [['llama', 'causal', 'LlamaForCausalLM'], ['llama', 'classification', 'LlamaForSequenceClassification'],
    ['ministral', 'causal', 'MinistralForCausalLM'], ['mistral', 'causal', 'MistralForCausalLM']] as const) {
    const cfg = parseConfig({ ...raw, model_type: type, num_key_value_heads: 4, head_dim: 8, ...(head === 'classification' ? { num_labels: 2, architectures: [arch] } : {}) }, 'cfg.json');
    const out = path.join(tempDir('mt-llama-random-'), 'model');
    saveModelFolder(createRandomModel(backend, cfg, { seed: 1, ...(head === 'classification' ? { numLabels: 2 } : {}) }, TEST_DTYPE), out, { sourceDir: null, head });
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([saved.model_type, saved.architectures, 'sliding_window' in saved], [type, [arch], type !== 'llama'], `${type} ${head}`);
    assert.equal(loadConfig(out).modelType, type === 'mistral' ? undefined : type);
  }
});

test('llama folder without num_key_value_heads whose k_proj holds fewer heads: the error names LlamaConfig\'s default (num_attention_heads), not MistralConfig\'s', () => {
  const dir = tempDir('mt-llama-kv-');
  for (const f of ['model.safetensors', 'generation_config.json']) fs.copyFileSync(path.join(HERE, 'llama3', f), path.join(dir, f));
  const { num_key_value_heads: _kv, ...raw } = JSON.parse(fs.readFileSync(path.join(HERE, 'llama3', 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(raw));
  // before: "… where num_key_value_heads is 4 (absent from config.json: transformers' MistralConfig default, …)": 8 is
  // MistralConfig's; a Llama's absent num_key_value_heads is num_attention_heads (llama-config.ts)
  assert.throws(() => loadModel(dir, { backend, dtype: TEST_DTYPE }), {
    name: 'UserError',
    message: /it holds 2 key\/value heads of head_dim 16, where num_key_value_heads is 4 \(absent from config\.json: LlamaConfig's default, num_attention_heads, which transformers fails on here too\); set num_key_value_heads to 2 in config\.json$/,
  });
});
