// Full fine-tuning's embedding gradient and pad_token_id: HF's embedding is nn.Embedding(padding_idx=pad_token_id), so
// the pad id's row takes no gradient from the lookup — also where the id is a real token (pad = EOS) — while a tied
// LM head still adds its own to that row. scripts/hf-check/config_fuzz.py compares every full fine-tuning gradient
// with transformers 5.17 on random configs (bench/results/config-fuzz-hf-cpu-2026-12-01.log); this pins the rule.
import assert from 'node:assert/strict';
import { test, testBackend } from '../backend/device.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { HF_NAMES } from '../../src/model/names.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const PAD = 2, V = 24, C = 8;
// the pad id twice as a real token (mid-row and as the last token, an EOS), and as padding of the shorter row
const ROWS = [{ inputIds: [1, 5, PAD, 9, 7, PAD] }, { inputIds: [1, 11, 4] }];

function model(pad: number | null, tied: boolean): MistralModel {
  const cfg = parseConfig({
    model_type: 'mistral', vocab_size: V, hidden_size: C, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2,
    num_key_value_heads: 1, sliding_window: null, tie_word_embeddings: tied, pad_token_id: pad,
  });
  const m = createRandomModel(testBackend(), cfg, { seed: 3, std: 0.3 });
  // untied: the head a copy of the embedding, so that the model computes what the tied one does
  if (!tied) m.backend.copy(m.lmHead(), m.weights.embed, V * C);
  return m;
}

/** Full fine-tuning gradients of one batch, by HF name: rows of the embedding (and of lm_head when untied). */
function grads(m: MistralModel): Record<string, Float32Array> {
  m.enableBaseGrads();
  const params = m.trainableParams();
  zeroGrads(m.backend, params);
  const batch = m.collate(ROWS);
  causalLmBackward(m, batch, 1 / batch.targetCount);
  return Object.fromEntries(params.map((p) => [p.name, Float32Array.from(m.backend.download(p.grad))]));
}

const row = (g: Float32Array, id: number): number[] => Array.from(g.subarray(id * C, id * C + C));
const norm = (a: ArrayLike<number>): number => Math.hypot(...Array.from(a));

/** a ≈ b to 1e-5 of ‖b‖ (a device may sum in another order). */
function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  const d = Array.from(a, (x, i) => x - b[i]!);
  assert.ok(norm(d) <= 1e-5 * norm(b), `${what}: ‖difference‖ ${norm(d)} vs ‖expected‖ ${norm(b)}`);
}

test('full fine-tuning: the pad_token_id row of the embedding takes no gradient from the lookup, as HF\'s padding_idx', () => {
  const withPad = grads(model(PAD, false)), noPad = grads(model(null, false));
  assert.deepEqual(row(withPad[HF_NAMES.embed]!, PAD), new Array<number>(C).fill(0));
  assert.ok(norm(row(noPad[HF_NAMES.embed]!, PAD)) > 1e-4, 'without pad_token_id the same row has a gradient (the test is sensitive)');
  // every other row, and the LM head, are as without pad_token_id
  for (const id of [1, 5, 9, 7, 11, 4]) close(row(withPad[HF_NAMES.embed]!, id), row(noPad[HF_NAMES.embed]!, id), `row ${id}`);
  close(withPad[HF_NAMES.lmHead]!, noPad[HF_NAMES.lmHead]!, 'lm_head');
});

test('tied embeddings: the pad_token_id row keeps the LM head\'s gradient and only that', () => {
  const tied = grads(model(PAD, true))[HF_NAMES.embed]!;
  const untied = grads(model(null, false));
  const head = row(untied[HF_NAMES.lmHead]!, PAD), lookup = row(untied[HF_NAMES.embed]!, PAD);
  assert.ok(norm(head) > 1e-4 && norm(lookup) > 1e-4);
  close(row(tied, PAD), head, 'the tied pad row vs the LM head\'s part');
  const tiedNoPad = grads(model(null, true))[HF_NAMES.embed]!;
  close(row(tiedNoPad, PAD), head.map((h, c) => h + lookup[c]!), 'the tied row without pad_token_id vs head + lookup');
});

test('a negative pad_token_id is counted from the end, as nn.Embedding counts padding_idx: the same row takes no gradient', () => {
  const fromEnd = grads(captureStderr(() => model(PAD - V, false)).result), withPad = grads(model(PAD, false));
  for (const name of [HF_NAMES.embed, HF_NAMES.lmHead]) close(fromEnd[name]!, withPad[name]!, `${name} with pad_token_id ${PAD - V} vs ${PAD}`);
  assert.deepEqual(row(fromEnd[HF_NAMES.embed]!, PAD), new Array<number>(C).fill(0));
});
