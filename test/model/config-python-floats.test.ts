// config.json read as transformers 5.17 reads it: Python's json.loads takes NaN, Infinity and -Infinity, and
// PreTrainedConfig reads {"__float__": "NaN"} (its save_pretrained's form of such a float) as that float; each key's
// own check then decides, as transformers' does (vocab_size NaN: StrictDataclassFieldValidationError; rms_norm_eps
// NaN: loaded, and refused here by the key as a value we cannot compute with; a key nothing reads: loaded). A saved
// config.json writes them back as transformers' save_pretrained does. Checked with transformers 5.17 (AutoConfig,
// AutoModelForCausalLM.from_pretrained, save_pretrained) on the bundled tiny model's config with each value.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { hfJson, saveModelFolder } from '../../src/model/save.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BASE = '"model_type": "mistral", "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, ' +
  '"num_attention_heads": 4, "num_key_value_heads": 2, "rope_theta": 10000.0, "sliding_window": null';

/** A model folder whose config.json is BASE with `more` (JSON text of keys, Python's words allowed) after it. */
function folderWith(more: string): string {
  const dir = tempDir('mt-config-floats-');
  fs.writeFileSync(path.join(dir, 'config.json'), `{${BASE}, ${more}}`);
  return dir;
}

test('a key nothing reads holding NaN, Infinity, -Infinity or {"__float__": …} loads, as transformers loads it', () => {
  // before: "invalid JSON (Unexpected token 'N', …)"
  for (const more of ['"my_key": NaN', '"my_key": [1, -Infinity, "NaN"]', '"my_key": {"a": Infinity}', '"my_key": {"__float__": "-Infinity"}']) {
    assert.equal(loadConfig(folderWith(more)).vocabSize, 64, more);
  }
});

test('NaN for a key that is read is refused by that key\'s check, as a value, not as a JSON syntax error', () => {
  const cases: Array<[string, string]> = [
    ['"rms_norm_eps": NaN', 'rms_norm_eps: must be a positive number, got NaN'],
    ['"rms_norm_eps": {"__float__": "NaN"}', 'rms_norm_eps: must be a positive number, got NaN'],
    ['"rms_norm_eps": {"\\u005f_float__": "NaN"}', 'rms_norm_eps: must be a positive number, got NaN'],
    ['"vocab_size": NaN', 'vocab_size: must be an integer ≥ 1, got NaN'],
    ['"attention_dropout": NaN', 'attention_dropout: must be a number in [0, 1), got NaN'],
    ['"bos_token_id": -Infinity', 'bos_token_id: must be a token id or null, got -Infinity'],
  ];
  for (const [more, message] of cases) {
    const dir = folderWith(more);
    assert.throws(() => loadConfig(dir), (e: Error) => e.message.startsWith(`${path.join(dir, 'config.json')}: ${message}`) || assert.fail(`${more}: ${e.message}`));
  }
});

test('a {"__float__": …} that names no float, and "NaN" in a string, stay as written', () => {
  const dir = folderWith('"rms_norm_eps": {"__float__": "nan"}');
  assert.throws(() => loadConfig(dir), { message: `${path.join(dir, 'config.json')}: rms_norm_eps: must be a positive number, got {"__float__":"nan"}` });
  const text = folderWith('"my_key": "NaN", "rms_norm_eps": NaN');
  assert.throws(() => loadConfig(text), { message: /rms_norm_eps: must be a positive number, got NaN$/ });
});

test('hfJson writes a float JSON has no word for as transformers writes it: tagged in config.json, bare in generation_config.json', () => {
  // config.json: transformers 5.17's save_pretrained of a config with my_key nan (PreTrainedConfig._encode_special_floats)
  assert.equal(hfJson({ a: [NaN, -Infinity], my_key: NaN }, undefined, 'tagged'), `{
  "a": [
    {
      "__float__": "NaN"
    },
    {
      "__float__": "-Infinity"
    }
  ],
  "my_key": {
    "__float__": "NaN"
  }
}
`);
  // generation_config.json: GenerationConfig.to_json_string is json.dumps, which writes NaN and Infinity (not null)
  assert.equal(hfJson({ temperature: Infinity, x: NaN }), '{\n  "temperature": Infinity,\n  "x": NaN\n}\n');
});

test('a saved model keeps its source config.json\'s non-finite floats, in transformers\' saved form', () => {
  const src = folderWith('"my_key": NaN, "my_list": [1.5, Infinity]');
  const model = createRandomModel(createBackend('cpu'), loadConfig(src), { seed: 1 }, 'f32');
  const out = path.join(tempDir('mt-config-floats-saved-'), 'm');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  // before: "my_key": null, "my_list": [1.5, null]
  assert.deepEqual([saved.my_key, saved.my_list], [{ __float__: 'NaN' }, [1.5, { __float__: 'Infinity' }]]);
  assert.deepEqual([loadConfig(out).vocabSize], [64], 'and it reads back');
});

test("a saved model keeps its source generation_config.json's Python floats, as transformers' save writes them (bare)", () => {
  const src = folderWith('"my_key": 1');
  fs.writeFileSync(path.join(src, 'generation_config.json'), '{"bos_token_id": 1, "eos_token_id": 2, "length_penalty": NaN}');
  const model = createRandomModel(createBackend('cpu'), loadConfig(src), { seed: 1 }, 'f32');
  const out = path.join(tempDir('mt-genconfig-floats-saved-'), 'm');
  // before: ".../generation_config.json:1:57: invalid JSON (Unexpected token 'N', …)", nothing saved
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  assert.match(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'), /"length_penalty": NaN/);
});
