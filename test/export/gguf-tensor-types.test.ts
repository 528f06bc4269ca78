// The ggml type of each tensor for each --quant, as llama.cpp's converter and llama-quantize choose them (every K mix
// per layer, by rules written out by hand from llama-quant.cpp), for rows that
// fit a type's block and rows that do not (a hidden size or MLP width that is not a multiple of 32 or 256): those fall
// back as tensor_type_fallback does (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, else F16; Q8_0 → F16). llama.cpp loads such files and
// gives our logits (checked by hand for hidden 40 / MLP 72, tied and not: f16 and the F16 fallbacks 9e-4 relative).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileType, GGUF_QUANTS, type GgufQuant } from '../../src/export/gguf/quant-choices.ts';
import { tensorType, type PlannedTensor } from '../../src/export/gguf/tensors.ts';

const t = (role: PlannedTensor['role'], cols: number, layer = 0): PlannedTensor => ({ name: role, shape: [512, cols], role, layer, read: () => new Float32Array() });
const type = (x: PlannedTensor, quant: GgufQuant, tied = false, shape = { numLayers: 8, numHeads: 4, numKvHeads: 2 }): string => {
  const c = tensorType(x, quant, { ...shape, tieWordEmbeddings: tied });
  return c.wanted ? `${c.wanted}→${c.type}` : c.type;
};

test('1-D tensors stay F32; f16, bf16 and q8_0 give every matrix that type, F16 where a Q8_0 block does not fit', () => {
  const norm: PlannedTensor = { name: 'n', shape: [40], role: 'norm', layer: 0, read: () => new Float32Array() };
  for (const q of GGUF_QUANTS) assert.equal(type(norm, q), 'F32');
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

/** The types of attn_v / ffn_down of every layer of an `n`-layer model (rows of 256), as one string. */
const perLayer = (role: 'attn_v' | 'ffn_down', quant: GgufQuant, n: number, heads = { numHeads: 4, numKvHeads: 2 }): string =>
  Array.from({ length: n }, (_, i) => type(t(role, 256, i), quant, false, { numLayers: n, ...heads })).join(' ');
/** `n` layers' types: `more` at the layers listed, `base` elsewhere. */
const layers = (n: number, more: string, at: number[], base: string): string => Array.from({ length: n }, (_, i) => (at.includes(i) ? more : base)).join(' ');

// llama.cpp's use_more_bits written out by hand (not from our function): 8 layers: 0, 3, 6, 7; 32 layers (Mistral 7B):
// 0–3, 28–31 and 6, 9, …, 27
const MORE_BITS_8 = [0, 3, 6, 7];
const MORE_BITS_32 = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31];

test('every K mix per layer as llama_tensor_get_type_impl chooses: attn_v and ffn_down of 8 and 32 layers', () => {
  for (const [n, more] of [[8, MORE_BITS_8], [32, MORE_BITS_32]] as const) {
    for (const role of ['attn_v', 'ffn_down'] as const) {
      assert.equal(perLayer(role, 'q4_k_m', n), layers(n, 'Q6_K', [...more], 'Q4_K'), `q4_k_m ${role} ${n}`);
      assert.equal(perLayer(role, 'q5_k_m', n), layers(n, 'Q6_K', [...more], 'Q5_K'), `q5_k_m ${role} ${n}`);
      assert.equal(perLayer(role, 'q5_k_s', n), layers(n, 'Q5_K', [], 'Q5_K'), `q5_k_s ${role} ${n}`);
      assert.equal(perLayer(role, 'q6_k', n), layers(n, 'Q6_K', [], 'Q6_K'), `q6_k ${role} ${n}`);
    }
    // Q4_K_S: the first four attn_v (llama.cpp's i_attention_wv < 4) and the first eighth of ffn_down are Q5_K
    assert.equal(perLayer('attn_v', 'q4_k_s', n), layers(n, 'Q5_K', [0, 1, 2, 3], 'Q4_K'), `q4_k_s attn_v ${n}`);
    assert.equal(perLayer('ffn_down', 'q4_k_s', n), layers(n, 'Q5_K', n === 8 ? [0] : [0, 1, 2, 3], 'Q4_K'), `q4_k_s ffn_down ${n}`);
  }
  // the other matrices are the mix's base; the output (the token embedding when tied) Q6_K, else Q8_0; the untied embedding the base
  const base = { q6_k: 'Q6_K', q5_k_m: 'Q5_K', q5_k_s: 'Q5_K', q4_k_m: 'Q4_K', q4_k_s: 'Q4_K' } as const;
  for (const [q, b] of Object.entries(base) as Array<[GgufQuant, string]>) {
    assert.equal(type(t('matrix', 256, 0), q), b, q);
    assert.equal(type(t('token_embd', 256), q), b, q);
    assert.equal(type(t('output', 256), q), 'Q6_K', q);
    assert.equal(type(t('token_embd', 256), q, true), 'Q6_K', q);
    assert.equal(type(t('output', 64), q), 'Q8_0', q);
    assert.equal(type(t('output', 40), q), 'Q8_0→F16', q);
  }
});

test('the K mixes\' fallbacks where rows do not fit 256: Q5_K → Q5_1, Q6_K → Q8_0, Q4_K → Q5_0, then F16', () => {
  assert.equal(type(t('matrix', 64), 'q5_k_s'), 'Q5_K→Q5_1');
  assert.equal(type(t('attn_v', 64, 1), 'q5_k_m'), 'Q5_K→Q5_1');
  assert.equal(type(t('attn_v', 64, 0), 'q5_k_m'), 'Q6_K→Q8_0');
  assert.equal(type(t('matrix', 96), 'q6_k'), 'Q6_K→Q8_0');
  assert.equal(type(t('ffn_down', 64, 0), 'q4_k_s'), 'Q5_K→Q5_1');
  assert.equal(type(t('matrix', 64), 'q4_k_s'), 'Q4_K→Q5_0');
  for (const q of ['q6_k', 'q5_k_m', 'q5_k_s', 'q4_k_s'] as const) assert.equal(type(t('matrix', 40), q), `${q === 'q6_k' ? 'Q6_K' : q === 'q4_k_s' ? 'Q4_K' : 'Q5_K'}→F16`, q);
});

test("the 70B rule in every K mix: attn_v that the mix leaves Q4_K becomes Q5_K (80 layers, GQA), nothing else changes", () => {
  const gqa = { numHeads: 8, numKvHeads: 2 };
  // 80 layers' use_more_bits: 0–9, 70–79 and every third from 12 (12, 15, …, 69)
  const more80 = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 12 + 3 * i), ...Array.from({ length: 10 }, (_, i) => 70 + i)];
  assert.equal(perLayer('attn_v', 'q4_k_m', 80, gqa), layers(80, 'Q6_K', more80, 'Q5_K'));
  assert.equal(perLayer('attn_v', 'q4_k_s', 80, gqa), layers(80, 'Q5_K', [], 'Q5_K'));
  assert.equal(perLayer('attn_v', 'q5_k_m', 80, gqa), layers(80, 'Q6_K', more80, 'Q5_K'));
  assert.equal(perLayer('attn_v', 'q6_k', 80, gqa), layers(80, 'Q6_K', [], 'Q6_K'));
  assert.equal(perLayer('ffn_down', 'q4_k_s', 80, gqa), layers(80, 'Q5_K', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'Q4_K'));
  assert.equal(perLayer('attn_v', 'q4_k_s', 80, { numHeads: 8, numKvHeads: 8 }), layers(80, 'Q5_K', [0, 1, 2, 3], 'Q4_K')); // 65B: no rule
});

test("general.file_type: llama.cpp's LLAMA_FTYPE of each --quant", () => {
  // include/llama.h: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_Q4_K_S 14, Q4_K_M 15, Q5_K_S 16, Q5_K_M 17, Q6_K 18, MOSTLY_BF16 32
  assert.deepEqual(Object.fromEntries(GGUF_QUANTS.map((q) => [q, fileType(q)])),
    { f32: 0, f16: 1, bf16: 32, q8_0: 7, q6_k: 18, q5_k_m: 17, q5_k_s: 16, q4_k_m: 15, q4_k_s: 14 });
});
