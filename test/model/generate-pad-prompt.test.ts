// A prompt that holds the pad token: transformers 5.17's generate(), given no attention mask, masks the pad tokens out
// of it (where pad_token_id is no EOS id), so its ids differ from the prompt's as it stands; ours has no mask and
// refuses such a prompt in one line, given the pad id (the CLI gives generation_config.json's). Where the pad is an EOS
// id, or no pad id is given, the prompt is run as it is: HF's ids with an attention mask of ones.
// Reference: test/fixtures/hf-tiny-mistral/pad-prompt.json, from make_pad_prompt.py.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { generate } from '../../src/model/generate.ts';
import { readGenerationConfig } from '../../src/model/generation-config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

interface Case { prompt_ids: number[]; no_attention_mask: number[]; attention_mask_ones: number[]; pad_among_eos: number[] }
const ref = JSON.parse(fs.readFileSync(path.join(TINY, 'pad-prompt.json'), 'utf8')) as { pad_token_id: number; max_new_tokens: number; cases: Case[] };
const model = loadModel(TINY_BASE, { backend: testBackend() });

test('a prompt holding generation_config.json\'s pad_token_id (no EOS id) is refused in one line, as HF\'s generate() would mask it', () => {
  const padId = readGenerationConfig(TINY_BASE).padId;
  assert.equal(padId, ref.pad_token_id);
  for (const c of ref.cases) {
    // the mask changes HF's ids: run as it stands, the prompt would give others without a word
    assert.notDeepEqual(c.no_attention_mask, c.attention_mask_ones);
    const at = c.prompt_ids.indexOf(padId!);
    assert.throws(() => generate(model, c.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [2], padId, onToken: () => assert.fail('no token before the refusal') }), {
      name: 'UserError',
      message: `generate: prompt[${at}] is the pad token 0 (pad_token_id): HF's generate() masks pad tokens out of a prompt given without an attention mask, ` +
        'and this one has no mask, so their tokens would differ; take it out of the prompt',
    });
  }
  assert.throws(() => generate(model, [1, 40], { maxNewTokens: 1, padId: -1 }), { name: 'UserError', message: 'generate: options.padId is -1: give an integer ≥ 0' });
});

test('the pad token among the EOS ids, or no pad id given: the prompt runs as it stands, HF\'s ids with an attention mask of ones', () => {
  for (const c of ref.cases) {
    assert.deepEqual(c.pad_among_eos, c.attention_mask_ones);
    assert.deepEqual(generate(model, c.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [2, 0], padId: 0 }), c.pad_among_eos);
    assert.deepEqual(generate(model, c.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [] }), c.attention_mask_ones);
    // a stop id that is no EOS of HF's (hfEosIds: the tokenizer's EOS, which stopIds adds) does not spare it: HF masks it
    assert.throws(() => generate(model, c.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [2, 0], hfEosIds: [2], padId: 0 }),
      { name: 'UserError', message: /is the pad token 0 \(pad_token_id\)/ });
  }
});

test('a pad_token_id that is the BOS is not refused: the tokenizer starts every prompt with it, and HF\'s generate() given the tokenizer\'s attention mask (its pipeline) runs it as it stands', () => {
  assert.equal(model.cfg.bosTokenId, 1);
  const prompt = ref.cases[0]!.prompt_ids.filter((id) => id !== ref.pad_token_id);
  assert.equal(prompt[0], 1);
  assert.deepEqual(generate(model, prompt, { maxNewTokens: ref.max_new_tokens, eosIds: [2], padId: 1 }), generate(model, prompt, { maxNewTokens: ref.max_new_tokens, eosIds: [2] }));
});
