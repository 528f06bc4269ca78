// LoRA against HF + PEFT on the tiny fixture: logits and loss with adapter_init, every LoRA gradient,
// one AdamW step (adapter_step1, loss after the step), and the merged model's logits.
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

const ex = readFixture(path.join(TINY, 'expected.safetensors'));
const grads = readFixture(path.join(TINY, 'lora_grads.safetensors'));
const step1 = readFixture(path.join(TINY, 'adapter_step1', 'adapter_model.safetensors'));
const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'meta.json'), 'utf8')) as {
  lora_loss: number; lora_loss_after_step1: number; adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
};
const B = 2, T = 24;
const batch = collate(tokenRows(ex.input_ids!.data as Int32Array, ex.labels!.data as Int32Array, B, T), 0, 0);

function setup() {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend, dtype: TEST_DTYPE });
  loadAdapter(model, path.join(TINY, 'adapter_init'), { trainable: true });
  return { backend, model };
}

test('LoRA logits and loss match PEFT', () => {
  const { model } = setup();
  assertTol('logits', relErr(model.logits(batch), ex.lora_logits!.data), 'LoRA logits');
  const { sum, count } = model.loss(batch);
  assertTol('loss', Math.abs(sum / count - meta.lora_loss) / meta.lora_loss, `LoRA loss ${sum / count} vs ${meta.lora_loss}`);
});

test('every LoRA gradient matches PEFT, then one AdamW step matches torch', () => {
  const { backend, model } = setup();
  checkStep(backend, model, batch, { grads, after: step1, loss: meta.lora_loss, lossAfter: meta.lora_loss_after_step1, adamw: meta.adamw });
});

test('merged adapter_step1 logits match PEFT merge_and_unload', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend, dtype: TEST_DTYPE });
  loadAdapter(model, path.join(TINY, 'adapter_step1'), { trainable: false });
  mergeLora(model);
  assert.equal(model.lora, null);
  assertTol('logits', relErr(model.logits(batch), ex.merged_step1_logits!.data), 'merged logits');
});
