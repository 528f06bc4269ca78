// A Llama's layer_types: LlamaConfig keeps it and its model reads none (full attention in every layer), but
// transformers 5.17 checks it as it loads the config (PreTrainedConfig.validate_layer_type): each entry one of its
// known layer types, as many as num_hidden_layers. Each case below was loaded with transformers 5.17
// (AutoConfig + AutoModelForCausalLM.from_pretrained of the bundled tiny model made a "llama", 4 layers): the ones
// in LOADS loaded, the ones in FAILS raised StrictDataclassClassValidationError for validate_layer_type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/model/config.ts';

const LLAMA = {
  model_type: 'llama', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 4,
  num_attention_heads: 4, num_key_value_heads: 2,
};
const LOADS: Record<string, unknown> = {
  full: Array(4).fill('full_attention'), sliding: Array(4).fill('sliding_attention'), chunked: Array(4).fill('chunked_attention'),
  mixed: ['full_attention', 'sliding_attention', 'full_attention', 'conv'], null: null,
  // Python's `for` walks a dict's keys: four known types, one per layer
  dict: { full_attention: 1, sliding_attention: 1, conv: 1, moe: 1 },
};
const FAILS: Record<string, [unknown, RegExp]> = {
  unknown: [Array(4).fill('foo'), /^c\/config\.json: layer_types: "foo" is not a layer type transformers knows/],
  legacy: [Array(4).fill('attention'), /layer_types: "attention" is not a layer type/],
  numbers: [[1, 2, 3, 4], /layer_types: 1 is not a layer type/],
  short: [Array(3).fill('full_attention'), /layer_types: has 3 entries, but num_hidden_layers is 4, which transformers 5\.17's LlamaConfig refuses/],
  empty: [[], /layer_types: has 0 entries, but num_hidden_layers is 4/],
  string: ['full_attention', /layer_types: must be null or a list of layer types, one per layer, got "full_attention"/],
  number: [5, /layer_types: must be null or a list/],
  object: [{ a: 1 }, /layer_types: must be null or a list/],
  'dict of 3': [{ full_attention: 1, sliding_attention: 1, conv: 1 }, /layer_types: has 3 entries, but num_hidden_layers is 4/],
};

test("a Llama's layer_types that transformers 5.17 loads is loaded, and computed as a Llama (full attention, no layer types)", () => {
  for (const [name, types] of Object.entries(LOADS)) {
    const cfg = parseConfig({ ...LLAMA, layer_types: types }, 'c/config.json');
    assert.deepEqual([cfg.layerTypes, cfg.slidingWindow], [null, null], name);
  }
});

test("a Llama's layer_types that transformers 5.17 refuses is refused, naming the key", () => {
  // before: every one loaded (llamaAsMistral dropped the key unread)
  for (const [name, [types, message]] of Object.entries(FAILS)) {
    assert.throws(() => parseConfig({ ...LLAMA, layer_types: types }, 'c/config.json'), { message }, name);
  }
  // num_hidden_layers absent: LlamaConfig's 32
  assert.throws(() => parseConfig({ ...LLAMA, num_hidden_layers: undefined, layer_types: Array(4).fill('full_attention') }, 'c/config.json'), { message: /has 4 entries, but num_hidden_layers is 32/ });
});

// mlp_layer_types: validate_layer_type checks it where the config's layer_types is not None (it returns before it
// otherwise), so a Ministral's always (MinistralConfig fills layer_types in) and a Llama's where layer_types is given.
// Checked with transformers 5.17 AutoConfig.from_pretrained on each config (4 layers): FAILS raised
// StrictDataclassClassValidationError for validate_layer_type, the others loaded.
test('mlp_layer_types is checked as transformers 5.17 checks it: where layer_types is given, or the config is a Ministral', () => {
  const MISTRAL = { ...LLAMA, model_type: 'mistral', head_dim: 4, sliding_window: 4 };
  const full = Array(4).fill('full_attention'), foo = Array(4).fill('foo');
  const FAILS_MLP: Record<string, [Record<string, unknown>, RegExp]> = {
    llama: [{ ...LLAMA, layer_types: full, mlp_layer_types: foo }, /^c\/config\.json: mlp_layer_types: "foo" is not a layer type transformers knows here \("sparse", "dense"\), which transformers 5\.17 refuses as it loads a config with layer_types given/],
    'llama short': [{ ...LLAMA, layer_types: full, mlp_layer_types: Array(3).fill('dense') }, /mlp_layer_types: has 3 entries, but num_hidden_layers is 4/],
    'llama string': [{ ...LLAMA, layer_types: full, mlp_layer_types: 'foo' }, /mlp_layer_types: must be null or a list of layer types/],
    'llama number': [{ ...LLAMA, layer_types: full, mlp_layer_types: 5 }, /mlp_layer_types: must be null or a list of layer types/],
    ministral: [{ ...MISTRAL, model_type: 'ministral', mlp_layer_types: foo }, /mlp_layer_types: "foo" is not a layer type .* with model_type "ministral" \(as Ministral\)/],
    'mistral with layer_types': [{ ...MISTRAL, layer_types: full, mlp_layer_types: foo }, /mlp_layer_types: "foo"/],
    'mistral with layer_types null': [{ ...MISTRAL, layer_types: null, mlp_layer_types: foo }, /mlp_layer_types: "foo"/],
  };
  // before: every one loaded
  for (const [name, [config, message]] of Object.entries(FAILS_MLP)) assert.throws(() => parseConfig(config, 'c/config.json'), { message }, name);
  const LOADS_MLP: Record<string, Record<string, unknown>> = {
    'llama without layer_types': { ...LLAMA, mlp_layer_types: foo }, 'mistral without layer_types': { ...MISTRAL, mlp_layer_types: foo },
    'mistral short': { ...MISTRAL, mlp_layer_types: Array(3).fill('dense') }, ministral: { ...MISTRAL, model_type: 'ministral', mlp_layer_types: Array(4).fill('dense') },
    'llama null': { ...LLAMA, layer_types: full, mlp_layer_types: null },
  };
  for (const [name, config] of Object.entries(LOADS_MLP)) assert.equal(parseConfig(config, 'c/config.json').numLayers, 4, name);
});
