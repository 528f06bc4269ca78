// no_repeat_ngram_size and min_new_tokens / min_length: greedy ids equal transformers 5.17's generate() token for token.
// Reference: test/fixtures/hf-tiny-mistral/token-bans.json, from make_token_bans.py.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { banRepeatedNgrams, eosBannedFor } from '../../src/model/token-bans.ts';
import { samplingProbabilities } from '../../src/model/sampling.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

interface Ref {
  max_new_tokens_ngram: number; no_repeat_ngram: { prompt_ids: number[]; no_repeat_ngram_size: number; new_ids: number[] }[];
  prompt_ids: number[]; eos_token_id: number[]; max_new_tokens_eos: number; eos_bans: { min_new_tokens?: number; min_length?: number; new_ids: number[] }[];
}
const ref = JSON.parse(fs.readFileSync(path.join(TINY, 'token-bans.json'), 'utf8')) as Ref;
const model = loadModel(TINY_BASE, { backend: testBackend() });

test('no_repeat_ngram_size 1, 2, 3: greedy ids equal HF generate() for 24 tokens (the fixture prompt and a looping one)', () => {
  assert.equal(ref.no_repeat_ngram.length, 6);
  for (const c of ref.no_repeat_ngram) {
    const out = generate(model, c.prompt_ids, { maxNewTokens: ref.max_new_tokens_ngram, eosIds: [], noRepeatNgramSize: c.no_repeat_ngram_size });
    assert.deepEqual(out, c.new_ids, `no_repeat_ngram_size ${c.no_repeat_ngram_size}, prompt ${c.prompt_ids.join(' ')}`);
  }
  // the ban changes greedy's ids (else the cases could not fail)
  // (but for size 3: greedy's 24 tokens after either prompt repeat no trigram of the prompt and them)
  const changed = ref.no_repeat_ngram.map((c) => generate(model, c.prompt_ids, { maxNewTokens: ref.max_new_tokens_ngram, eosIds: [] }).join() !== c.new_ids.join());
  assert.deepEqual(changed, [true, true, false, true, true, false]);
  // in place: the tokens that followed the last n − 1 tokens earlier; n 1 every token; nothing before n − 1 tokens
  const logits = new Float32Array(8);
  banRepeatedNgrams(logits, [1, 2, 3, 1, 2, 5, 1, 2], 3);
  assert.deepEqual([...logits].map((x) => x === -Infinity), [false, false, false, true, false, true, false, false]);
  const one = new Float32Array(8);
  banRepeatedNgrams(one, [4, 6], 1);
  assert.deepEqual([...one].map((x) => x === -Infinity), [false, false, false, false, true, false, true, false]);
  const short = new Float32Array(8);
  banRepeatedNgrams(short, [4], 3);
  assert.ok(short.every((x) => x === 0));
});

test('min_new_tokens and min_length hold the EOS back as HF generate() does (min_new_tokens, where given, over min_length)', () => {
  const promptLength = ref.prompt_ids.length;
  for (const c of ref.eos_bans) {
    const minNewTokens = eosBannedFor(c.min_new_tokens, c.min_length, promptLength);
    const out = generate(model, ref.prompt_ids, { maxNewTokens: ref.max_new_tokens_eos, eosIds: ref.eos_token_id, minNewTokens });
    assert.deepEqual(out, c.new_ids, JSON.stringify(c));
  }
  // it stops at the EOS without the ban, and goes on with it (else the cases could not fail)
  assert.equal(ref.eos_bans[0]!.new_ids.length, 3);
  assert.equal(ref.eos_bans[2]!.new_ids.length, ref.max_new_tokens_eos);
  assert.throws(() => generate(model, ref.prompt_ids, { maxNewTokens: 2, minNewTokens: -1 }), { name: 'UserError', message: 'generate: options.minNewTokens is -1: give an integer ≥ 0' });
  assert.throws(() => generate(model, ref.prompt_ids, { maxNewTokens: 2, noRepeatNgramSize: 1.5 }), { name: 'UserError', message: 'generate: options.noRepeatNgramSize is 1.5: give an integer ≥ 0' });
});

test("bad_words_ids and min_new_tokens take HF's EOS ids (hfEosIds), not a stop id beside them (the tokenizer's EOS: stopIds)", () => {
  // as transformers 5.17 with generation_config.json's eos_token_id null (checked with it: bad_words_ids [[2]] bans 2 at
  // every step, min_new_tokens 3 bans nothing): the stop id is no EOS to them, yet generation still ends at it
  const prompt = [1, 5, 6, 7];
  const first = generate(model, prompt, { maxNewTokens: 1, eosIds: [] })[0]!;
  const stopAtFirst = { maxNewTokens: 4, eosIds: [first], hfEosIds: [] };
  const banned = generate(model, prompt, { ...stopAtFirst, badWordsIds: [[first]] });
  assert.notEqual(banned[0], first); // was: the bad word dropped as an EOS's, the stop id chosen at once
  assert.ok(!banned.includes(first));
  assert.deepEqual(generate(model, prompt, { ...stopAtFirst, minNewTokens: 3 }), [first]); // was: held back to the third token
  // where HF's EOS is the stop id, both treat it as the EOS, as before
  assert.deepEqual(generate(model, prompt, { maxNewTokens: 4, eosIds: [first], badWordsIds: [[first]] }), [first]);
  assert.notEqual(generate(model, prompt, { maxNewTokens: 4, eosIds: [first], minNewTokens: 3 })[0], first);
  assert.throws(() => generate(model, prompt, { maxNewTokens: 2, hfEosIds: ['2'] as unknown as number[] }),
    { name: 'UserError', message: 'generate: options.hfEosIds is ["2"]: give a list of token ids (integers), e.g. [2]' });
});

test('every token banned while sampling is refused in one line (transformers\' multinomial fails on the NaN probabilities), not sampled from NaN', () => {
  // no_repeat_ngram_size 1 bans each token once in the text: the 512-token vocabulary is spent within 512 new tokens
  const V = model.cfg.vocabSize;
  const run = (): number[] => generate(model, [1, 40], { maxNewTokens: V + 8, eosIds: [], noRepeatNgramSize: 1, temperature: 1, seed: 3 });
  assert.throws(run, (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.match(e.message, /^generate: every token is banned at new token \d+ \(no_repeat_ngram_size 1: each would repeat an n-gram of the prompt and output\): nothing can be sampled/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  // samplingProbabilities given such logits: the same refusal's reason, not NaN probabilities
  assert.throws(() => samplingProbabilities(new Float32Array(4).fill(-Infinity), { temperature: 1 }), { name: 'UserError', message: /every token's logit is -Infinity/ });
});
