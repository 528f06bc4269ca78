// Generation with a KV cache: greedy output equals HF generate() on the fixture; the cached path gives
// the same logits as a full forward; sampling is seeded and respects top-k; EOS stops.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { collate } from '../../src/data/batch.ts';
import { generate } from '../../src/model/generate.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { applyRepetitionPenalty, argmax } from '../../src/model/sampling.ts';
import { readFixture, TINY, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const model = loadModel(TINY_BASE, { backend: testBackend() });
const prompt = Array.from(ex.gen_prompt!.data as Int32Array);
const expected = Array.from(ex.gen_output!.data as Int32Array);

test('greedy generation with the KV cache equals HF generate (12 new tokens, sliding window 8)', () => {
  const streamed: number[] = [];
  const out = generate(model, prompt, { maxNewTokens: 12, eosIds: [], onToken: (t) => streamed.push(t) });
  assert.deepEqual([...prompt, ...out], expected);
  assert.deepEqual(streamed, out);
});

test('more new tokens than an int32 position holds is a one-line error, before any KV cache is reserved', () => {
  assert.throws(() => generate(model, prompt, { maxNewTokens: 1e11 }), { name: 'UserError',
    message: `generate: ${prompt.length} prompt tokens + 100000000000 new tokens is more positions than generation takes (2147483647): ask for at most ${2 ** 31 - 1 - prompt.length} new tokens` });
  // none, fewer or a fraction of a token is refused in one line, as transformers refuses max_new_tokens ≤ 0 (was [] after a
  // forward pass for 0, and a KV cache error for -1, 2.5 or NaN)
  for (const n of [0, -1, 2.5, Number.NaN]) {
    assert.throws(() => generate(model, prompt, { maxNewTokens: n }), { name: 'UserError', message: `generate: options.maxNewTokens is ${n}: give an integer ≥ 1` });
  }
  // transformers' name for it, said (was: "got undefined" alone)
  assert.throws(() => generate(model, prompt, { max_new_tokens: 3 } as never), { name: 'UserError', message: "generate: options.maxNewTokens is missing: give an integer ≥ 1 (max_new_tokens is transformers' name: write options.maxNewTokens)" });
  // a token row's inputIds (an Int32Array, as loadTokenRows gives them) is a prompt as a list is (was refused: not an array)
  assert.deepEqual(generate(model, Int32Array.from(prompt), { maxNewTokens: 3 }), generate(model, prompt, { maxNewTokens: 3 }));
  // a seed the RNG cannot take is the same one-line refusal (was a plain Error from the RNG, a stack trace)
  for (const seed of [-1, 1.5, Number.NaN]) {
    assert.throws(() => generate(model, prompt, { maxNewTokens: 1, seed, temperature: 1 }), { name: 'UserError', message: `generate: options.seed is ${seed}: give an integer ≥ 0` });
  }
  assert.throws(() => generate(model, prompt, { maxNewTokens: 1, seed: 2 ** 60 }), { name: 'UserError', message: `generate: options.seed is ${2 ** 60}: give an integer from 0 to 2^53 − 1` });
  assert.throws(() => generate(model, prompt, { maxNewTokens: 1, seed: '1' as never }), { name: 'UserError', message: 'generate: options.seed is "1": give an integer ≥ 0' });
});

test('generation runs past max_position_embeddings as transformers\' generate() does, with one warning, its KV cache growing past the context', () => {
  // the fixture's rope does not depend on max_position_embeddings: its HF tokens are the ones to get with a context that ends 4
  // tokens after the prompt (was refused: "… is more than the model's max_position_embeddings: ask for at most 4 new tokens")
  const short = loadModel(TINY_BASE, { backend: testBackend(), config: { ...loadConfig(TINY_BASE), maxPositionEmbeddings: prompt.length + 4 } });
  const { result, stderr } = captureStderr(() => generate(short, prompt, { maxNewTokens: 12, eosIds: [] }));
  assert.deepEqual([...prompt, ...result], expected);
  assert.equal(stderr, `warning: generation runs past the model's max_position_embeddings ${prompt.length + 4}, as transformers' generate() does (with its warning): ` +
    'positions beyond it were never trained, so the tokens there may say little\n');
  // a prompt already past the context: the cache reserved for it, then grown
  const long = Array.from({ length: 40 }, (_, i) => prompt[i % prompt.length]!);
  const full = [...long, ...generate(model, long, { maxNewTokens: 30, eosIds: [] })];
  assert.deepEqual([...long, ...generate(short, long, { maxNewTokens: 30, eosIds: [] })], full);
  // dynamic rope changes its frequencies past the context (transformers recomputes them): refused before a token, within it run
  const context = prompt.length + 4, base = loadConfig(TINY_BASE);
  const dynamic = loadModel(TINY_BASE, { backend: testBackend(), config: { ...base, maxPositionEmbeddings: context, ropeScaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: context } } });
  assert.throws(() => generate(dynamic, prompt, { maxNewTokens: 5, onToken: () => assert.fail('no token before the refusal') }), { name: 'UserError',
    message: `generate: "dynamic" rope scaling (rope_scaling) changes its frequencies for inputs longer than max_position_embeddings ${context}, which is not supported; here they reach ${context + 1} tokens: ask for at most 4 new tokens` });
  assert.deepEqual(generate(dynamic, prompt, { maxNewTokens: 4, eosIds: [] }), expected.slice(prompt.length, context));
});

test('the cached path picks the same tokens as full forwards without a cache', () => {
  const seq = [...prompt];
  for (let i = 0; i < 12; i++) {
    const logits = model.logits(collate([{ inputIds: seq }], 0, 0));
    seq.push(argmax(logits.subarray((seq.length - 1) * 512, seq.length * 512)));
  }
  assert.deepEqual(seq, expected);
});

test('sampling is reproducible by seed, differs across seeds, and top-k 1 is greedy', () => {
  const a = generate(model, prompt, { maxNewTokens: 10, temperature: 1, seed: 7, eosIds: [] });
  const b = generate(model, prompt, { maxNewTokens: 10, temperature: 1, seed: 7, eosIds: [] });
  assert.deepEqual(a, b);
  const others = [1, 2, 3].map((seed) => generate(model, prompt, { maxNewTokens: 10, temperature: 1, seed, eosIds: [] }).join());
  assert.ok(others.some((o) => o !== a.join()), 'different seeds should give different samples');
  const k1 = generate(model, prompt, { maxNewTokens: 12, temperature: 0.7, topK: 1, seed: 3, eosIds: [] });
  assert.deepEqual([...prompt, ...k1], expected);
});

test('repetition_penalty: greedy ids equal HF generate(repetition_penalty=…) for 24 tokens (1.0, 1.3, 2.0, 0.7; a looping prompt)', () => {
  // test/fixtures/hf-tiny-mistral/repetition.json, from make_repetition.py (transformers 5.17, torch, float32)
  const ref = JSON.parse(fs.readFileSync(path.join(TINY, 'repetition.json'), 'utf8')) as { cases: { prompt_ids: number[]; repetition_penalty: number; new_ids: number[] }[] };
  assert.equal(ref.cases.length, 8);
  for (const c of ref.cases) {
    const out = generate(model, c.prompt_ids, { maxNewTokens: 24, eosIds: [], repetitionPenalty: c.repetition_penalty });
    assert.deepEqual(out, c.new_ids, `penalty ${c.repetition_penalty}, prompt ${c.prompt_ids.join(' ')}`);
  }
  // the penalty changes what greedy picks on these (else the cases above could not fail)
  assert.notDeepEqual(ref.cases[1]!.new_ids, ref.cases[0]!.new_ids);
  // in place: positive logits divided, negative multiplied, others untouched; float32 as torch's scalar
  const logits = Float32Array.of(2, -2, 0.3, 5);
  applyRepetitionPenalty(logits, [0, 1, 2], 1.3);
  assert.deepEqual([...logits], [Math.fround(2 / Math.fround(1.3)), Math.fround(-2 * Math.fround(1.3)), Math.fround(Math.fround(0.3) / Math.fround(1.3)), 5]);
});

test('sampling options transformers refuses are refused in one line (a NaN temperature sampled the least likely token)', () => {
  const bad: Array<[Record<string, number>, string]> = [
    [{ temperature: -1 }, 'temperature must be a number ≥ 0 (0 = greedy), got -1'],
    [{ temperature: Number.NaN }, 'temperature must be a number ≥ 0 (0 = greedy), got NaN'],
    [{ topK: -1 }, 'topK must be an integer ≥ 0 (0 = off), got -1'],
    [{ topK: 1.5 }, 'topK must be an integer ≥ 0 (0 = off), got 1.5'],
    [{ topP: -0.5 }, 'topP must be in [0, 1] (1 = off), got -0.5'],
    [{ topP: 1.5 }, 'topP must be in [0, 1] (1 = off), got 1.5'],
    [{ repetitionPenalty: 0 }, 'repetitionPenalty must be > 0 (1 = off), got 0'],
    [{ repetitionPenalty: Number.NaN }, 'repetitionPenalty must be > 0 (1 = off), got NaN'],
  ];
  for (const [opts, message] of bad) assert.throws(() => generate(model, prompt, { maxNewTokens: 2, ...opts }), { name: 'UserError', message });
});

test('generation stops at EOS and includes it', () => {
  const stopAt = expected[prompt.length + 3]!;
  const out = generate(model, prompt, { maxNewTokens: 12, eosIds: [stopAt] });
  assert.equal(out[out.length - 1], stopAt);
  assert.ok(out.length <= 4);
});

test('top-p keeps the smallest set of likely tokens reaching p', async () => {
  const { sampleToken } = await import('../../src/model/sampling.ts');
  const { Rng } = await import('../../src/util/rng.ts');
  const rng = new Rng(5);
  const logits = [2, 1, 0, -1]; // softmax ≈ 0.644, 0.237, 0.087, 0.032
  const seen = (opts: { topP?: number; topK?: number }): Set<number> => {
    const s = new Set<number>();
    for (let i = 0; i < 400; i++) s.add(sampleToken(logits, { temperature: 1, ...opts }, rng));
    return s;
  };
  assert.deepEqual([...seen({ topP: 0.5 })], [0]);
  assert.deepEqual([...seen({ topP: 0.9 })].sort(), [0, 1, 2]);
  assert.deepEqual([...seen({ topK: 2 })].sort(), [0, 1]);
  assert.deepEqual([...seen({})].sort(), [0, 1, 2, 3]);
  // transformers' TopKLogitsWarper removes only the logits below the k-th largest: a token tied with it is kept
  const tied = [2, 1, 1, 1, -1];
  const tiedSeen = new Set<number>();
  for (let i = 0; i < 400; i++) tiedSeen.add(sampleToken(tied, { temperature: 1, topK: 2 }, rng));
  assert.deepEqual([...tiedSeen].sort(), [0, 1, 2, 3]);
  // a temperature so small that logit / temperature overflows is greedy, not NaN probabilities (which picked the least likely)
  for (const temperature of [5e-324, 1e-310]) {
    for (const l of [[2, 1, 0, -1], [-3, -1, -2, -5]]) assert.equal(sampleToken(l, { temperature }, rng), l.indexOf(Math.max(...l)), String(temperature));
  }
});
