// hfJson (a saved model folder's config.json and generation_config.json) writes JSON as transformers writes it:
// json.dumps(indent=2, sort_keys=True) with ensure_ascii, floats as Python's repr. The expected text is Python 3.11's
// json.dumps(d, indent=2, sort_keys=True) of the same dict, pasted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareDotNatural } from '../../src/model/names.ts';
import { hfJson } from '../../src/model/save.ts';
import { parsePythonJson } from '../../src/data/python-numbers.ts';

test("hfJson writes a config as transformers' json.dumps(indent=2, sort_keys=True) does: keys sorted (\"10\" before \"2\"), non-ASCII escaped, 1e-05", () => {
  const labels = ['négatif', '😀', ...Array.from({ length: 9 }, (_, i) => `c${i + 2}`)];
  const doc = {
    vocab_size: 512, rms_norm_eps: 1e-5, initializer_range: 0.02, rope_theta: 10000, id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    empty: {}, list: [], eos_token_id: [2, 3], tiny: -2.5e-7, attention_dropout: 0,
  };
  const python = `{
  "attention_dropout": 0.0,
  "empty": {},
  "eos_token_id": [
    2,
    3
  ],
  "id2label": {
    "0": "n\\u00e9gatif",
    "1": "\\ud83d\\ude00",
    "10": "c10",
    "2": "c2",
    "3": "c3",
    "4": "c4",
    "5": "c5",
    "6": "c6",
    "7": "c7",
    "8": "c8",
    "9": "c9"
  },
  "initializer_range": 0.02,
  "list": [],
  "rms_norm_eps": 1e-05,
  "rope_theta": 10000.0,
  "tiny": -2.5e-07,
  "vocab_size": 512
}
`;
  assert.equal(hfJson(doc), python);
  assert.deepEqual(JSON.parse(hfJson(doc)), JSON.parse(JSON.stringify(doc)), 'the same values read back');
});

test("compareDotNatural orders tensor names as transformers' dot_natural_key (the order save_pretrained shards in): layers.2 before layers.10", () => {
  const names = ['model.layers.10.mlp.up_proj.weight', 'model.layers.2.mlp.up_proj.weight', 'lm_head.weight', 'model.norm.weight', 'model.layers.2.input_layernorm.weight',
    'model.embed_tokens.weight', 'score.weight', 'model.layers.1.self_attn.q_proj.weight', 'a.shard_11', 'a.shard_2', 'a.shard'];
  // Python: sorted(names, key=transformers.core_model_loading.dot_natural_key) (transformers 5.17)
  assert.deepEqual([...names].sort(compareDotNatural), ['a.shard', 'a.shard_2', 'a.shard_11', 'lm_head.weight', 'model.embed_tokens.weight',
    'model.layers.1.self_attn.q_proj.weight', 'model.layers.2.input_layernorm.weight', 'model.layers.2.mlp.up_proj.weight',
    'model.layers.10.mlp.up_proj.weight', 'model.norm.weight', 'score.weight']);
});

test('hfJson escapes DEL, keeps -0.0 and sorts keys by code point, as json.dumps(indent=2, sort_keys=True) does', () => {
  // class names as label2id's keys: Python sorts str by code point (U+FF01 before U+1F600), JavaScript by UTF-16 unit
  const doc = { label2id: { '\uff01': 0, '\u{1F600}': 1, 'a\x7fb': 2 }, attention_dropout: -0, rms_norm_eps: 1e-6 };
  const python = `{
  "attention_dropout": -0.0,
  "label2id": {
    "a\\u007fb": 2,
    "\\uff01": 0,
    "\\ud83d\\ude00": 1
  },
  "rms_norm_eps": 1e-06
}
`;
  assert.equal(hfJson(doc), python);
});

test('hfJson writes an int past 2**53 as its source form has it (withPythonNumbers: a bigint), not JSON.parse\'s rounding of it', () => {
  const text = '{"big": 12345678901234567890, "list": [12345678901234567891], "small": 3}';
  assert.equal(hfJson(JSON.parse(text) as Record<string, unknown>, parsePythonJson(text)),
    '{\n  "big": 12345678901234567890,\n  "list": [\n    12345678901234567891\n  ],\n  "small": 3\n}\n');
});
