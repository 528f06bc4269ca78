// The ggml type of each tensor for each --quant, as llama.cpp's converter and llama-quantize choose them, for rows that
// fit a type's block and rows that do not (a hidden size or MLP width that is not a multiple of 32 or 256): those fall
// back as tensor_type_fallback does (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, else F16; Q8_0 → F16). llama.cpp loads such files and
// gives our logits (checked by hand for hidden 40 / MLP 72, tied and not: f16 and the F16 fallbacks 9e-4 relative).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensorType, type GgufQuant, type PlannedTensor } from '../../src/export/gguf/tensors.ts';

const t = (role: PlannedTensor['role'], cols: number, layer = 0): PlannedTensor => ({ name: role, shape: [512, cols], role, layer, read: () => new Float32Array() });
const type = (x: PlannedTensor, quant: GgufQuant, tied = false, shape = { numLayers: 8, numHeads: 4, numKvHeads: 2 }): string => {
  const c = tensorType(x, quant, { ...shape, tieWordEmbeddings: tied });
  return c.wanted ? `${c.wanted}→${c.type}` : c.type;
};

test('1-D tensors stay F32; f16, bf16 and q8_0 give every matrix that type, F16 where a Q8_0 block does not fit', () => {
  const norm: PlannedTensor = { name: 'n', shape: [40], role: 'norm', layer: 0, read: () => new Float32Array() };
  for (const q of ['f32', 'f16', 'bf16', 'q8_0', 'q4_k_m'] as const) assert.equal(type(norm, q), 'F32');
  for (const cols of [40, 64, 72]) {
    assert.equal(type(t('matrix', cols), 'f16'), 'F16');
    assert.equal(type(t('token_embd', cols), 'bf16'), 'BF16');
  }
  assert.equal(type(t('matrix', 64), 'q8_0'), 'Q8_0');
  assert.equal(type(t('matrix', 40), 'q8_0'), 'Q8_0→F16');
  assert.equal(type(t('output', 72), 'q8_0'), 'Q8_0→F16');
});

test('q4_k_m: Q4_K; Q6_K for the output (the token embedding when tied) and use_more_bits attn_v / ffn_down; fallbacks', () => {
  assert.equal(type(t('matrix', 256), 'q4_k_m'), 'Q4_K');
  assert.equal(type(t('output', 256), 'q4_k_m'), 'Q6_K');
  assert.equal(type(t('token_embd', 256), 'q4_k_m'), 'Q4_K');
  assert.equal(type(t('token_embd', 256), 'q4_k_m', true), 'Q6_K');
  assert.equal(type(t('attn_v', 256, 0), 'q4_k_m'), 'Q6_K'); // the first eighth of 8 layers
  assert.equal(type(t('attn_v', 256, 1), 'q4_k_m'), 'Q4_K');
  assert.equal(type(t('ffn_down', 256, 7), 'q4_k_m'), 'Q6_K'); // the last eighth
  // the output's own rule: rows that are not a multiple of 256 are Q8_0 (no fallback), or F16 where that does not fit either
  assert.equal(type(t('output', 64), 'q4_k_m'), 'Q8_0');
  assert.equal(type(t('token_embd', 64), 'q4_k_m', true), 'Q8_0');
  assert.equal(type(t('output', 40), 'q4_k_m'), 'Q8_0→F16');
  assert.equal(type(t('matrix', 64), 'q4_k_m'), 'Q4_K→Q5_0');
  assert.equal(type(t('attn_v', 160, 0), 'q4_k_m'), 'Q6_K→Q8_0');
  assert.equal(type(t('matrix', 40), 'q4_k_m'), 'Q4_K→F16');
  assert.equal(type(t('ffn_down', 72, 0), 'q4_k_m'), 'Q6_K→F16');
});

test("q4_k_m of a 70B-type model (80 layers, GQA): attn_v Q4_K → Q5_K (Q5_1 where rows do not fit 256), as llama.cpp's bump", () => {
  const gqa80 = { numLayers: 80, numHeads: 8, numKvHeads: 2 };
  // use_more_bits of 80 layers: 0..9, 70..79 and every third between; layer 10 is not one, 11 neither, 12 is
  assert.equal(type(t('attn_v', 256, 10), 'q4_k_m', false, gqa80), 'Q5_K');
  assert.equal(type(t('attn_v', 256, 12), 'q4_k_m', false, gqa80), 'Q6_K');
  assert.equal(type(t('attn_v', 256, 0), 'q4_k_m', false, gqa80), 'Q6_K');
  assert.equal(type(t('attn_v', 64, 10), 'q4_k_m', false, gqa80), 'Q5_K→Q5_1');
  assert.equal(type(t('attn_v', 40, 10), 'q4_k_m', false, gqa80), 'Q5_K→F16');
  // only attn_v; and not for 65B (as many KV heads as heads), other depths, or the non-K quants
  assert.equal(type(t('ffn_down', 256, 10), 'q4_k_m', false, gqa80), 'Q4_K');
  assert.equal(type(t('matrix', 256, 10), 'q4_k_m', false, gqa80), 'Q4_K');
  assert.equal(type(t('attn_v', 256, 10), 'q4_k_m', false, { numLayers: 80, numHeads: 8, numKvHeads: 8 }), 'Q4_K');
  assert.equal(type(t('attn_v', 256, 11), 'q4_k_m', false, { numLayers: 40, numHeads: 8, numKvHeads: 2 }), 'Q4_K');
  assert.equal(type(t('attn_v', 256, 10), 'q8_0', false, gqa80), 'Q8_0');
});
