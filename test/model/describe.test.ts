// The one line train and train --dry-run print about the model: Mistral 7B v0.1's published shape and parameter count,
// v0.3's, and each rope scaling named with its parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/model/config.ts';
import { describeModelConfig } from '../../src/model/describe.ts';
import { FIXTURES } from '../helpers.ts';

const read = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'configs', name), 'utf8')) as Record<string, unknown>;

test('Mistral 7B v0.1 and v0.3: shape, window, rope and parameters', () => {
  assert.equal(describeModelConfig(parseConfig(read('mistral-7b-v0.1.config.json'))),
    '32 layers, hidden 4,096, 32 attention heads (8 key/value) of 128, MLP 14,336, vocabulary 32,000, sliding window 4,096, rope θ 10,000, context 32,768; 7.24B parameters');
  assert.equal(describeModelConfig(parseConfig(read('mistral-7b-v0.3.config.json'))),
    '32 layers, hidden 4,096, 32 attention heads (8 key/value) of 128, MLP 14,336, vocabulary 32,768, no sliding window, rope θ 1,000,000, context 32,768; 7.25B parameters');
});

test('small models, tied embeddings, no GQA and every rope scaling', () => {
  const base = { model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4, sliding_window: null, max_position_embeddings: 256 };
  const line = (extra: Record<string, unknown>): string => describeModelConfig(parseConfig({ ...base, ...extra }));
  assert.equal(line({ tie_word_embeddings: true }), '2 layers, hidden 16, 4 attention heads of 4, MLP 32, vocabulary 64, no sliding window, rope θ 10,000, context 256; 6,224 parameters (tied embeddings)');
  assert.match(line({ rope_scaling: { type: 'linear', factor: 2 } }), /, rope θ 10,000 with linear scaling ×2, context 256;/);
  assert.match(line({ rope_scaling: { type: 'dynamic', factor: 2 } }), /, rope θ 10,000 with dynamic scaling ×2 \(plain within the context\), context 256;/);
  assert.match(line({ rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 64 } }), /, rope θ 10,000 with yarn scaling ×4 of 64 positions, context 256;/);
  assert.match(line({ rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }),
    /, rope θ 500,000 with llama3 scaling ×8 of 8,192 positions, context 256;/);
});

test('per-layer attention types: how many layers slide', () => {
  const base = { model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 4, head_dim: 4, sliding_window: 8 };
  assert.match(describeModelConfig(parseConfig({ ...base, layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'] })), /, sliding window 8 in 2 of the 3 layers, /);
  assert.match(describeModelConfig(parseConfig({ ...base, layer_types: ['full_attention', 'full_attention', 'full_attention'] })), /, no sliding window, /);
});
