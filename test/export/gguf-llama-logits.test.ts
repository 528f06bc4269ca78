// GGUF model files checked by llama.cpp itself (llama-cpp.ts): it loads each file, its tokenizer gives our ids, its
// next-token log-probabilities match our model's within a bound per tensor type, and greedy generation in f32 is
// identical. Models are made here: a random one with the bundled 32000-token Mistral tokenizer (hidden 64, cheap),
// one with a 512-token cut of that tokenizer and rows of 256 (so the K mixes apply, cheap to quantise), other Mistral
// shapes, the tiny HF fixture (its sliding window and the rows Q4_K cannot hold, which fall back as llama.cpp's), and
// rows of 96 / 200 / 90 / 203 that Q5_0 or any block cannot hold (F16 inside a q4_k_m file).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { GgmlType, readGgufFileInfo } from 'node-llama-cpp';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { fileType, type GgufQuant } from '../../src/export/gguf/quant-choices.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { TINY_BASE } from '../helpers.ts';
import { backend, cli, config, cutTokenizer, fullF32Gguf, fullModelDir, randomModelDir, tmp } from './gguf-models.ts';
import { compare, llama, llamaLogProbs, ourLogProbs, PROMPT_TEXTS, skip, tokenizerAsWritten } from './llama-cpp.ts';

const full = fullModelDir(); // bundled tokenizer (32000)
const wide = randomModelDir('wide', config({ vocabSize: 512, hiddenSize: 256, intermediateSize: 512, headDim: 64 }), 512);

test('f32 GGUF of a 32000-token model: llama.cpp tokenizes as we do, its logits match ≤ 1e-4, greedy 32 tokens identical', { skip }, async () => {
  const file = await fullF32Gguf();
  const tok = loadTokenizer(full);
  const lm = await llama!.loadModel({ modelPath: file });
  const strings = [
    'Hello world', ' leading space', 'trailing space ', '<s>[INST] special tokens inside [/INST]</s> and after', 'a</s>b<unk>c',
    '  two   three    four     spaces', 'tabs\tand\nnew\n\nlines\r\n', 'Здравствуй, мир! Ελληνικά', '你好世界, こんにちは, 안녕하세요',
    'emoji 🙂🚀 and rare 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'bytes: \u0001\u0002\u007f\u00ff\u2028', 'ﬁ ligature, e\u0301 combining', '', ' ', '12345 67.89e-3',
  ];
  // llama.cpp tokenizes as SentencePiece does, which is the tokenizer.json as written — and so do we (and transformers
  // 5's AutoTokenizer) for a Mistral model folder (config.json's model_type mistral, src/tokenizer/llama-class.ts):
  // the same ids everywhere, a text that starts with a space included
  const asWritten = tokenizerAsWritten(full);
  try {
    for (const s of strings) {
      assert.deepEqual(lm.tokenize(s, true), asWritten.encode(s), `tokenizing ${JSON.stringify(s)}`);
      assert.deepEqual(tok.encode(s), asWritten.encode(s), `tokenizing ${JSON.stringify(s)}`);
    }
    assert.deepEqual(tok.encode(' leading space').slice(0, 1), [28705], 'a lone "▁" before a leading space, as SentencePiece and transformers 5 on a model folder');
  } finally {
    await lm.dispose();
  }
  const prompts = PROMPT_TEXTS.map((t) => [1, ...tok.encode(t)]);
  const ours = loadModel(full, { backend });
  const ll = await llamaLogProbs(file, prompts, 32);
  const { rel } = compare(ll.lp, ourLogProbs(ours, prompts));
  console.log(`# f32 (32000-token model): logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `f32 logits rel error ${rel}`);
  assert.deepEqual(ll.gen, generate(ours, prompts[0]!, { maxNewTokens: 32, temperature: 0, eosIds: [] }));
});

// measured on this model (random, std 0.1, rows of 256; llama.cpp also rounds activations to 8 bits for quantised
// weights), rel / cosine: f32 1.5e-6, f16 1.5e-3, bf16 1.8e-2, q8_0 4.1e-2 / 0.998, q6_k 0.13 / 0.985, q5_k_m 0.28 / 0.933,
// q5_k_s 0.28 / 0.932, q4_k_m 0.46 / 0.877, q4_k_s 0.41 / 0.866; bounds ~2× (of 1 − cosine too)
const BOUNDS: Record<GgufQuant, { rel: number; cos: number }> = {
  f32: { rel: 1e-4, cos: 0.999999 }, f16: { rel: 3e-3, cos: 0.99999 }, bf16: { rel: 4e-2, cos: 0.999 }, q8_0: { rel: 0.1, cos: 0.995 },
  q6_k: { rel: 0.3, cos: 0.97 }, q5_k_m: { rel: 0.6, cos: 0.86 }, q5_k_s: { rel: 0.6, cos: 0.86 }, q4_k_m: { rel: 0.9, cos: 0.8 }, q4_k_s: { rel: 0.9, cos: 0.75 },
};

// the types llama_model_quantize chooses for this model's 2 layers (use_more_bits of 2: layer 1), by hand: the K mixes
// in llama.cpp's own reading of the file (norms F32)
const TYPED = ['token_embd.weight', 'blk.0.attn_v.weight', 'blk.1.attn_v.weight', 'blk.0.ffn_down.weight', 'blk.1.ffn_down.weight', 'blk.1.attn_q.weight', 'output.weight', 'output_norm.weight'];
const MIX_TYPES: Partial<Record<GgufQuant, string[]>> = {
  q6_k: ['Q6_K', 'Q6_K', 'Q6_K', 'Q6_K', 'Q6_K', 'Q6_K', 'Q6_K', 'F32'],
  q5_k_m: ['Q5_K', 'Q5_K', 'Q6_K', 'Q5_K', 'Q6_K', 'Q5_K', 'Q6_K', 'F32'],
  q5_k_s: ['Q5_K', 'Q5_K', 'Q5_K', 'Q5_K', 'Q5_K', 'Q5_K', 'Q6_K', 'F32'],
  q4_k_m: ['Q4_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q6_K', 'F32'],
  q4_k_s: ['Q4_K', 'Q5_K', 'Q5_K', 'Q4_K', 'Q4_K', 'Q4_K', 'Q6_K', 'F32'], // the first 4 attn_v Q5_K; ffn_down's first eighth of 2: none
};

test('every --quant type: llama.cpp loads it, reads its file_type and tensor types, and its logits stay within the bound measured for the type', { skip }, async () => {
  const tok = loadTokenizer(wide);
  const prompts = PROMPT_TEXTS.map((t) => [1, ...tok.encode(t)]);
  const model = loadModel(wide, { backend });
  const ours = ourLogProbs(model, prompts);
  for (const quant of Object.keys(BOUNDS) as GgufQuant[]) {
    const file = path.join(tmp, `wide-${quant}.gguf`);
    const { bytes } = exportGguf(model, wide, file, quant, { name: 'wide', baseModel: wide, adapter: null, run: null }, { progress: false });
    const { rel, cos } = compare((await llamaLogProbs(file, prompts)).lp, ours);
    console.log(`# ${quant}: ${bytes} bytes, logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)}`);
    const info = await readGgufFileInfo(file, { logWarnings: false });
    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(md['general']!['file_type'], fileType(quant), quant);
    const mix = MIX_TYPES[quant];
    if (mix) {
      const type = (name: string): string => GgmlType[info.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
      assert.deepEqual(TYPED.map(type), mix, quant);
    }
    if (quant === 'q4_k_m') {
      assert.equal(md['general']!['architecture'], 'llama');
      assert.equal(md['general']!['alignment'], 32);
      assert.deepEqual(md['llama']!['attention'], { head_count: 4, head_count_kv: 2, layer_norm_rms_epsilon: Math.fround(1e-5) });
    }
    assert.ok(rel <= BOUNDS[quant].rel && cos >= BOUNDS[quant].cos, `${quant}: rel ${rel}, cos ${cos}`);
  }
});

test("other Mistral shapes: head_dim apart from hidden/heads (Nemo's form), a sliding window, tied embeddings, rope_theta 1e6, rms eps 1e-6: f32 logits match", { skip }, async () => {
  // all at once, as a fine-tuned Mistral of these shapes has them: the window (16) longer than the prompts
  const cfg = config({ vocabSize: 512, hiddenSize: 64, numHeads: 4, numKvHeads: 1, headDim: 32, slidingWindow: 16, tieWordEmbeddings: true, ropeTheta: 1e6, rmsNormEps: 1e-6 });
  const dir = randomModelDir('nemo-shaped', cfg, 512);
  const file = path.join(tmp, 'nemo-shaped-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /llama\.context_length = 16, the sliding window/);
  const info = await readGgufFileInfo(file, { logWarnings: false });
  assert.equal(info.fullTensorInfo!.some((t) => t.name === 'output.weight'), false, 'tied: no output.weight');
  const prompts = [[1, 415, 293, 460, 300, 301], [1, 260, 300, 400, 500, 280, 270, 302, 303, 304, 305, 306]];
  const { rel } = compare((await llamaLogProbs(file, prompts)).lp, ourLogProbs(loadModel(dir, { backend }), prompts));
  console.log(`# Nemo-shaped (head_dim 32 × 4 heads over hidden 64, GQA 4/1, window 16, tied) f32: logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test('per-layer attention types (Ministral: one layer sliding, one full): context_length is the window; f32 logits within it match', { skip }, async () => {
  const cfg = config({ vocabSize: 512, slidingWindow: 6, layerTypes: ['full_attention', 'sliding_attention'] });
  const dir = randomModelDir('ministral-shaped', cfg, 512);
  const file = path.join(tmp, 'ministral-shaped-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /llama\.context_length = 6, the sliding window/);
  const prompts = [[1, 415, 293, 460], [1, 260, 300, 400, 500, 280]]; // within the window: full attention = the window's
  const { rel } = compare((await llamaLogProbs(file, prompts)).lp, ourLogProbs(loadModel(dir, { backend }), prompts));
  console.log(`# Ministral-shaped (layer_types full, sliding) f32: logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test('the tiny HF fixture (given a 512-token tokenizer): context_length is its window of 8; f32 matches, q4_k_m and q5_k_m fall back as llama.cpp', { skip }, async () => {
  const dir = path.join(tmp, 'tiny');
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  cutTokenizer(dir, 512);
  const prompts = [[1, 415, 293, 460], [1, 260, 300, 400, 500, 280, 270]]; // within the window: full attention = the window's
  const ours = ourLogProbs(loadModel(dir, { backend }), prompts);
  const f32 = path.join(tmp, 'tiny-f32.gguf');
  let r = await cli('export', '--model', dir, '--out', f32, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /llama\.context_length = 8, the sliding window/);
  const exact = compare((await llamaLogProbs(f32, prompts)).lp, ours);
  console.log(`# tiny fixture f32: logits max rel error ${exact.rel.toExponential(2)}`);
  assert.ok(exact.rel <= 1e-4, `rel ${exact.rel}`);
  // rows of 64 and 160: llama.cpp's tensor_type_fallback (Q4_K → Q5_0, Q6_K → Q8_0; the output's own rule gives Q8_0)
  const q4 = path.join(tmp, 'tiny-q4_k_m.gguf');
  r = await cli('export', '--model', dir, '--out', q4, '--format', 'gguf', '--quant', 'q4_k_m');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /fall back as llama\.cpp does: token_embd\.weight Q4_K→Q5_0/);
  const info = await readGgufFileInfo(q4, { logWarnings: false });
  const type = (name: string): string => GgmlType[info.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
  assert.deepEqual(['token_embd.weight', 'blk.0.attn_q.weight', 'blk.0.ffn_down.weight', 'blk.1.attn_v.weight', 'blk.1.ffn_down.weight', 'output.weight'].map(type),
    ['Q5_0', 'Q5_0', 'Q5_0', 'Q8_0', 'Q8_0', 'Q8_0']);
  const { rel, cos } = compare((await llamaLogProbs(q4, prompts)).lp, ours);
  console.log(`# tiny fixture q4_k_m (Q5_0/Q8_0 fallbacks): logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)}`);
  assert.ok(rel <= 0.25 && cos >= 0.97, `rel ${rel}, cos ${cos}`); // measured 0.12, 0.991
  // q5_k_m: Q5_K → Q5_1 (and Q6_K → Q8_0), which llama.cpp loads too
  const q5 = path.join(tmp, 'tiny-q5_k_m.gguf');
  exportGguf(loadModel(dir, { backend }), dir, q5, 'q5_k_m', { name: 'tiny', baseModel: dir, adapter: null, run: null }, { progress: false });
  const info5 = await readGgufFileInfo(q5, { logWarnings: false });
  const type5 = (name: string): string => GgmlType[info5.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
  assert.deepEqual(['token_embd.weight', 'blk.0.attn_q.weight', 'blk.0.ffn_down.weight', 'blk.1.attn_v.weight', 'blk.1.ffn_down.weight', 'output.weight'].map(type5),
    ['Q5_1', 'Q5_1', 'Q5_1', 'Q8_0', 'Q8_0', 'Q8_0']);
  const five = compare((await llamaLogProbs(q5, prompts)).lp, ours);
  console.log(`# tiny fixture q5_k_m (Q5_1/Q8_0 fallbacks): logits max rel error ${five.rel.toExponential(2)}, cosine ${five.cos.toFixed(6)}`);
  assert.ok(five.rel <= 0.25 && five.cos >= 0.97, `rel ${five.rel}, cos ${five.cos}`); // measured 0.14, 0.989
});

test("an 80-layer GQA model (llama.cpp's 70B type) at q4_k_m: attn_v outside use_more_bits is Q5_K, which llama.cpp loads; logits within q4_k_m's bound", { skip }, async () => {
  // the least that llama.cpp calls 70B: 80 layers, 2 heads over 1 KV head; rows of 256 where the rule looks (attn_v's
  // input), narrower elsewhere (their Q5_0 fallbacks are cheap to quantise)
  const cfg = config({ vocabSize: 512, hiddenSize: 256, intermediateSize: 32, numLayers: 80, numHeads: 2, numKvHeads: 1, headDim: 64 });
  const dir = randomModelDir('eighty', cfg, 512);
  const model = loadModel(dir, { backend });
  const file = path.join(tmp, 'eighty-q4_k_m.gguf');
  exportGguf(model, dir, file, 'q4_k_m', { name: 'eighty', baseModel: dir, adapter: null, run: null }, { progress: false });
  const info = await readGgufFileInfo(file, { logWarnings: false });
  const type = (name: string): string => GgmlType[info.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
  // use_more_bits of 80: layers 0–9, 70–79 and every third from 12: Q6_K; the rest Q5_K (Q4_K without the 70B rule)
  assert.deepEqual([0, 10, 11, 12, 40, 68, 70].map((i) => type(`blk.${i}.attn_v.weight`)), ['Q6_K', 'Q5_K', 'Q5_K', 'Q6_K', 'Q5_K', 'Q5_K', 'Q6_K']);
  assert.equal(type('blk.10.attn_q.weight'), 'Q4_K');
  const prompts = [[1, 415, 293, 460, 300], [1, 260, 300, 400, 500, 280, 270]];
  const { rel, cos } = compare((await llamaLogProbs(file, prompts)).lp, ourLogProbs(model, prompts));
  console.log(`# 80 layers, GQA 2/1 q4_k_m (Q5_K attn_v): logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)}`);
  assert.ok(rel <= BOUNDS.q4_k_m.rel && cos >= BOUNDS.q4_k_m.cos, `rel ${rel}, cos ${cos}`);
});

test('q4_k_m of rows a quantised block does not fit (hidden 96 / MLP 200; hidden 90 / MLP 203): the Q5_0, Q8_0 and F16 fallbacks llama.cpp\'s quantiser picks, in files llama.cpp loads; logits within the bound', { skip }, async () => {
  // Nemo's form at its narrowest: head_dim 32 × 4 heads over hidden 96 (attn_output's rows 128), ffn_down's rows 200 fit
  // no 32-block (Q4_K → Q5_0 → F16, Q6_K → Q8_0 → F16), the rest Q5_0 (the output's own rule: Q8_0); and rows of
  // 90 / 203 that fit no block at all (every matrix F16, as llama-quantize writes them; q8_0's F16 fallback: gguf-tensor-types)
  const cases: Array<{ name: string; cfg: Partial<MistralConfig>; names: string[]; want: string[]; rel: number; cos: number }> = [
    { name: 'h96', cfg: { hiddenSize: 96, intermediateSize: 200, headDim: 32 },
      names: ['token_embd.weight', 'blk.0.attn_v.weight', 'blk.1.attn_v.weight', 'blk.0.attn_output.weight', 'blk.0.ffn_down.weight', 'blk.1.ffn_down.weight', 'output.weight'],
      want: ['Q5_0', 'Q5_0', 'Q8_0', 'Q5_0', 'F16', 'F16', 'Q8_0'], rel: 0.3, cos: 0.97 }, // measured 0.15, 0.986
    { name: 'h90', cfg: { hiddenSize: 90, intermediateSize: 203, numHeads: 3, numKvHeads: 3, headDim: 30 },
      names: ['token_embd.weight', 'blk.1.attn_v.weight', 'blk.1.ffn_down.weight', 'output.weight'], want: ['F16', 'F16', 'F16', 'F16'], rel: 5e-3, cos: BOUNDS.f16.cos }, // measured 2.2e-3, 0.999998
  ];
  for (const c of cases) {
    const dir = randomModelDir(`fallback-${c.name}`, config({ vocabSize: 512, ...c.cfg }), 512);
    const model = loadModel(dir, { backend });
    const file = path.join(tmp, `fallback-${c.name}-q4_k_m.gguf`);
    exportGguf(model, dir, file, 'q4_k_m', { name: c.name, baseModel: dir, adapter: null, run: null }, { progress: false });
    const info = await readGgufFileInfo(file, { logWarnings: false });
    const type = (name: string): string => GgmlType[info.fullTensorInfo!.find((t) => t.name === name)!.ggmlType]!;
    assert.deepEqual(c.names.map(type), c.want, c.name);
    const prompts = [[1, 415, 293, 460, 300, 301], [1, 260, 300, 400, 500, 280, 270]];
    const { rel, cos } = compare((await llamaLogProbs(file, prompts)).lp, ourLogProbs(model, prompts));
    console.log(`# ${c.name} q4_k_m (fallbacks): logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)}`);
    assert.ok(rel <= c.rel && cos >= c.cos, `${c.name}: rel ${rel}, cos ${cos}`);
  }
});
