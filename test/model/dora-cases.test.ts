// DoRA against HF + PEFT where the first fixtures do not reach (test/fixtures/hf-tiny-mistral-dora/cases, made by
// make_cases.py): an adapter on part of the model (layers_to_transform, exclude_modules) with per-module ranks and
// alphas, which we pad and fold into B, so each module's norms of W + s·B·A must come out as PEFT's own — its logits,
// a greedy generation with the KV cache (the norms taken again at each step) and the merged logits; and a SEQ_CLS
// adapter with its score head.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { assertTol, test, testBackend, TEST_DTYPE } from '../backend/device.ts';
import { collate } from '../../src/data/batch.ts';
import { generate } from '../../src/model/generate.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { relErr, readFixture, tokenRows, TINY, TINY_BASE } from '../helpers.ts';

const CASES = path.join(path.dirname(TINY), 'hf-tiny-mistral-dora', 'cases');
const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const ref = readFixture(path.join(CASES, 'expected.safetensors'));
const B = 2, T = 24;
const ids = ex.input_ids!.data as Int32Array;

test('DoRA on layer 1 without k_proj, with rank_pattern and alpha_pattern: logits and merged logits match PEFT', () => {
  const model = loadModel(TINY_BASE, { backend: testBackend(), dtype: TEST_DTYPE });
  const info = loadAdapter(model, path.join(CASES, 'adapter_pattern'), { trainable: false });
  assert.equal(info.spec.useDora, true);
  assert.equal(info.ranks.patterned, true);
  assert.deepEqual(info.layers.map((s) => [...s].sort()), [[], ['down_proj', 'gate_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']]);
  const batch = collate(tokenRows(ids, null, B, T), 0, 0);
  assertTol('logits', relErr(model.logits(batch), ref.pattern_logits!.data), 'patterned DoRA logits');
  mergeLora(model);
  assertTol('logits', relErr(model.logits(batch), ref.pattern_merged_logits!.data), 'patterned DoRA merged logits');
});

test('the patterned DoRA adapter: greedy generation with the KV cache equals PEFT generate (12 new tokens; f32, as tokens are exact)', () => {
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  loadAdapter(model, path.join(CASES, 'adapter_pattern'), { trainable: false });
  const generated = generate(model, Array.from(ids.subarray(0, 5)), { maxNewTokens: 12, eosIds: [] });
  assert.deepEqual(generated, Array.from(ref.pattern_generated!.data));
});

test('a SEQ_CLS DoRA adapter with its score head: class logits match PEFT, unmerged and merged', () => {
  const model = loadModel(TINY_BASE, { backend: testBackend(), dtype: TEST_DTYPE });
  const info = loadAdapter(model, path.join(CASES, 'adapter_cls'), { trainable: false });
  assert.equal(info.taskType, 'SEQ_CLS');
  const pad = ex.padded_input_ids!.data as Int32Array, mask = ex.padded_attention_mask!.data as Int32Array;
  const rows = tokenRows(pad, null, B, T).map((r, b) => ({ inputIds: r.inputIds.filter((_, t) => mask[b * T + t] === 1), label: 0 }));
  const batch = collate(rows, 0, 0);
  assertTol('logits', relErr(model.classLogits(batch), ref.cls_logits!.data), 'SEQ_CLS DoRA logits');
  mergeLora(model);
  assertTol('logits', relErr(model.classLogits(batch), ref.cls_logits!.data), 'SEQ_CLS DoRA merged logits');
});
