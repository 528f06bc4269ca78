// Which adapter-config patterns are matched on the calling thread (plain names, few enough to be quick) and what a
// pattern set that passed its deadline is refused with (src/model/module-regex.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstMatches, matchedHere, tooSlow } from '../../src/model/module-regex.ts';

test('plain keys are matched here while few; many (100,000 × 224 names took 50 s here) go to the worker and its deadline', () => {
  assert.equal(matchedHere(['q_proj', 'model.layers.0.mlp.up_proj'], 224), true);
  assert.equal(matchedHere(['q_proj', '(.*)*Z'], 224), false);
  assert.equal(matchedHere(Array.from({ length: 10_000 }, (_, i) => `k${i}`), 224), false);
  // and the worker answers as the calling thread does
  const keys = Array.from({ length: 500 }, (_, i) => `k${i}`).concat(['v_proj']), names = Array.from({ length: 224 }, (_, i) => `model.layers.${i}.self_attn.${i % 2 ? 'v_proj' : 'q_proj'}`);
  const reply = firstMatches(keys, (k) => `^(.*\\.)?(${k})$`, names);
  assert.deepEqual(reply, { ok: true, value: names.map((n) => (n.endsWith('v_proj') ? 500 : -1)) });
});

test('the refusal names at most three keys, the quantified ones first, and counts the rest', () => {
  assert.equal(tooSlow(['(.*)*Z']), 'the regular expression "(.*)*Z" took longer than 2000 ms to match the module names (nested quantifiers such as "(.*)*"? that many keys?)');
  const many = ['q_proj', 'k_proj', 'layers\\.1\\..*', '(.*)*Z', 'v_proj', 'o_proj'];
  assert.match(tooSlow(many), /^the 6 regular expressions "layers\\\\\.1\\\\\.\.\*", "\(\.\*\)\*Z", "q_proj" and 3 more took longer than/);
});
