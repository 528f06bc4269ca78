// Model FLOPs of a training step (MFU's numerator): matmuls, the weight gradients of full fine-tuning,
// a classification head, and attention over the causal pairs a sliding window keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/model/config.ts';
import { causalPairs, matmulParams, stepFlops } from '../../src/train/flops.ts';

const tiny = parseConfig({
  architectures: ['MistralForCausalLM'], model_type: 'mistral', hidden_size: 64, intermediate_size: 160, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 2, vocab_size: 1000, max_position_embeddings: 256, rms_norm_eps: 1e-5, rope_theta: 10000, sliding_window: 8,
});

test('causal pairs: T(T+1)/2 without a window; a window W keeps min(i + 1, W) keys for query i', () => {
  assert.equal(causalPairs(5, null), 15);
  assert.equal(causalPairs(5, 4096), 15);
  let pairs = 0;
  for (let i = 0; i < 20; i++) pairs += Math.min(i + 1, 8);
  assert.equal(causalPairs(20, 8), pairs);
});

test('step FLOPs: 4·N·B·T for LoRA, 6·N·B·T when every weight trains, the head sized by its outputs, plus attention', () => {
  const perLayer = 64 * 64 * 2 + 2 * 64 * 32 + 3 * 64 * 160;
  assert.equal(matmulParams(tiny), 2 * perLayer + 1000 * 64);
  assert.equal(matmulParams(tiny, 3), 2 * perLayer + 3 * 64);
  const attention = 12 * causalPairs(32, 8) * 4 * 16 * 2 * 3;
  assert.equal(stepFlops(tiny, 3, 32), 4 * matmulParams(tiny) * 3 * 32 + attention);
  assert.equal(stepFlops(tiny, 3, 32, { weightGrads: true }), 6 * matmulParams(tiny) * 3 * 32 + attention);
  assert.equal(stepFlops(tiny, 3, 32, { headRows: 3 }), 4 * matmulParams(tiny, 3) * 3 * 32 + attention);
});

test('per-layer attention types (Ministral): each layer counts the pairs of its own window', () => {
  const mixed = parseConfig({
    model_type: 'mistral', hidden_size: 64, intermediate_size: 160, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    vocab_size: 1000, head_dim: 16, sliding_window: 8, layer_types: ['sliding_attention', 'full_attention'],
  });
  const attention = 12 * (causalPairs(32, 8) + causalPairs(32, null)) * 4 * 16 * 3;
  assert.equal(stepFlops(mixed, 3, 32), 4 * matmulParams(mixed) * 3 * 32 + attention);
});
