// DoRA against HF + PEFT on the tiny fixture (test/fixtures/hf-tiny-mistral-dora, made by its make_dora.py): logits and
// loss with adapter_init, every gradient (A, B and the magnitudes), one AdamW step (adapter_step1, loss after the step),
// the merged model's logits, and an rsLoRA adapter on two projections, loaded and merged.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertTol, test, testBackend, TEST_DTYPE } from '../backend/device.ts';
import { collate } from '../../src/data/batch.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { relErr, readFixture, tokenRows, TINY, TINY_BASE } from '../helpers.ts';
import { checkStep } from './peft-step.ts';

const DORA = path.join(path.dirname(TINY), 'hf-tiny-mistral-dora');
const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const dex = readFixture(path.join(DORA, 'expected.safetensors'));
const grads = readFixture(path.join(DORA, 'dora_grads.safetensors'));
const step1 = readFixture(path.join(DORA, 'adapter_step1', 'adapter_model.safetensors'));
const meta = JSON.parse(fs.readFileSync(path.join(DORA, 'meta.json'), 'utf8')) as {
  dora_loss: number; dora_loss_after_step1: number; adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
};
const B = 2, T = 24;
const batch = collate(tokenRows(ex.input_ids!.data as Int32Array, ex.labels!.data as Int32Array, B, T), 0, 0);

function setup(adapter = 'adapter_init', trainable = true) {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend, dtype: TEST_DTYPE });
  const info = loadAdapter(model, path.join(DORA, adapter), { trainable });
  return { backend, model, info };
}

test('DoRA logits and loss match PEFT', () => {
  const { model, info } = setup();
  assert.equal(info.spec.useDora, true);
  assertTol('logits', relErr(model.logits(batch), dex.dora_logits!.data), 'DoRA logits');
  const { sum, count } = model.loss(batch);
  assertTol('loss', Math.abs(sum / count - meta.dora_loss) / meta.dora_loss, `DoRA loss ${sum / count} vs ${meta.dora_loss}`);
});

test('every DoRA gradient (A, B, magnitude) matches PEFT, then one AdamW step matches torch', () => {
  const { backend, model } = setup();
  assert.equal(model.trainableParams().filter((p) => p.name.endsWith('.lora_magnitude_vector.weight')).length, 14);
  checkStep(backend, model, batch, { grads, after: step1, loss: meta.dora_loss, lossAfter: meta.dora_loss_after_step1, adamw: meta.adamw },
    (name) => name.replace(/\.lora_magnitude_vector\.weight$/, '.lora_magnitude_vector'));
});

test('a frozen DoRA adapter takes its norms once (its factors never change), a trained one at every forward', () => {
  for (const trainable of [false, true]) {
    const { backend, model } = setup('adapter_init', trainable);
    const rowNorms = backend.rowNorms.bind(backend);
    let calls = 0;
    backend.rowNorms = (...args) => { calls++; rowNorms(...args); };
    const first = model.logits(batch), second = model.logits(batch);
    backend.rowNorms = rowNorms;
    assert.equal(calls, (trainable ? 2 : 1) * 2 * 7, `trainable ${trainable}`);
    assert.deepEqual(second, first);
    assertTol('logits', relErr(second, dex.dora_logits!.data), `trainable ${trainable}: DoRA logits`);
  }
});

test('merged DoRA adapter_step1 logits match PEFT merge_and_unload', () => {
  const { model } = setup('adapter_step1', false);
  mergeLora(model);
  assert.equal(model.lora, null);
  assertTol('logits', relErr(model.logits(batch), dex.merged_step1_logits!.data), 'merged logits');
});

test('an rsLoRA DoRA adapter on q_proj and down_proj: logits and merged logits match PEFT', () => {
  const { model, info } = setup('adapter_rslora', false);
  assert.deepEqual([...info.spec.targets], ['q_proj', 'down_proj']);
  assertTol('logits', relErr(model.logits(batch), dex.rslora_logits!.data), 'rsLoRA DoRA logits');
  mergeLora(model);
  assertTol('logits', relErr(model.logits(batch), dex.rslora_merged_logits!.data), 'rsLoRA DoRA merged logits');
});
