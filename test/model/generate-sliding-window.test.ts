// Generation with a sliding window smaller than the prompt (1, 2, 3, 5 and 8 with a 20-token prompt, and none): greedy ids
// equal HF's generate() token for token, with the model's own window at every step. Window 1 is where transformers 5.17's
// cached generate() leaves its own model: its DynamicSlidingWindowLayer keeps keys[-0:] (every position) where it means
// none, so its decoding attends to the whole past; ours follows the model (its forward, the one training uses) as HF's
// generate(use_cache=False) does. Reference: test/fixtures/hf-tiny-mistral/sliding-window.json, from make_sliding_window.py.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { generate } from '../../src/model/generate.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

interface Case { sliding_window: number | null; cached: number[]; use_cache_false: number[]; full_forward: number[] }
const ref = JSON.parse(fs.readFileSync(path.join(TINY, 'sliding-window.json'), 'utf8')) as { prompt_ids: number[]; max_new_tokens: number; cases: Case[] };
const backend = testBackend();
const withWindow = (window: number | null) => loadModel(TINY_BASE, { backend, config: { ...loadConfig(TINY_BASE), slidingWindow: window } });

test('greedy ids with a sliding window shorter than the prompt equal HF generate() (windows 2, 3, 5, 8 and none, 20-token prompt)', () => {
  const windows = ref.cases.filter((c) => c.sliding_window !== 1);
  assert.deepEqual(windows.map((c) => c.sliding_window), [2, 3, 5, 8, null]);
  for (const c of windows) {
    // HF's three answers agree here, so each is the one to give
    assert.deepEqual(c.cached, c.full_forward);
    assert.deepEqual(c.use_cache_false, c.full_forward);
    assert.deepEqual(generate(withWindow(c.sliding_window), ref.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [] }), c.full_forward, `sliding_window ${c.sliding_window}`);
  }
  // the window changes the tokens (else the cases could not tell a window from none)
  assert.equal(new Set(windows.map((c) => c.full_forward.join())).size, windows.length);
});

test('sliding_window 1: the ids of HF\'s model forward and generate(use_cache=False), not of its cached generate(), which keeps every position', () => {
  const c = ref.cases.find((x) => x.sliding_window === 1)!;
  assert.deepEqual(c.use_cache_false, c.full_forward);
  assert.notDeepEqual(c.cached, c.full_forward); // HF's cache at window 1: keys[-0:]
  assert.deepEqual(generate(withWindow(1), ref.prompt_ids, { maxNewTokens: ref.max_new_tokens, eosIds: [] }), c.full_forward);
});
