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
import { generationSettings, readGenerationConfig } from '../../src/model/generation-config.ts';
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

// transformers 5.17 pops the generation keys from a config as it loads it (PreTrainedConfig.__init__ drops every key of
// GenerationConfig._get_default_generation_params but use_cache, and takes output_attentions as the attention's own
// setting), so its save_pretrained writes a config.json without them: from_pretrained(src).save_pretrained(out) of the
// source below (with /tmp/hfvenv) dropped exactly these, and kept min_p, max_new_tokens, output_hidden_states, use_cache.
const POPPED = {
  max_length: 100, min_length: 2, do_sample: true, early_stopping: true, num_beams: 2, temperature: 0.7, top_k: 5, top_p: 0.9, typical_p: 0.8,
  repetition_penalty: 1.1, length_penalty: 0.5, no_repeat_ngram_size: 3, num_return_sequences: 2, output_scores: true, return_dict_in_generate: true,
  forced_bos_token_id: 1, forced_eos_token_id: 2, remove_invalid_values: true, suppress_tokens: [5], begin_suppress_tokens: [6], epsilon_cutoff: 0.001,
  eta_cutoff: 0.001, num_assistant_tokens: 5, diversity_penalty: 0.5, num_beam_groups: 2, bad_words_ids: [[7]], exponential_decay_length_penalty: [5, 1.1],
  output_attentions: false,
};
const KEPT = { min_p: 0.05, max_new_tokens: 30, output_hidden_states: true, use_cache: true };

test('a source whose config.json holds generation keys: the saved config.json leaves out those transformers pops (they are in generation_config.json), as save_pretrained', () => {
  const src = tempDir('mt-save-gen-src-');
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(src, f));
    else if (f !== 'generation_config.json' && fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(src, f));
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ ...cfg, ...POPPED, ...KEPT }));
  const model = captureStderr(() => loadModel(src, { backend })).result;
  const out = path.join(tempDir('mt-save-gen-'), 'out');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(POPPED).filter((k) => k in saved), [], 'generation keys left in config.json');
  assert.deepEqual(Object.fromEntries(Object.keys(KEPT).map((k) => [k, saved[k]])), KEPT);
  // the generation settings are not lost: generation_config.json holds them (from_model_config of the source's)
  const gen = savedGeneration(out) as Record<string, unknown>;
  for (const [k, v] of Object.entries({ ...POPPED, ...KEPT })) assert.deepEqual(gen[k], v, `generation_config.json ${k}`);
});

// output_attentions is no generation key transformers pops: PreTrainedConfig keeps it as _output_attentions and its
// to_dict writes it back, so save_pretrained leaves out only the default false (to_diff_dict). With /tmp/hfvenv, a source
// config.json holding output_attentions: true, MistralForCausalLM.from_pretrained(src, attn_implementation='eager')
// .save_pretrained(out) wrote output_attentions: true in config.json (under the default sdpa its save raises instead).
test('a source config.json with output_attentions true: the saved config.json keeps it, as transformers\' save writes it', () => {
  const src = tempDir('mt-save-gen-src-');
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(src, f));
    else if (fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(src, f));
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ ...cfg, output_attentions: true, temperature: 0.7 }));
  const model = captureStderr(() => loadModel(src, { backend })).result;
  const out = path.join(tempDir('mt-save-gen-'), 'out');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(saved.output_attentions, true);
  assert.equal('temperature' in saved, false);
});

// transformers keeps a number's kind: from_pretrained(src).save_pretrained(out) (/tmp/hfvenv, 5.17) of a source whose
// config.json says "repetition_penalty": 2.0 and "sequence_bias": [[[5], 3.0]] (no generation_config.json) wrote them
// as 2.0 and 3.0 in generation_config.json. Ours wrote 2 and 3 (JSON.parse's numbers, by key), which HF's generate()
// refuses ("`penalty` has to be a strictly positive float, but is 2"), and so does ours on the saved folder.
test('a source config.json\'s whole-number floats (repetition_penalty 2.0, a sequence_bias bias 3.0) stay floats in the generation_config.json a save makes', () => {
  const src = tempDir('mt-save-gen-src-');
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(src, f));
    else if (f !== 'generation_config.json' && fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(src, f));
  }
  const text = fs.readFileSync(path.join(TINY_MODEL, 'config.json'), 'utf8').trimEnd();
  fs.writeFileSync(path.join(src, 'config.json'), `${text.slice(0, -1)}, "repetition_penalty": 2.0, "no_repeat_ngram_size": 3, "sequence_bias": [[[5], 3.0]]}\n`);
  const model = captureStderr(() => loadModel(src, { backend })).result;
  const out = path.join(tempDir('mt-save-gen-'), 'out');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  const saved = fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8');
  assert.match(saved, /"repetition_penalty": 2\.0,/);
  assert.match(saved, /"no_repeat_ngram_size": 3,/);
  assert.match(saved, /\[\n\s*5\n\s*\],\n\s*3\.0\n/);
  // the saved folder generates as its source does (its generation_config.json not refused for a number's kind)
  assert.doesNotThrow(() => generationSettings({}, readGenerationConfig(out), 3, 100));
  assert.doesNotThrow(() => generationSettings({}, readGenerationConfig(src), 3, 100));
});
