// The generation_config.json a save makes where the source folder has none: what transformers 5.17's save_pretrained
// writes (GenerationConfig.from_model_config), but its transformers_version. The expected files were written by
// transformers 5.17 (/tmp/hfvenv): MistralForCausalLM(MistralConfig(...)).save_pretrained(d) for a model made in code,
// and, for a folder whose config.json holds the generation keys below and no generation_config.json beside it,
// MistralForCausalLM.from_pretrained(src).generation_config.to_dict() (the save_pretrained of that very model raises
// under the default sdpa attention, which refuses output_attentions: the dict is what it holds and would write).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { initRandomModel } from '../../src/model/random-init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');
const TINY_MODEL = path.resolve('models', 'mistral-tune-tiny');
const savedGeneration = (out: string): unknown => JSON.parse(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'));

test('random weights (no config.json read): the config class defaults use_cache true and the output flags false come along, as transformers writes them', () => {
  const model = initRandomModel(backend, loadConfig(TINY_MODEL), { seed: 1, std: 0.02, dtype: 'f32' });
  const out = path.join(tempDir('mt-save-gen-'), 'out');
  saveModelFolder(model, out, { sourceDir: null, head: 'causal' });
  assert.deepEqual(savedGeneration(out),
    { _from_model_config: true, bos_token_id: 1, eos_token_id: 2, output_attentions: false, output_hidden_states: false, use_cache: true });
});

test('a source whose config.json holds generation keys (use_cache false, sampling settings) and no generation_config.json: they are carried, as transformers carries them', () => {
  const src = tempDir('mt-save-gen-src-');
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(src, f));
    else if (f !== 'generation_config.json' && fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(src, f));
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  const legacy = { temperature: 0.7, max_length: 100, do_sample: true, use_cache: false, output_attentions: true, num_beams: 2 };
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ ...cfg, ...legacy }));
  const model = captureStderr(() => loadModel(src, { backend })).result;
  const out = path.join(tempDir('mt-save-gen-'), 'out');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  assert.deepEqual(savedGeneration(out), {
    _from_model_config: true, bos_token_id: 1, do_sample: true, eos_token_id: 2, max_length: 100, num_beams: 2, output_attentions: true,
    return_dict_in_generate: true, temperature: 0.7, use_cache: false,
  });
  // keys in transformers' (sorted) order
  assert.deepEqual(Object.keys(savedGeneration(out) as object), [...Object.keys(savedGeneration(out) as object)].sort());
});
