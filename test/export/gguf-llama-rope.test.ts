// Scaled ropes in GGUF files checked by llama.cpp itself (llama-cpp.ts): a random model per HF rope dict (θ 100 and an
// original context of 32, so that 30 positions reach the scaled frequencies; longrope's 256, within which its short
// factors apply at every position), exported by the CLI in f32; llama.cpp's next-token log-probabilities after 30 tokens match ours ≤ 1e-4 relative, and the scaling moves ours far more than
// that (so a file without it would fail). The file says each the way rope-scaling.ts chose: llama.cpp's own type
// where it computes the same frequencies, else rope_freqs. A LoRA adapter file needs no rope of its own: beside a
// scaled-rope base's file, llama.cpp matches base + adapter. In a q8_0 file of Nemo's shape (one KV head, padded
// embedding rows) yarn and llama3 stay within q8_0's bound, far below what dropping the scaling would cost.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { GgmlType, readGgufFileInfo } from 'node-llama-cpp';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { backend, cli, config, cutTokenizer, randomModelDir, tmp } from './gguf-models.ts';
import { compare, llamaLogProbs, ourLogProbs, skip } from './llama-cpp.ts';

/** 30 ids: BOS and 29 spread over the 512-token vocabulary, and a shorter prompt. */
const PROMPTS = [[1, ...Array.from({ length: 29 }, (_, i) => 5 + ((i * 37) % 500))], [1, ...Array.from({ length: 17 }, (_, i) => 300 - i * 11)]];

/** A random model with `rope_parameters` as given (θ 100), the same weights for every dict (seed 7); `shape` over the small defaults. */
function ropeModelDir(name: string, rope: Record<string, unknown>, shape: Partial<MistralConfig> = {}): string {
  const dir = randomModelDir(name, config({ vocabSize: 512, maxPositionEmbeddings: 256, ...shape }), 512);
  const file = path.join(dir, 'config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete c['rope_theta'];
  fs.writeFileSync(file, JSON.stringify({ ...c, rope_parameters: { rope_theta: 100, ...rope } }, null, 2));
  return dir;
}

const plain = ourLogProbs(loadModel(ropeModelDir('plain', { rope_type: 'default' }), { backend }), PROMPTS);

interface Written {
  /** llama.rope.scaling.type (absent: none). */
  type?: string;
  ropeFreqs: boolean;
  attnFactor: boolean;
}

const CASES: Array<[string, Record<string, unknown>, Written]> = [
  ['linear', { rope_type: 'linear', factor: 4 }, { type: 'linear', ropeFreqs: false, attnFactor: false }],
  ['yarn, default betas and attention factor', { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32 }, { type: 'yarn', ropeFreqs: false, attnFactor: false }],
  ['yarn, mscale 2 / mscale_all_dim 1', { rope_type: 'yarn', factor: 6, original_max_position_embeddings: 32, mscale: 2, mscale_all_dim: 1 }, { type: 'yarn', ropeFreqs: false, attnFactor: true }],
  [
    'yarn, explicit attention_factor, beta_fast, beta_slow, truncate false',
    { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32, attention_factor: 0.8, beta_fast: 4, beta_slow: 0.5, truncate: false },
    { ropeFreqs: true, attnFactor: true },
  ],
  ['llama3', { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 32 }, { ropeFreqs: true, attnFactor: false }],
  // within its original context (max_position_embeddings 256) longrope is its short factors (the long ones are never
  // taken): rope_freqs, and the attention factor
  [
    'longrope within its original context',
    { rope_type: 'longrope', short_factor: [1, 1.5, 2, 3, 4, 6, 8, 12], long_factor: Array(8).fill(40), original_max_position_embeddings: 256, attention_factor: 0.9 },
    { ropeFreqs: true, attnFactor: true },
  ],
];

for (const [label, rope, written] of CASES) {
  test(`${label} rope: llama.cpp's f32 logits after 30 positions match ours ≤ 1e-4`, { skip }, async () => {
    const name = String(rope.rope_type) + CASES.findIndex((c) => c[0] === label);
    const dir = ropeModelDir(name, rope);
    const file = path.join(tmp, `${name}.gguf`);
    const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
    assert.equal(r.status, 0, r.stderr);
    if (rope.rope_type === 'longrope') assert.match(r.stderr, /gguf: the longrope scaling is written as its short factors \(rope_freqs\), which it is up to max_position_embeddings 256/);
    const info = await readGgufFileInfo(file, { logWarnings: false });
    const scaling = ((info.metadata as unknown as { llama: { rope: { scaling?: Record<string, unknown> } } }).llama.rope.scaling ?? {});
    assert.deepEqual(
      { type: scaling['type'], ropeFreqs: info.fullTensorInfo!.some((t) => t.name === 'rope_freqs.weight'), attnFactor: 'attn_factor' in scaling },
      { type: undefined, ...written },
    );
    const ours = ourLogProbs(loadModel(dir, { backend }), PROMPTS);
    const moved = compare(plain, ours).rel;
    const { rel } = compare((await llamaLogProbs(file, PROMPTS)).lp, ours);
    console.log(`# ${label}: logits max rel error ${rel.toExponential(2)} (the scaling moves them by ${moved.toExponential(2)})`);
    assert.ok(moved > 0.01, `the scaling hardly changes the logits (${moved}): the check would not see it missing`);
    assert.ok(rel <= 1e-4, `rel ${rel}`);
  });
}

test('dynamic rope is written as plain rope (which it is within max_position_embeddings): no scaling keys, llama.cpp matches ours', { skip }, async () => {
  const dir = ropeModelDir('dynamic', { rope_type: 'dynamic', factor: 4 });
  const file = path.join(tmp, 'dynamic.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /gguf: the dynamic rope scaling is written as plain rope, which it is up to max_position_embeddings 256/);
  const info = await readGgufFileInfo(file, { logWarnings: false });
  assert.equal((info.metadata as unknown as { llama: { rope: { scaling?: unknown } } }).llama.rope.scaling, undefined);
  assert.equal(info.fullTensorInfo!.some((t) => t.name === 'rope_freqs.weight'), false);
  const ours = ourLogProbs(loadModel(dir, { backend }), PROMPTS);
  assert.equal(compare(plain, ours).rel, 0, 'dynamic rope within max_position_embeddings is plain rope');
  const { rel } = compare((await llamaLogProbs(file, PROMPTS)).lp, ours);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test("a LoRA adapter file (--format gguf-lora) beside a scaled-rope base's file: llama.cpp matches base + adapter", { skip }, async () => {
  // the tiny HF fixture and its one-step PEFT adapter, with the yarn dict that takes rope_freqs and attn_factor and no
  // sliding window (so all 30 positions count)
  const dir = path.join(tmp, 'tiny-yarn');
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  cutTokenizer(dir, 512);
  const file = path.join(dir, 'config.json');
  const rope = CASES[3]![1];
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), sliding_window: null, rope_parameters: { rope_theta: 100, ...rope } }));
  const adapter = path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_step1');
  const [base, lora] = [path.join(tmp, 'tiny-yarn.gguf'), path.join(tmp, 'tiny-yarn-lora.gguf')];
  for (const [out, args] of [[base, ['--format', 'gguf']], [lora, ['--adapter', adapter, '--format', 'gguf-lora']]] as const) {
    const r = await cli('export', '--model', dir, ...args, '--out', out, '--quant', 'f32');
    assert.equal(r.status, 0, r.stderr);
  }
  const model = loadModel(dir, { backend });
  const baseLp = ourLogProbs(model, PROMPTS);
  loadAdapter(model, adapter, { trainable: false });
  const ours = ourLogProbs(model, PROMPTS);
  assert.ok(compare(baseLp, ours).rel > 1e-3, 'the adapter changes the logits (else this test proves nothing)');
  const { rel } = compare((await llamaLogProbs(base, PROMPTS, 0, lora)).lp, ours);
  console.log(`# LoRA adapter file beside a yarn base (rope_freqs, attn_factor): logits max rel error ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `rel ${rel}`);
});

test("a scaled rope in a q8_0 file of Nemo's shape (head_dim 96 × 4 heads over hidden 256, one KV head, 515 embedding rows for 512 tokens): llama.cpp's logits within q8_0's bound, far inside what the scaling moves", { skip }, async () => {
  // yarn as llama.cpp's own type, llama3 as rope_freqs (head_dim/2 = 48 divisors, kept F32 beside the Q8_0 matrices);
  // rows of 256 (Q8_0 blocks of 32 fit every matrix); measured rel 8.5e-2 / cosine 0.9972 (yarn), 4.1e-2 / 0.9987 (llama3)
  // (the plain model of this shape: 8.1e-2) against moves of 1.2–1.4; bounds ~2× (of 1 − cosine too)
  const shape = { hiddenSize: 256, intermediateSize: 512, numHeads: 4, numKvHeads: 1, headDim: 96, vocabSize: 515 };
  const plainQ = ourLogProbs(loadModel(ropeModelDir('nemo-plain', { rope_type: 'default' }, shape), { backend }), PROMPTS);
  for (const [label, rope] of [CASES[1]!, CASES[4]!]) {
    const dir = ropeModelDir(`nemo-${String(rope.rope_type)}`, rope, shape);
    const file = path.join(tmp, `nemo-${String(rope.rope_type)}-q8_0.gguf`);
    exportGgufFile({ model: dir, out: file, quant: 'q8_0', backend });
    const info = await readGgufFileInfo(file, { logWarnings: false });
    const type = (name: string): string | undefined => { const t = info.fullTensorInfo!.find((x) => x.name === name); return t && GgmlType[t.ggmlType]; };
    assert.deepEqual(['rope_freqs.weight', 'blk.0.attn_k.weight', 'token_embd.weight'].map(type), [rope.rope_type === 'llama3' ? 'F32' : undefined, 'Q8_0', 'Q8_0'], label);
    const ours = ourLogProbs(loadModel(dir, { backend }), PROMPTS);
    const moved = compare(plainQ, ours).rel;
    const { rel, cos } = compare((await llamaLogProbs(file, PROMPTS)).lp, ours);
    console.log(`# ${label}, Nemo-shaped MQA q8_0: logits max rel error ${rel.toExponential(2)}, cosine ${cos.toFixed(6)} (the scaling moves them by ${moved.toExponential(2)})`);
    assert.ok(moved > 0.5, `the scaling moves the logits by ${moved} only: q8_0's bound would not see it missing`);
    assert.ok(rel <= 0.2 && cos >= 0.994, `${label}: rel ${rel}, cos ${cos}`);
  }
});
