// sequence_bias, bad_words_ids, suppress_tokens and begin_suppress_tokens: greedy ids equal transformers 5.17's
// generate() token for token, each alone and all together with the repetition penalty and no_repeat_ngram_size (its
// processor order). Reference: test/fixtures/hf-tiny-mistral/token-biases.json, from make_token_biases.py.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { generate, type GenerateOptions } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { applySequenceBias } from '../../src/model/sequence-bias.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

interface Case {
  name: string; eos_token_id: number[] | null; new_ids: number[];
  bad_words_ids?: number[][]; suppress_tokens?: number[]; begin_suppress_tokens?: number[]; sequence_bias?: [number[], number][];
  repetition_penalty?: number; no_repeat_ngram_size?: number;
}
const ref = JSON.parse(fs.readFileSync(path.join(TINY, 'token-biases.json'), 'utf8')) as { prompt_ids: number[]; max_new_tokens: number; greedy: number[]; cases: Case[] };
const model = loadModel(TINY_BASE, { backend: testBackend() });

function options(c: Case): GenerateOptions {
  return {
    maxNewTokens: ref.max_new_tokens, eosIds: c.eos_token_id ?? [], badWordsIds: c.bad_words_ids, suppressTokens: c.suppress_tokens,
    beginSuppressTokens: c.begin_suppress_tokens, sequenceBias: c.sequence_bias, repetitionPenalty: c.repetition_penalty, noRepeatNgramSize: c.no_repeat_ngram_size,
  };
}

test('bad_words_ids (one token, several, across the prompt end, the EOS left out), suppress_tokens, begin_suppress_tokens and sequence_bias: greedy ids equal HF generate()', () => {
  assert.equal(ref.cases.length, 10);
  assert.deepEqual(generate(model, ref.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [] }), ref.greedy);
  for (const c of ref.cases) {
    assert.deepEqual(generate(model, ref.prompt_ids, options(c)), c.new_ids, c.name);
    // each setting changes greedy's ids (else the case could not fail), but the EOS ones, which stop where greedy does
    if (c.eos_token_id === null) assert.notDeepEqual(c.new_ids, ref.greedy, c.name);
  }
  // a bad word of two tokens bans its second only after its first: greedy's first token stays, its second does not
  const two = ref.cases[1]!;
  assert.equal(two.new_ids[0], ref.greedy[0]);
  assert.notEqual(two.new_ids[1], ref.greedy[1]);
  // begin_suppress_tokens bans only the first new token: greedy's later ones may come
  assert.notEqual(ref.cases[5]!.new_ids[0], ref.greedy[0]);
});

test('sequence_bias adds in float32 per token, the one-token bias first, a longer sequence only where the text ends with its prefix', () => {
  const logits = new Float32Array(6).fill(0.1);
  applySequenceBias(logits, [4, 2], [[[3], 0.3], [[2, 3], 0.2], [[4, 3], 5], [[1], -Infinity], [[9, 4, 2, 5], 1]]);
  assert.deepEqual([...logits], [0.1, -Infinity, 0.1, Math.fround(Math.fround(0.1) + Math.fround(Math.fround(0.3) + Math.fround(0.2))), 0.1, 0.1].map(Math.fround));
});

test('bad_words_ids, sequence_bias and suppress lists of the wrong shape, or ids past the vocabulary, are refused in one line, as transformers refuses them', () => {
  const run = (o: Partial<GenerateOptions>): number[] => generate(model, ref.prompt_ids, { maxNewTokens: 2, ...o });
  assert.throws(() => run({ badWordsIds: [] }), { name: 'UserError', message: /^generate: options\.badWordsIds is \[\]: give a non-empty list of non-empty token-id lists/ });
  assert.throws(() => run({ badWordsIds: [[5], []] }), { name: 'UserError', message: /options\.badWordsIds is \[\[5\],\[\]\]/ });
  assert.throws(() => run({ badWordsIds: [[512]] }), { name: 'UserError', message: "generate: badWordsIds names token ids 512: the model's vocabulary has 512 (ids 0..511)" });
  assert.throws(() => run({ sequenceBias: [[[5], Number.NaN]] }), { name: 'UserError', message: /options\.sequenceBias is/ });
  assert.throws(() => run({ sequenceBias: [[[0], 1]] }), { name: 'UserError', message: /names token 0/ });
  assert.throws(() => run({ suppressTokens: ['5' as unknown as number] }), { name: 'UserError', message: /options\.suppressTokens is \["5"\]/ });
  // negative ids, as generation_config.json's suppress_tokens refuses them (they name no token)
  assert.throws(() => run({ suppressTokens: [5, -1] }), { name: 'UserError', message: /^generate: options\.suppressTokens is \[5,-1\]: give a list of token ids \(integers ≥ 0\), e\.g\. \[5, 9\]$/ });
  assert.throws(() => run({ beginSuppressTokens: [-3] }), { name: 'UserError', message: /^generate: options\.beginSuppressTokens is \[-3\]: give a list of token ids/ });
  // a long list is shown cut, its first bad item named by its place (the whole list was echoed: 10^5 ids, 500 kB)
  const many = Array.from({ length: 100000 }, (_, i) => i % 500);
  const cut = (message: RegExp) => (e: unknown) => e instanceof Error && e.name === 'UserError' && e.message.length < 400 && message.test(e.message);
  assert.throws(() => run({ suppressTokens: [...many, -1] }), cut(/^generate: options\.suppressTokens is \[0,1,2,.*,…\] \(100001 items\), whose item 100000 is -1: give a list of token ids/));
  assert.throws(() => run({ badWordsIds: [...many.map((id) => [id]), []] }), cut(/^generate: options\.badWordsIds is \[\[0\],\[1\],.*,…\] \(100001 items\), whose item 100000 is \[\]: give/));
  assert.throws(() => run({ sequenceBias: [...many.map((id) => [[id + 1], 1] as [number[], number]), [[5], Number.NaN]] }), cut(/^generate: options\.sequenceBias is .*\(100001 items\), whose item 100000 is \[\[5\],NaN\]: give/));
  // ids past the vocabulary: the first of them and their count (a file's bad_words_ids of 10^5 such lists, all said)
  assert.throws(() => run({ badWordsIds: many.map((id) => [id + 512]) }), { name: 'UserError',
    message: "generate: badWordsIds names token ids 512, 513, 514, 515, 516, 517, 518, 519 and 99992 more: the model's vocabulary has 512 (ids 0..511)" });
  assert.throws(() => run({ eosIds: [...many, 1.5] }), cut(/^generate: options\.eosIds is .*\(100001 items\), whose item 100000 is 1\.5: give/));
});

test('every token suppressed while sampling is refused naming the lists as the cause and the fix, not no_repeat_ngram_size (unset)', () => {
  const all = Array.from({ length: model.cfg.vocabSize }, (_, i) => i);
  assert.throws(() => generate(model, ref.prompt_ids, { maxNewTokens: 2, temperature: 1, suppressTokens: all }), (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.match(e.message, /^generate: every token is banned at new token 1 \(bad_words_ids, suppress_tokens or sequence_bias\): nothing can be sampled, as transformers' generate\(\) fails there; ban fewer tokens/);
    assert.doesNotMatch(e.message, /noRepeatNgramSize/);
    return true;
  });
});
