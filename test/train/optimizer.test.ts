// AdamW's parameter groups: weight decay applies to matrices (LoRA factors, projections, embeddings,
// heads) and not to norm weights, as HF Trainer groups them.
import assert from 'node:assert/strict';
import { test, testBackend } from '../backend/device.ts';
import { decays } from '../../src/model/params.ts';
import { AdamW } from '../../src/train/optimizer.ts';

test('norm weights are not decayed; other tensors are', () => {
  assert.equal(decays('model.layers.0.input_layernorm.weight'), false);
  assert.equal(decays('model.layers.0.post_attention_layernorm.weight'), false);
  assert.equal(decays('model.norm.weight'), false);
  for (const name of ['model.embed_tokens.weight', 'lm_head.weight', 'model.layers.0.mlp.down_proj.weight',
    'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 'base_model.model.score.modules_to_save.weight']) {
    assert.equal(decays(name), true, name);
  }
  const be = testBackend();
  const param = (name: string) => {
    const value = be.alloc('f32', 2), grad = be.alloc('f32', 2);
    be.upload(value, { dtype: 'f32', data: Float32Array.of(1, 2) });
    be.fill(grad, 0);
    return { name, shape: [2], value, grad };
  };
  const norm = param('model.norm.weight'), proj = param('model.layers.0.self_attn.q_proj.weight');
  new AdamW(be, [norm, proj], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.5 }).update(0.1);
  assert.deepEqual(Array.from(be.download(norm.value)), [1, 2]);
  assert.deepEqual(Array.from(be.download(proj.value)), [0.949999988079071, 1.899999976158142]);
});
