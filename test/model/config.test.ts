// HF config.json → MistralConfig: the fixture's config (transformers 5 form), Mistral 7B v0.1 and v0.3
// (transformers 4 form), transformers' defaults for absent keys, and errors that name the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkTrainable, gateActivation, loadConfig, parameterCount, parseConfig, type MistralConfig } from '../../src/model/config.ts';
import { projectionShape } from '../../src/model/weights.ts';
import { QUICKSTART_LAYOUT, runPath } from '../../src/run/layout.ts';
import { UserError } from '../../src/util/errors.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const CONFIGS = path.join(FIXTURES, 'configs');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const v01 = readJson(path.join(CONFIGS, 'mistral-7b-v0.1.config.json'));
const v03 = readJson(path.join(CONFIGS, 'mistral-7b-v0.3.config.json'));

/** A small valid config (transformers 4 form) with `changes` applied; undefined deletes a key. */
function cfgWith(changes: Record<string, unknown>): Record<string, unknown> {
  const c: Record<string, unknown> = {
    model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000, sliding_window: 8,
  };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete c[k];
    else c[k] = v;
  }
  return c;
}

/** parseConfig must throw a UserError naming `where` and the key. */
function rejects(raw: unknown, key: string, ...more: Array<string | RegExp>): void {
  assert.throws(() => parseConfig(raw, 'some/config.json'), (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.ok(e.message.startsWith('some/config.json: '), e.message);
    assert.ok(e.message.includes(`${key}: `), `"${e.message}" does not name ${key}`);
    for (const m of more) {
      if (typeof m === 'string') assert.ok(e.message.includes(m), `"${e.message}" lacks ${m}`);
      else assert.match(e.message, m);
    }
    return true;
  });
}

test('the tiny fixture config: rope theta under rope_parameters, explicit head_dim, window 8', () => {
  const cfg = loadConfig(TINY_BASE);
  const want: MistralConfig = {
    vocabSize: 512, hiddenSize: 64, intermediateSize: 160, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16,
    rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, slidingWindow: 8, layerTypes: null, attentionDropout: 0, tieWordEmbeddings: false, maxPositionEmbeddings: 256,
    bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId: 0, labels: null, task: 'generation', problemType: null, initializerRange: 0.1,
  };
  assert.deepEqual(cfg, want);
});

test('Mistral 7B v0.1: rope_theta at the top level, sliding window 4096, no head_dim key', () => {
  const cfg = parseConfig(v01);
  assert.equal(cfg.ropeTheta, 10000);
  assert.equal(cfg.slidingWindow, 4096);
  assert.equal(cfg.vocabSize, 32000);
  assert.equal(cfg.headDim, 128); // 4096 / 32
  assert.equal(cfg.numKvHeads, 8);
  assert.equal(cfg.numLayers, 32);
  assert.equal(cfg.intermediateSize, 14336);
  assert.equal(cfg.rmsNormEps, 1e-5);
  assert.equal(cfg.maxPositionEmbeddings, 32768);
  assert.equal(cfg.padTokenId, null); // no pad_token_id key
  assert.equal(cfg.bosTokenId, 1);
  assert.deepEqual(cfg.eosTokenIds, [2]);
  assert.equal(cfg.tieWordEmbeddings, false);
  // the published size of Mistral 7B: 7,241,732,096 parameters
  assert.equal(parameterCount(cfg), 7241732096);
});

test('Mistral 7B v0.3: rope theta 1e6, sliding_window null, vocab 32768', () => {
  const cfg = parseConfig(v03);
  assert.equal(cfg.ropeTheta, 1e6);
  assert.equal(cfg.slidingWindow, null);
  assert.equal(cfg.vocabSize, 32768);
  assert.equal(cfg.headDim, 128);
  assert.equal(parameterCount(cfg), 7248023552);
});

test('a classification config counts its score head, not an LM head, as transformers num_parameters() does', () => {
  // tiny MistralForSequenceClassification configs saved by transformers 5.17, num_parameters() beside each
  const base = { model_type: 'mistral', vocab_size: 600, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 12 };
  const cls = (extra: Record<string, unknown>): MistralConfig => parseConfig({ ...base, architectures: ['MistralForSequenceClassification'], ...extra });
  const labels = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  assert.equal(parameterCount(cls({ tie_word_embeddings: true, id2label: labels(4) })), 37920);
  assert.equal(parameterCount(cls({ tie_word_embeddings: false, head_dim: 8, id2label: labels(3) })), 34816);
  assert.equal(parameterCount(cls({ tie_word_embeddings: false, head_dim: 8 })), 34816 - 32); // no id2label: 2 classes
  assert.equal(parameterCount(parseConfig({ ...base, head_dim: 8, tie_word_embeddings: false })), 34816 - 3 * 32 + 600 * 32);
});

test('the variant fixtures parse as their folder names say', () => {
  const v = (name: string): MistralConfig => loadConfig(path.join(FIXTURES, 'variants', name));
  assert.equal(v('no-window').slidingWindow, null);
  assert.equal(v('rope-theta-1e6').ropeTheta, 1e6);
  const noPad = v('no-pad-token');
  assert.equal(noPad.padTokenId, null);
  assert.equal(noPad.bosTokenId, 5);
  assert.deepEqual(noPad.eosTokenIds, [6]);
  assert.equal(v('tied').tieWordEmbeddings, true);
  assert.equal(v('head-dim').headDim, 8);
  assert.equal(v('window4-gqa1').numKvHeads, 1);
  assert.equal(v('window4-gqa1').slidingWindow, 4);
});

test('head_dim: absent, null or 0 → hidden_size // heads (rounded down, as transformers); explicit values are kept even when ≠ hidden / heads', () => {
  assert.equal(parseConfig(cfgWith({})).headDim, 4);
  assert.equal(parseConfig(cfgWith({ head_dim: null })).headDim, 4);
  // transformers' attention and rope read `getattr(config, "head_dim", None) or hidden_size // num_attention_heads`
  assert.equal(parseConfig(cfgWith({ head_dim: 0 })).headDim, 4);
  assert.equal(parseConfig(cfgWith({ head_dim: 0, hidden_size: 18 })).headDim, 4);
  assert.equal(parseConfig(cfgWith({ head_dim: 8 })).headDim, 8);
  // transformers 5.17 builds q_proj (heads · (18 // 4), 18) = (16, 18) for this config and runs it (scripts/hf-check/config_fuzz.py)
  const floored = parseConfig(cfgWith({ hidden_size: 18 }));
  assert.equal(floored.headDim, 4);
  assert.deepEqual(projectionShape(floored, 'q_proj'), [16, 18]);
  rejects(cfgWith({ hidden_size: 14 }), 'head_dim', '14 // num_attention_heads 4', 'even');
  rejects(cfgWith({ head_dim: 7 }), 'head_dim', 'even');
  rejects(cfgWith({ head_dim: 0, hidden_size: 14 }), 'head_dim', '3 (hidden_size 14 // num_attention_heads 4, as head_dim is 0) must be even');
  // transformers 5.17 refuses a bool (strict int) and fails on a negative size
  for (const bad of [false, -2, '8', 4.5]) rejects(cfgWith({ head_dim: bad }), 'head_dim', `got ${JSON.stringify(bad)}`);
});

test('null where transformers 5.17 types a key strictly (int, float, str, bool) is refused, not taken as absent', () => {
  // StrictDataclassFieldValidationError in transformers: "expected int, got NoneType"
  for (const key of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'max_position_embeddings',
    'rms_norm_eps', 'initializer_range', 'attention_dropout', 'hidden_act', 'tie_word_embeddings', 'num_key_value_heads']) {
    rejects(cfgWith({ [key]: null }), key, 'null');
  }
  // the nullable ones keep their meaning: null = none (window, pad, eos), derived (head_dim)
  const c = parseConfig(cfgWith({ sliding_window: null, pad_token_id: null, bos_token_id: null, eos_token_id: null, head_dim: null }));
  assert.deepEqual([c.slidingWindow, c.padTokenId, c.bosTokenId, c.eosTokenIds, c.headDim], [null, null, null, [], 4]);
});

test('max_position_embeddings 0 (which transformers loads, to no use) is refused saying what to write instead', () => {
  for (const bad of [0, -1]) {
    rejects(cfgWith({ max_position_embeddings: bad }), 'max_position_embeddings', `must be an integer ≥ 1, got ${bad}`,
      /: set it to the model's context length \(the longest sequence it was trained on; its model card gives it\)$/);
  }
});

test('layer_types and model_type "ministral": each layer its attention type, as transformers runs them (Ministral); refused where it fails', () => {
  // transformers runs a "mistral" config with layer_types as Ministral: each layer takes the attention its type says;
  // Ministral reads head_dim as given, so these need one (cfgWith's 16 / 4 heads: 4)
  const types = (extra: Record<string, unknown>) => parseConfig(cfgWith({ head_dim: 4, ...extra })).layerTypes;
  assert.deepEqual(types({ layer_types: ['sliding_attention', 'full_attention'] }), ['sliding_attention', 'full_attention']);
  assert.deepEqual(types({ layer_types: ['full_attention', 'full_attention'] }), ['full_attention', 'full_attention']);
  assert.equal(types({}), null);
  const ministral = parseConfig(cfgWith({ head_dim: 4, model_type: 'ministral' }));
  assert.deepEqual([ministral.layerTypes, ministral.slidingWindow], [null, 8]);
  // Ministral builds the sliding-window mask whatever the layers are, and fails without a window (checked)
  rejects(cfgWith({ head_dim: 4, sliding_window: null, layer_types: ['full_attention', 'full_attention'] }), 'sliding_window', 'null with layer_types');
  rejects(cfgWith({ head_dim: 4, sliding_window: null, model_type: 'ministral' }), 'sliding_window', 'null with model_type "ministral"');
  rejects(cfgWith({ head_dim: 4, layer_types: 'sliding_attention' }), 'layer_types', 'must be a list of num_hidden_layers = 2');
  rejects(cfgWith({ head_dim: 4, layer_types: ['sliding_attention'] }), 'layer_types', 'must be a list of num_hidden_layers = 2');
  rejects(cfgWith({ head_dim: 4, layer_types: ['sliding_attention', 'chunked_attention'] }), 'layer_types', '"chunked_attention" is not an attention type');
  // transformers' Ministral fails without head_dim (checked: absent, and 0)
  rejects(cfgWith({ layer_types: ['sliding_attention', 'full_attention'] }), 'head_dim', 'with layer_types', 'give the head size');
  rejects(cfgWith({ head_dim: 0, layer_types: ['sliding_attention', 'full_attention'] }), 'head_dim', 'with layer_types');
  rejects(cfgWith({ model_type: 'ministral' }), 'head_dim', 'with model_type "ministral"');
  // the key alone makes it Ministral: "layer_types": null too (AutoConfig's `"layer_types" in config_dict`), which then
  // computes every layer by sliding_window, and fails without a window or head_dim as above (checked: "Could not find a
  // `sliding_window`", and a TypeError on head_dim None)
  assert.deepEqual(types({ layer_types: null }), null);
  rejects(cfgWith({ head_dim: 4, sliding_window: null, layer_types: null }), 'sliding_window', 'null with layer_types (null here)');
  rejects(cfgWith({ layer_types: null }), 'head_dim', 'with layer_types (null here)');
  rejects(cfgWith({ head_dim: null, layer_types: null }), 'head_dim', 'with layer_types (null here)');
});

test('attention_dropout: parsed (default 0); training refuses a nonzero one, naming the key; invalid values refused', () => {
  assert.equal(parseConfig(cfgWith({})).attentionDropout, 0);
  const cfg = parseConfig(cfgWith({ attention_dropout: 0.1 }));
  assert.equal(cfg.attentionDropout, 0.1);
  for (const task of ['generation', 'classification'] as const) {
    assert.throws(() => checkTrainable(cfg, task, 'm/config.json'), (e: unknown) =>
      e instanceof UserError && e.message.startsWith('m/config.json: attention_dropout: 0.1: ') && !e.message.includes('\n'));
  }
  checkTrainable(parseConfig(cfgWith({ attention_dropout: 0.0 })), 'generation');
  rejects(cfgWith({ attention_dropout: 1 }), 'attention_dropout', '[0, 1)');
  rejects(cfgWith({ attention_dropout: '0.1' }), 'attention_dropout');
});

test('attention_dropout null: a Llama reads it (LlamaConfig types it int | float | None) and evaluates as transformers does; training refuses it, naming the key', () => {
  // transformers 5.17 loads a "llama" config with "attention_dropout": null and evaluates it (no dropout outside
  // training), and fails to train it (eager: TypeError comparing None with a float; sdpa: dropout_p must be float):
  // checked with LlamaForCausalLM, both attention implementations
  const llama = parseConfig(cfgWith({ model_type: 'llama', architectures: ['LlamaForCausalLM'], attention_dropout: null }));
  assert.equal(llama.attentionDropout, null);
  for (const task of ['generation', 'classification'] as const) {
    assert.throws(() => checkTrainable(llama, task, 'm/config.json'), (e: unknown) =>
      e instanceof UserError && e.message.startsWith('m/config.json: attention_dropout: null: ') && !e.message.includes('\n'));
  }
  // MistralConfig and MinistralConfig type it float | int: null is refused there, as transformers' strict config refuses it
  rejects(cfgWith({ attention_dropout: null }), 'attention_dropout', '[0, 1)');
  rejects(cfgWith({ model_type: 'ministral', head_dim: 4, sliding_window: 8, attention_dropout: null }), 'attention_dropout');
});

test('problem_type: classification training refuses the losses transformers would take other than cross-entropy, naming the key', () => {
  assert.equal(parseConfig(cfgWith({})).problemType, null);
  for (const kind of ['regression', 'multi_label_classification'] as const) {
    const cfg = parseConfig(cfgWith({ problem_type: kind }));
    assert.equal(cfg.problemType, kind);
    assert.throws(() => checkTrainable(cfg, 'classification', 'm/config.json'), (e: unknown) =>
      e instanceof UserError && e.message.startsWith(`m/config.json: problem_type: "${kind}": `) && !e.message.includes('\n'));
    checkTrainable(cfg, 'generation'); // the LM head's loss does not read it
  }
  checkTrainable(parseConfig(cfgWith({ problem_type: 'single_label_classification' })), 'classification');
  rejects(cfgWith({ problem_type: 'ranking' }), 'problem_type', '"ranking"');
});

test('pad_token_id absent or null → null; a number is kept; bad values are refused', () => {
  assert.equal(parseConfig(cfgWith({})).padTokenId, null);
  assert.equal(parseConfig(cfgWith({ pad_token_id: null })).padTokenId, null);
  assert.equal(parseConfig(cfgWith({ pad_token_id: 0 })).padTokenId, 0);
  // a negative one is nn.Embedding's padding_idx counted from the end, as transformers reads it (pad-negative.test.ts)
  assert.equal(captureStderr(() => parseConfig(cfgWith({ pad_token_id: -1 }))).result.padTokenId, -1);
  rejects(cfgWith({ pad_token_id: 1.5 }), 'pad_token_id');
  rejects(cfgWith({ pad_token_id: '0' }), 'pad_token_id');
});

test('tie_word_embeddings: default false, true kept, non-boolean refused', () => {
  assert.equal(parseConfig(cfgWith({})).tieWordEmbeddings, false);
  assert.equal(parseConfig(cfgWith({ tie_word_embeddings: true })).tieWordEmbeddings, true);
  rejects(cfgWith({ tie_word_embeddings: 'yes' }), 'tie_word_embeddings');
});

test('sliding_window: null = none, absent = transformers\' default 4096, otherwise an integer ≥ 1', () => {
  assert.equal(parseConfig(cfgWith({ sliding_window: null })).slidingWindow, null);
  assert.equal(parseConfig(cfgWith({ sliding_window: undefined })).slidingWindow, 4096);
  assert.equal(parseConfig(cfgWith({ sliding_window: 3 })).slidingWindow, 3);
  rejects(cfgWith({ sliding_window: 0 }), 'sliding_window');
  rejects(cfgWith({ sliding_window: 2.5 }), 'sliding_window');
});

test('num_key_value_heads: absent = transformers\' default 8, null refused as transformers 5.17 refuses it; must divide the heads', () => {
  assert.equal(parseConfig(cfgWith({ num_attention_heads: 16, hidden_size: 64, num_key_value_heads: undefined })).numKvHeads, 8);
  // was read as num_attention_heads (transformers 4's reading); 5.17's strict MistralConfig types it int and refuses null
  assert.throws(() => parseConfig(cfgWith({ num_key_value_heads: null }), 'm/config.json'), {
    message: 'm/config.json: num_key_value_heads: must be an integer ≥ 1, got null (transformers 5 refuses null here: for no grouped-query attention write num_attention_heads\' 4)',
  });
  assert.equal(parseConfig(cfgWith({ num_key_value_heads: 1 })).numKvHeads, 1);
  rejects(cfgWith({ num_key_value_heads: 3 }), 'num_key_value_heads', 'divide');
  rejects(cfgWith({ num_key_value_heads: undefined }), 'num_key_value_heads', '8'); // 8 does not divide 4 heads
});

test('rope theta: top level, under rope_parameters (which wins), default 1e4; invalid values refused', () => {
  assert.equal(parseConfig(cfgWith({ rope_theta: 5e5 })).ropeTheta, 5e5);
  assert.equal(parseConfig(cfgWith({ rope_theta: undefined })).ropeTheta, 10000);
  assert.equal(parseConfig(cfgWith({ rope_theta: undefined, rope_parameters: { rope_theta: 1e6, rope_type: 'default' } })).ropeTheta, 1e6);
  assert.equal(parseConfig(cfgWith({ rope_theta: 1, rope_parameters: { rope_theta: 1e6 } })).ropeTheta, 1e6);
  assert.equal(parseConfig(cfgWith({ rope_scaling: null })).ropeTheta, 10000);
  assert.equal(parseConfig(cfgWith({ rope_scaling: { rope_type: 'default' } })).ropeTheta, 10000);
  // transformers 5.17 (convert_rope_params_to_dict): a non-empty rope_scaling is the rope dict, before rope_parameters;
  // its rope_theta wins over the top level (probed: {"rope_scaling": {"rope_type": "default", "rope_theta": 777}} → 777)
  assert.equal(parseConfig(cfgWith({ rope_scaling: { rope_type: 'default', rope_theta: 777 } })).ropeTheta, 777);
  assert.equal(parseConfig(cfgWith({ rope_scaling: { rope_type: 'default' }, rope_parameters: { rope_theta: 500 } })).ropeTheta, 10000);
  assert.equal(parseConfig(cfgWith({ rope_scaling: {}, rope_parameters: { rope_theta: 500 } })).ropeTheta, 500);
  rejects(cfgWith({ rope_scaling: { rope_type: 'default', rope_theta: 0 } }), 'rope_scaling.rope_theta');
  rejects(cfgWith({ rope_theta: -1 }), 'rope_theta');
  rejects(cfgWith({ rope_theta: '1e4' }), 'rope_theta');
  rejects(cfgWith({ rope_parameters: [1] }), 'rope_parameters');
  // a null theta or type is kept by transformers (setdefault) and fails there (TypeError, KeyError None): refused, not 1e4
  rejects(cfgWith({ rope_theta: null }), 'rope_theta', 'got null');
  rejects(cfgWith({ rope_parameters: { rope_theta: null } }), 'rope_parameters.rope_theta', 'got null');
  rejects(cfgWith({ rope_parameters: { rope_type: null, rope_theta: 10 } }), 'rope_parameters.rope_type', 'null');
  rejects(cfgWith({ rope_parameters: { type: null, rope_theta: 10 } }), 'rope_parameters.rope_type', 'null');
  assert.equal(parseConfig(cfgWith({ rope_theta: null, rope_parameters: { rope_theta: 500 } })).ropeTheta, 500, 'the dict\'s theta wins');
});

test('scaled rope: linear, yarn and llama3 with transformers\' defaults filled in', () => {
  const scaling = (changes: Record<string, unknown>) => parseConfig(cfgWith(changes)).ropeScaling;
  assert.equal(scaling({}), null);
  assert.deepEqual(scaling({ rope_scaling: { type: 'linear', factor: 2 } }), { type: 'linear', factor: 2 });
  // dynamic NTK: plain rope within max_position_embeddings, which the model enforces
  assert.deepEqual(scaling({ max_position_embeddings: 512, rope_scaling: { type: 'dynamic', factor: 2 } }), { type: 'dynamic', factor: 2, maxPositionEmbeddings: 512 });
  // yarn: original_max_position_embeddings from max_position_embeddings; attention factor 0.1·ln(factor) + 1; betas 32 and 1
  assert.deepEqual(scaling({ max_position_embeddings: 4096, rope_scaling: { rope_type: 'yarn', factor: 4 } }), {
    type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, attentionFactor: 0.1 * Math.log(4) + 1, betaFast: 32, betaSlow: 1, truncate: true,
  });
  // a top-level original_max_position_embeddings wins over the dict's (Phi-3's form); beta 0 takes the default (`or`)
  const y = scaling({ original_max_position_embeddings: 100, rope_parameters: { rope_type: 'yarn', factor: 2, original_max_position_embeddings: 50, beta_fast: 0 } });
  assert.deepEqual([y?.type === 'yarn' && y.originalMaxPositionEmbeddings, y?.type === 'yarn' && y.betaFast], [100, 32]);
  // transformers tests truncate as a truth value: null is false
  const t = scaling({ rope_parameters: { rope_type: 'yarn', factor: 2, truncate: null } });
  assert.equal(t?.type === 'yarn' && t.truncate, false);
  // factor null: max_position_embeddings / original; mscale and mscale_all_dim give the attention factor
  const m = scaling({ max_position_embeddings: 256, rope_parameters: { rope_type: 'yarn', factor: null, original_max_position_embeddings: 32, mscale: 1, mscale_all_dim: 0.5 } });
  assert.deepEqual([m?.type === 'yarn' && m.factor, m?.type === 'yarn' && m.attentionFactor], [8, (0.1 * Math.log(8) + 1) / (0.05 * Math.log(8) + 1)]);
  // longrope: factor absent → max_position_embeddings / original; attention factor √(1 + ln(factor) / ln(original))
  assert.deepEqual(scaling({ max_position_embeddings: 4096, rope_parameters: { rope_type: 'longrope', original_max_position_embeddings: 1024, short_factor: [1, 1.5], long_factor: [2, 3] } }), {
    type: 'longrope', originalMaxPositionEmbeddings: 1024, shortFactor: [1, 1.5], longFactor: [2, 3], attentionFactor: Math.sqrt(1 + Math.log(4) / Math.log(1024)),
  });
  assert.equal((scaling({ rope_parameters: { rope_type: 'longrope', factor: 0.5, short_factor: [1, 1], long_factor: [1, 1] } }) as { attentionFactor: number }).attentionFactor, 1);
  assert.deepEqual(scaling({ max_position_embeddings: 1024, rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, factor: 8, low_freq_factor: 1, high_freq_factor: 4 } }), {
    type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 1024,
  });
});

test('rope scaling that changes with the input, or with missing or bad parameters, is refused naming the key', () => {
  rejects(cfgWith({ rope_parameters: { rope_type: 'longrope', short_factor: [1], long_factor: [1, 2] } }), 'rope_parameters.short_factor', 'head_dim / 2 = 2 positive numbers', 'got [1]');
  rejects(cfgWith({ rope_parameters: { rope_type: 'longrope', short_factor: [1, 2] } }), 'rope_parameters.long_factor', 'longrope rope scaling needs it');
  rejects(cfgWith({ rope_parameters: { rope_type: 'longrope', short_factor: [1, 2], long_factor: [1, -2] } }), 'rope_parameters.long_factor');
  rejects(cfgWith({ rope_parameters: { rope_type: 'su' } }), 'rope_parameters.rope_type', '"su"', 'supported: "default", "linear", "dynamic", "yarn", "longrope" or "llama3"');
  // transformers 5.17's ROPE_INIT_FUNCTIONS also has "proportional", which its Mistral computes: refused, not run as plain rope
  rejects(cfgWith({ rope_parameters: { rope_type: 'proportional', rope_theta: 1e4, partial_rotary_factor: 0.5 } }), 'rope_parameters.rope_type', '"proportional" rope scaling is not supported');
  rejects(cfgWith({ rope_scaling: { type: 'dynamic' } }), 'rope_scaling.factor', 'dynamic rope scaling needs it');
  rejects(cfgWith({ head_dim: 2, rope_scaling: { type: 'dynamic', factor: 2 } }), 'head_dim', 'above 2');
  // transformers fails on these (checked): yarn and dynamic read head_dim 0 as 0; linear and llama3 as hidden // heads
  rejects(cfgWith({ head_dim: 0, rope_scaling: { type: 'yarn', factor: 2 } }), 'head_dim', 'yarn rope scaling');
  rejects(cfgWith({ head_dim: 0, rope_scaling: { type: 'dynamic', factor: 2 } }), 'head_dim', 'dynamic rope scaling');
  rejects(cfgWith({ head_dim: 0, rope_parameters: { rope_type: 'longrope', short_factor: [1, 1], long_factor: [2, 2] } }), 'head_dim', 'longrope rope scaling');
  assert.equal(parseConfig(cfgWith({ head_dim: 0, rope_scaling: { type: 'linear', factor: 2 } })).headDim, 4);
  rejects(cfgWith({ rope_scaling: 'dynamic' }), 'rope_scaling');
  // a rope dict per attention type (Gemma 3's form) is not read by transformers' Mistral: it warns of unrecognized keys
  // and runs plain rope with the top-level θ, or 1e4 (checked)
  const perType = { sliding_attention: { rope_type: 'linear', factor: 2 }, full_attention: { rope_type: 'default', rope_theta: 1e6 } };
  assert.deepEqual([parseConfig(cfgWith({ rope_theta: undefined, rope_parameters: perType })).ropeTheta, parseConfig(cfgWith({ rope_parameters: perType })).ropeScaling], [10000, null]);
  // … with a warning naming the key, as transformers warns; where a key is one of the config's layer types (its layer_types,
  // or a Ministral's default: every layer sliding), transformers fails on the form (checked): refused
  const warned = captureStderr(() => parseConfig(cfgWith({ rope_theta: 5e5, rope_parameters: perType }), 'per-type/config.json'));
  assert.equal(warned.result.ropeTheta, 5e5);
  assert.match(warned.stderr, /^warning: per-type\/config\.json: rope_parameters\.sliding_attention: a rope dict per layer type is not read: .*θ 500000 applies to every layer\n$/);
  rejects(cfgWith({ head_dim: 4, layer_types: ['full_attention', 'sliding_attention'], rope_parameters: perType }), 'rope_parameters.sliding_attention', 'per layer type is not supported', 'fails on this form');
  rejects(cfgWith({ head_dim: 4, model_type: 'ministral', rope_scaling: { sliding_attention: { rope_type: 'linear', factor: 2 } } }), 'rope_scaling.sliding_attention', 'per layer type is not supported');
  // "layer_types": null makes a "mistral" config Ministral too, every layer sliding (checked: AttributeError)
  rejects(cfgWith({ head_dim: 4, layer_types: null, rope_parameters: { rope_theta: 1e4, sliding_attention: { rope_type: 'default', rope_theta: 500 } } }), 'rope_parameters.sliding_attention', 'per layer type is not supported');
  assert.equal(parseConfig(cfgWith({ head_dim: 4, model_type: 'ministral', rope_parameters: { full_attention: { rope_theta: 1e6 } } })).ropeTheta, 10000);
  rejects(cfgWith({ rope_scaling: { type: 'linear' } }), 'rope_scaling.factor', 'linear rope scaling needs it');
  rejects(cfgWith({ rope_scaling: { type: 'linear', factor: 0 } }), 'rope_scaling.factor', 'positive');
  rejects(cfgWith({ rope_scaling: { type: 'linear', factor: '2' } }), 'rope_scaling.factor');
  rejects(cfgWith({ rope_parameters: { rope_type: 'yarn' } }), 'rope_parameters.factor', 'missing');
  rejects(cfgWith({ rope_parameters: { rope_type: 'yarn', factor: 2, truncate: 'no' } }), 'rope_parameters.truncate');
  rejects(cfgWith({ rope_parameters: { rope_type: 'yarn', factor: 2, original_max_position_embeddings: 1.5 } }), 'rope_parameters.original_max_position_embeddings');
  rejects(cfgWith({ rope_parameters: { rope_type: 'yarn', factor: 2, attention_factor: -1 } }), 'rope_parameters.attention_factor');
  rejects(cfgWith({ rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 1 } }), 'rope_parameters.high_freq_factor', 'above low_freq_factor 4');
  rejects(cfgWith({ rope_parameters: { rope_type: 'llama3', factor: 8, high_freq_factor: 4 } }), 'rope_parameters.low_freq_factor', 'llama3 rope scaling needs it');
  rejects(cfgWith({ partial_rotary_factor: 0.5, rope_scaling: { type: 'linear', factor: 2 } }), 'partial_rotary_factor', 'only 1');
  rejects(cfgWith({ rope_parameters: { rope_type: 'linear', factor: 2, partial_rotary_factor: 0.5 } }), 'rope_parameters.partial_rotary_factor');
  // Mistral's plain rope ignores it (transformers' own default rope reads the whole head_dim)
  assert.equal(parseConfig(cfgWith({ partial_rotary_factor: 0.5 })).ropeScaling, null);
  assert.deepEqual(parseConfig(cfgWith({ partial_rotary_factor: 1, rope_scaling: { type: 'linear', factor: 2 } })).ropeScaling, { type: 'linear', factor: 2 });
});

test('unsupported model types, activations and biases are refused, naming the key', () => {
  rejects(cfgWith({ model_type: 'qwen2' }), 'model_type', '"qwen2"', '"mistral", "ministral" and "llama"');
  rejects(cfgWith({ model_type: 'mixtral' }), 'model_type', '"mixtral" (a mixture of experts', 'not supported');
  rejects(cfgWith({ model_type: 'mistral3' }), 'model_type', '"mistral3" (multimodal', 'not supported');
  rejects(cfgWith({ model_type: undefined }), 'model_type', 'missing');
  // transformers' other Mistral heads: a token classifier's score.weight has a sequence classifier's shape, and was
  // loaded as one (scripts/hf-check/config_matrix.py's probe)
  rejects(cfgWith({ architectures: ['MistralForTokenClassification'] }), 'architectures', '"MistralForTokenClassification" (a label for every token) is not supported', '…ForSequenceClassification');
  rejects(cfgWith({ architectures: ['MistralForQuestionAnswering'] }), 'architectures', '"MistralForQuestionAnswering" (the start and end of an answer span');
  assert.equal(parseConfig(cfgWith({ architectures: ['MistralForSequenceClassification'] })).task, 'classification');
  assert.equal(parseConfig(cfgWith({ architectures: ['MistralModel'] })).task, null);
  rejects(cfgWith({ quantization_config: { quant_method: 'gptq', bits: 4 } }), 'quantization_config', 'quantized (gptq)', 'unquantized weights');
  rejects(cfgWith({ quantization_config: { quant_method: 'fp8', activation_scheme: 'dynamic' } }), 'quantization_config', '(fp8)');
  assert.equal(parseConfig(cfgWith({ quantization_config: null })).hiddenSize, 16, 'null: not quantized');
  // a text_config (a multimodal config's key) in a "mistral" or "ministral" config: transformers 5.17 fails to load the model
  // whatever it holds (checked: AttributeError, 'dict' object has no attribute 'to_dict'); null is no text_config
  for (const textConfig of [{ hidden_size: 16 }, {}, 'x', []]) {
    rejects(cfgWith({ text_config: textConfig }), 'text_config', 'transformers 5.17 fails to load');
  }
  rejects(cfgWith({ head_dim: 4, model_type: 'ministral', text_config: {} }), 'text_config', 'a "ministral" config');
  // its advice is no dead end: a multimodal model's own config.json ("mistral3", "llava") is refused as well
  rejects(cfgWith({ text_config: {} }), 'text_config', 'delete it where the top-level keys are the text model\'s', 'a multimodal model ("mistral3", "llava"…) is not supported');
  rejects(cfgWith({ model_type: 'mistral3' }), 'model_type', 'multimodal');
  assert.equal(parseConfig(cfgWith({ text_config: null })).hiddenSize, 16, 'null: no text_config');
  rejects(cfgWith({ dtype: 'int8' }), 'dtype', '"int8"', 'unquantized');
  rejects(cfgWith({ torch_dtype: 'int8' }), 'torch_dtype', '"int8"');
  rejects(cfgWith({ dtype: 'float8_e4m3fn' }), 'dtype', '"float8_e4m3fn"');
  rejects(cfgWith({ torch_dtype: 'bf16' }), 'torch_dtype', '"bf16"'); // not a torch dtype: transformers cannot read it either
  rejects(cfgWith({ dtype: 16 }), 'dtype', '16');
  for (const dtype of ['float32', 'float', 'bfloat16', 'float16', 'half', 'float64', 'double', 'auto', null]) {
    assert.equal(parseConfig(cfgWith({ dtype, torch_dtype: dtype })).hiddenSize, 16, `${dtype}: a float type`);
  }
  // transformers' ACT2FN names computed here (hf-activations.test.ts); others refused by name
  for (const act of ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu']) assert.equal(parseConfig(cfgWith({ hidden_act: act })).hiddenAct, act);
  assert.equal(parseConfig(cfgWith({ hidden_act: 'silu' })).hiddenAct, undefined);
  assert.equal(gateActivation(parseConfig(cfgWith({ hidden_act: 'swish' }))), 'silu'); // transformers: the same as silu
  assert.equal(gateActivation(parseConfig(cfgWith({ hidden_act: 'gelu_new' }))), 'gelu_tanh');
  rejects(cfgWith({ hidden_act: 'gelu_10' }), 'hidden_act', '"gelu_10"', '"gelu_pytorch_tanh"');
  rejects(cfgWith({ hidden_act: 'quick_gelu' }), 'hidden_act', '"quick_gelu"');
  rejects(cfgWith({ hidden_act: null }), 'hidden_act', 'null');
  // not MistralConfig's keys: transformers builds the projections without biases whatever they say (a checkpoint with
  // biases is refused as it loads: model-files.test.ts)
  assert.equal(parseConfig(cfgWith({ attention_bias: true, mlp_bias: true })).hiddenSize, 16);
});

test('sizes must be positive integers; eos may be a list or null; id2label gives class names', () => {
  rejects(cfgWith({ vocab_size: 0 }), 'vocab_size');
  rejects(cfgWith({ hidden_size: 16.5 }), 'hidden_size');
  rejects(cfgWith({ num_hidden_layers: '2' }), 'num_hidden_layers');
  rejects(cfgWith({ rms_norm_eps: 0 }), 'rms_norm_eps');
  assert.deepEqual(parseConfig(cfgWith({ eos_token_id: [2, 63] })).eosTokenIds, [2, 63]);
  assert.deepEqual(captureStderr(() => parseConfig(cfgWith({ eos_token_id: [2, 32000] }))).result.eosTokenIds, [2, 32000]); // past vocab_size: loaded with a warning, as transformers
  assert.deepEqual(parseConfig(cfgWith({ eos_token_id: null })).eosTokenIds, []);
  rejects(cfgWith({ eos_token_id: 'x' }), 'eos_token_id');
  assert.deepEqual(parseConfig(cfgWith({ id2label: { 1: 'pos', 0: 'neg' } })).labels, ['neg', 'pos']);
  rejects(cfgWith({ id2label: { 0: 'a', 5: 'b' } }), 'id2label');
  // keys as Python's int() reads them (transformers' PretrainedConfig): " 1" and "01" are 1; two keys for one integer
  // would leave a class without a name (HF's dict keeps the last): an error naming both
  assert.deepEqual(parseConfig(cfgWith({ id2label: { ' 1': 'pos', '0': 'neg' } })).labels, ['neg', 'pos']);
  rejects(cfgWith({ id2label: { '0': 'a', '00': 'b' } }), 'id2label', /the keys "0" and "00" are both the class 0: give each class one key/);
  rejects(cfgWith({ id2label: { '1': 'a', ' 1': 'b' } }), 'id2label', /the keys "1" and " 1" are both the class 1/);
  for (const k of ['', '1.0', '0x1', '1e0', '-1']) rejects(cfgWith({ id2label: { [k]: 'a', '1': 'b' } }), 'id2label', /entries must be/);
  assert.throws(() => parseConfig([1, 2], 'x.json'), /x\.json: not a JSON object/);
});

test('loadConfig: a missing or broken config.json is named', () => {
  const dir = tempDir('mt-config-');
  try {
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof UserError && e.message.includes(path.join(dir, 'config.json')) && /not found/.test(e.message));
    fs.writeFileSync(path.join(dir, 'config.json'), '{"model_type": "mistral",');
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof UserError && e.message.includes(path.join(dir, 'config.json')) && /invalid JSON/.test(e.message));
    // a word neither JSON nor Python's json has (nan: Python's is NaN, which is read as it reads it:
    // config-python-floats.test.ts) is named by its line and column, in one line: V8's message for it gives no
    // position and quotes the text around it, newlines and all
    fs.writeFileSync(path.join(dir, 'config.json'), '{\n  "model_type": "mistral",\n  "rope_theta": nan,\n  "vocab_size": 32000\n}\n');
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof UserError && e.message.startsWith(`${path.join(dir, 'config.json')}:3:18: invalid JSON (Unexpected token 'a'`) && !e.message.includes('\n'));
    fs.writeFileSync(path.join(dir, 'config.json'), 'nan\n');
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof UserError && e.message.startsWith(`${path.join(dir, 'config.json')}: invalid JSON (Unexpected token 'a', "nan\\n" is not valid JSON)`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a run or quickstart folder given as a model says where its model is, and that the commands take a run as --run', () => {
  const run = tempDir('mt-run-as-model-');
  fs.writeFileSync(runPath(run, 'marker'), '{}');
  const missing = `${path.join(run, 'config.json')}: model config not found (a model folder needs config.json): ${run} is a training run's folder: `;
  const take = `; eval, generate, classify and export take the run itself as --run ${run}`;
  assert.throws(() => loadConfig(run), { message: `${missing}its weights are written to model/ or adapter/ when it finishes${take}` });
  fs.mkdirSync(runPath(run, 'adapter'));
  assert.throws(() => loadConfig(run), { message: `${missing}its LoRA adapter is ${runPath(run, 'adapter')}, used with the base model (--adapter)${take}` });
  fs.mkdirSync(runPath(run, 'model'));
  assert.throws(() => loadConfig(run), { message: `${missing}its trained model is ${runPath(run, 'model')}${take}` });
  const quickstart = tempDir('mt-quickstart-as-model-');
  fs.writeFileSync(path.join(quickstart, QUICKSTART_LAYOUT.marker), '{}');
  assert.throws(() => loadConfig(quickstart), { message: `${path.join(quickstart, 'config.json')}: model config not found (a model folder needs config.json): ${quickstart} is a quickstart folder; its model is ${path.join(quickstart, QUICKSTART_LAYOUT.model)}` });
  const adapter = tempDir('mt-adapter-as-model-');
  const adapterHint = `${path.join(adapter, 'config.json')}: model config not found (a model folder needs config.json): ${adapter} is a PEFT adapter: give it as --adapter ${adapter} with its base model as --model`;
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), '{"base_model_name_or_path": "mistralai/Mistral-7B-v0.1", "r": 8}');
  assert.throws(() => loadConfig(adapter), { message: `${adapterHint} (its adapter_config.json names "mistralai/Mistral-7B-v0.1")` });
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), '{"r": 8');
  assert.throws(() => loadConfig(adapter), { message: adapterHint });
  // another folder keeps the plain words
  const other = tempDir('mt-not-a-model-');
  assert.throws(() => loadConfig(other), { message: `${path.join(other, 'config.json')}: model config not found (a model folder needs config.json)` });
});

test('a run folder or adapter named like a flag (-x) is hinted as ./-x, which a pasted command does not read as an option', () => {
  const cwd = process.cwd(), root = tempDir('mt-dash-names-');
  try {
    process.chdir(root);
    fs.mkdirSync('-run');
    fs.writeFileSync(runPath('-run', 'marker'), '{}');
    assert.throws(() => loadConfig('-run'), /take the run itself as --run \.\/-run$/);
    fs.mkdirSync('-adapter');
    fs.writeFileSync(path.join('-adapter', 'adapter_config.json'), '{"r": 8');
    assert.throws(() => loadConfig('-adapter'), /give it as --adapter \.\/-adapter with its base model/);
  } finally {
    process.chdir(cwd);
  }
});

test('a file given as the model folder (a .gguf export) is named as a file, not as a folder not found or FILE/config.json', () => {
  const dir = tempDir('mt-file-as-model-');
  const gguf = path.join(dir, 'model.gguf'), st = path.join(dir, 'model.safetensors');
  fs.writeFileSync(gguf, 'GGUF');
  fs.writeFileSync(st, '');
  const advice = 'a file, not a model folder: give the folder that holds config.json and the *.safetensors';
  assert.throws(() => loadConfig(gguf), { name: 'UserError', message: `${gguf}: ${advice} (a GGUF file is for llama.cpp and Ollama; mistral-tune reads the Hugging Face folder it was exported from)` });
  assert.throws(() => loadConfig(st), { name: 'UserError', message: `${st}: ${advice}` });
  assert.throws(() => loadConfig(path.join(dir, 'none')), { name: 'UserError', message: `${path.join(dir, 'none')}: model folder not found` });
});

test('a num_labels past any class count is refused by the key before its LABEL_i names are built (1e9 hung)', () => {
  rejects(cfgWith({ num_labels: 1e9 }), 'num_labels', '1000000000', 'at most 65536');
  rejects(cfgWith({ num_labels: 1e9, id2label: { 0: 'neg', 1: 'pos' } }), 'num_labels', 'at most 65536');
  assert.equal(parseConfig(cfgWith({ num_labels: 65536 })).labels!.length, 65536);
});

test('the num_labels warning is said once for a config.json read more than once (train read it three times), again where it changed', () => {
  const base = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  const where = path.join(tempDir('mt-config-once-'), 'config.json');
  const parse = (numLabels: number): string => captureStderr(() => parseConfig({ ...base, num_labels: numLabels, id2label: { 0: 'a', 1: 'b' } }, where)).stderr;
  assert.match(parse(3), /num_labels 3 differs from id2label's 2 names/);
  assert.equal(parse(3), '');
  assert.match(parse(4), /num_labels 4 differs from id2label's 2 names/);
});

// JSON.parse reads 1e400 as Infinity, which the errors wrote with JSON.stringify: "sliding_window: … got null" for a
// value the file gives.
test('a number past float64\'s range in config.json is said as such, not as null', () => {
  const raw = JSON.parse('{"sliding_window": 1e400, "num_hidden_layers": 1e400}') as Record<string, unknown>;
  assert.throws(() => parseConfig(cfgWith({ sliding_window: raw.sliding_window })), /sliding_window: must be null or an integer ≥ 1, got Infinity \(a number past float64's range, as 1e400\)/);
  assert.throws(() => parseConfig(cfgWith({ num_hidden_layers: raw.num_hidden_layers })), /num_hidden_layers: must be an integer ≥ 1, got Infinity \(a number past float64's range, as 1e400\)/);
});

// config.json is read as transformers reads it (json.loads: Infinity is Python's word, 1e400 a number past float64):
// the error quotes the value as the file spells it, not "a number past float64's range, as 1e400" for an Infinity.
test('an infinite size in config.json is quoted as the file spells it: Infinity, -Infinity, or the number past float64 it wrote', () => {
  const text = fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8');
  for (const [spelled, shown] of [['Infinity', 'Infinity'], ['-Infinity', '-Infinity'], ['1e400', "1e400 (past float64's range: read as Infinity)"]]) {
    const dir = tempDir('mt-config-inf-');
    fs.writeFileSync(path.join(dir, 'config.json'), text.replace(/"vocab_size": \d+/, `"vocab_size": ${spelled}`));
    assert.throws(() => loadConfig(dir), { message: `${path.join(dir, 'config.json')}: vocab_size: must be an integer ≥ 1, got ${shown}` }, spelled);
  }
});
