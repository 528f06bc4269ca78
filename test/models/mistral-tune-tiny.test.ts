// The shipped pre-trained model, models/mistral-tune-tiny: an HF folder of the promised shape (Mistral,
// the bundled 32000-token tokenizer, tied embeddings, bf16, ≤ 16 MB), and its bf16 weights round-trip bit
// for bit: loading them in bf16 and saving again writes the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { SHIPPED_MODEL } from '../../src/quickstart.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { tempDir } from '../temp-dir.ts';

const WEIGHTS = path.join(SHIPPED_MODEL, 'model.safetensors');

test('the shipped model is a bf16 Mistral HF folder with the bundled tokenizer and tied embeddings, under 16 MB', () => {
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'README.md']) {
    assert.ok(fs.existsSync(path.join(SHIPPED_MODEL, f)), `models/mistral-tune-tiny/${f} is missing`);
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(SHIPPED_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.model_type, 'mistral');
  assert.deepEqual(cfg.architectures, ['MistralForCausalLM']);
  assert.equal(cfg.vocab_size, 32000);
  assert.equal(cfg.tie_word_embeddings, true);
  assert.ok(fs.statSync(WEIGHTS).size <= 16e6, `${fs.statSync(WEIGHTS).size} bytes`);
  const st = SafetensorsFile.open(WEIGHTS);
  assert.ok(!st.names().includes('lm_head.weight'), 'tied: no lm_head.weight');
  for (const name of st.names()) assert.equal(st.info(name).dtype, 'BF16', name);
  st.close();
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    assert.ok(fs.readFileSync(path.join(SHIPPED_MODEL, f)).equals(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, f))), `${f} is not the bundled one`);
  }
});

test('the bf16 weights round-trip bit for bit through our loader and writer', () => {
  const out = tempDir('mt-shipped-');
  const model = loadModel(SHIPPED_MODEL, { backend: createBackend('cpu'), precision: 'bf16' });
  saveModelFolder(model, out, { sourceDir: SHIPPED_MODEL, head: 'causal' });
  assert.ok(fs.readFileSync(path.join(out, 'model.safetensors')).equals(fs.readFileSync(WEIGHTS)), 'model.safetensors differs after load + save');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(SHIPPED_MODEL, 'config.json'), 'utf8')));
  fs.rmSync(out, { recursive: true, force: true });
});
