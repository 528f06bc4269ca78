// A run's checkpoint folder (RUN/checkpoints/step-NNNNNNN) that holds no weights (a full run's, or a LoRA run's that an
// earlier version wrote, before they held the adapter of their step as HF Trainer's checkpoint-N folders do) given where
// weights are read: was "adapter config not found (a PEFT adapter folder needs adapter_config.json)" alone; now what the
// folder is and the run's weights to give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelConfigFile } from '../../src/model/config.ts';
import { adapterConfigPath } from '../../src/model/adapter-config-path.ts';
import { tempDir } from '../temp-dir.ts';

test('a checkpoint folder given as --adapter, --model or lora.init_from is named as one, with the run\'s weights that are there', () => {
  const run = path.join(tempDir('mt-ckpt-hint-'), 'lora');
  const step = path.join(run, 'checkpoints', 'step-0000300');
  fs.mkdirSync(step, { recursive: true });
  for (const f of ['state.safetensors', 'trainer_state.json']) fs.writeFileSync(path.join(step, f), '');
  const what = `${step} is a checkpoint of the training run ${run} (the state --resume continues from) that holds no weights a command reads ` +
    '(a LoRA run\'s checkpoints hold the adapter of their step, but for those an earlier version wrote; a full fine-tuning run\'s hold the state alone)';
  // a run stopped midway: no weights yet, and none named
  assert.throws(() => adapterConfigPath(step), { message: `${path.join(step, 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json): ` +
    `${what}; the run has written no weights yet: mistral-tune train ${run} --resume continues it, and its end writes them` });
  // finished without val data: adapter/, no best/
  fs.mkdirSync(path.join(run, 'adapter'));
  const said = `${what}; the run's adapter is ${path.join(run, 'adapter')} (the last step)`;
  assert.throws(() => adapterConfigPath(step),
    { message: `${path.join(step, 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json): ${said}` });
  // given as a model: a LoRA run's checkpoint still names the run's adapter; a full run's, its model and best/
  assert.throws(() => modelConfigFile(step), { message: `${path.join(step, 'config.json')}: model config not found (a model folder needs config.json): ${said}` });
  fs.renameSync(path.join(run, 'adapter'), path.join(run, 'model'));
  fs.mkdirSync(path.join(run, 'best'));
  assert.throws(() => modelConfigFile(step), (e: Error) => e.message.endsWith(`the run's model is ${path.join(run, 'model')} (the last step) and ${path.join(run, 'best')} (the lowest val loss)`));
  // stopped midway after a val: best/ alone
  fs.rmSync(path.join(run, 'model'), { recursive: true });
  assert.throws(() => modelConfigFile(step), (e: Error) => e.message.endsWith(`the run's weights are ${path.join(run, 'best')} (the lowest val loss)`));
  // a folder of that name elsewhere is not taken for one
  const other = path.join(tempDir('mt-ckpt-hint-'), 'step-0000001');
  fs.mkdirSync(other);
  assert.throws(() => adapterConfigPath(other), { message: `${path.join(other, 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json)` });
});
