// Which adapter-config patterns are matched on the calling thread (plain names, few enough to be quick) and what a
// pattern set that passed its deadline is refused with (src/model/module-regex.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstMatches, matchedHere, pythonRegex, tooSlow } from '../../src/model/module-regex.ts';

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
  // a megabyte pattern was echoed whole, alone or among others
  const huge = `(a|${'b'.repeat(1 << 20)})*Z`;
  for (const keys of [[huge], [huge, 'q_proj']]) {
    const said = tooSlow(keys);
    assert.match(said, /^the (\d+ )?regular expressions? "\(a\|b+…" \(1048582 characters\)(, "q_proj")? took longer than/);
    assert.ok(said.length < 400, `${said.length} characters`);
  }
});

// Python 3.11's re.fullmatch of each pattern over the names (PEFT matches target_modules so), printed by Python itself
const PYTHON = {
  names: ["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.k_proj", "model.layers.0.self_attn.o_proj", "q_proj", "]_proj", "Z", "a\\Z", "model.layers.1.mlp.up_proj"],
  fullmatch: {
    "q_proj\\Z": [false, false, false, true, false, false, false, false],
    "\\Amodel\\.layers\\.0\\..*": [true, false, true, false, false, false, false, false],
    ".*(?P<p>[qk])_proj": [true, true, false, true, false, false, false, false],
    ".*(?P<x>o)_pr(?P=x)j": [false, false, true, false, false, false, false, false],
    ".*[]q]_proj": [true, false, false, true, true, false, false, false],
    ".*[^]k]_proj": [true, false, true, true, false, false, false, true],
    ".*\\\\Z": [false, false, false, false, false, false, true, false],
    ".*\\.(q|v)_proj": [true, false, false, false, false, false, false, false],
    ".*_pro[j]": [true, true, true, true, true, false, false, true],
  },
} as { names: string[]; fullmatch: Record<string, boolean[]> };

test('patterns in Python\'s dialect match as Python\'s re matches them: \\A, \\Z, (?P<name>), (?P=name), a ] first in a class', () => {
  for (const [pattern, expected] of Object.entries(PYTHON.fullmatch)) {
    const re = new RegExp(`^(?:${pythonRegex(pattern)})$`);
    assert.deepEqual(PYTHON.names.map((n) => re.test(n)), expected, pattern);
  }
});
