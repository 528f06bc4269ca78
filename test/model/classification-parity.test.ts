// Sequence classification with LoRA + a trained score head (PEFT SEQ_CLS, modules_to_save) against HF +
// PEFT on hf-tiny-mistral-cls: logits, loss, every gradient, one AdamW step, logits after the step.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertTol, test, testBackend, TEST_DTYPE } from '../backend/device.ts';
import { classificationBackward } from '../../src/model/backward.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SCORE_PARAM, SCORE_SAVED_KEY } from '../../src/model/names.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { adamwFirstStep } from './peft-step.ts';
import { relErr, readFixture, tokenRows, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';

const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const clsEx = readFixture(path.join(TINY_CLS, 'expected.safetensors'));
const grads = readFixture(path.join(TINY_CLS, 'grads.safetensors'));
const step1 = readFixture(path.join(TINY_CLS, 'adapter_step1', 'adapter_model.safetensors'));
const meta = JSON.parse(fs.readFileSync(path.join(TINY_CLS, 'meta.json'), 'utf8')) as { loss: number; loss_after_step1: number; labels: number[] };
const B = 2, T = 24;
const pad = ex.padded_input_ids!.data as Int32Array;
const mask = ex.padded_attention_mask!.data as Int32Array;
const rows = tokenRows(pad, null, B, T).map((r, b) => ({
  inputIds: r.inputIds.filter((_, t) => mask[b * T + t] === 1),
  label: meta.labels[b]!,
}));
const batch = collate(rows, 0, 0);

test('classification gradients (LoRA and score head) and one AdamW step match PEFT', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend, dtype: TEST_DTYPE });
  loadAdapter(model, path.join(TINY_CLS, 'adapter_init'), { trainable: true });
  assertTol('logits', relErr(model.classLogits(batch), clsEx.logits_init!.data), 'classification logits');
  const params = model.trainableParams();
  assert.deepEqual(params.map((p) => p.name).sort(), Object.keys(grads).sort());
  zeroGrads(backend, params);
  const sum = classificationBackward(model, batch, 1 / B);
  assertTol('loss', Math.abs(sum / B - meta.loss) / meta.loss, `classification loss ${sum / B} vs ${meta.loss}`);
  for (const p of params) {
    assertTol('grad', relErr(backend.download(p.grad), grads[p.name]!.data), p.name);
  }
  adamwFirstStep(backend, params, { grads, after: step1, adamw: { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01 } },
    (name) => (name === SCORE_PARAM ? SCORE_SAVED_KEY : name));
  const logits = model.classLogits(batch);
  assertTol('logits', relErr(logits, clsEx.logits_step1!.data), 'classification logits after step');
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const row = Array.from(logits.subarray(b * 3, b * 3 + 3));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    loss += (lse - row[meta.labels[b]!]!) / B;
  }
  assertTol('loss', Math.abs(loss - meta.loss_after_step1) / meta.loss_after_step1, `classification loss after step ${loss} vs ${meta.loss_after_step1}`);
});
