// A LoRA run's checkpoint holds the adapter of its step beside the state --resume reads, as HF Trainer's checkpoint-N
// folders do: evaluated, generated from or exported as adapter/ is (--adapter RUN/checkpoints/step-N), PEFT's own files.
// A full fine-tuning run's checkpoints hold the state alone; dropping a checkpoint drops its adapter with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { evaluateLoss } from '../../src/eval/evaluate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { WRITTEN_RECORD } from '../../src/util/written-record.ts';
import { relErr, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const ADAPTER = ['README.md', 'adapter_config.json', 'adapter_model.safetensors'];
// with the record of what train wrote there (written-record.ts)
const STATE = [WRITTEN_RECORD, 'state.safetensors', 'trainer_state.json'];

function writeRows(file: string, n: number, seed: number, classes = 0): void {
  const rng = new Rng(seed);
  fs.writeFileSync(file, Array.from({ length: n }, (_, i) => {
    const ids = [1, ...Array.from({ length: 5 + rng.below(10) }, () => 3 + rng.below(500))];
    return JSON.stringify(classes ? { input_ids: ids, label: (ids[1]! + i) % classes } : { input_ids: ids });
  }).join('\n') + '\n');
}

const listed = (dir: string): string[] => fs.readdirSync(dir).sort();
const bytes = (dir: string, f: string): Buffer => fs.readFileSync(path.join(dir, f));

test('a LoRA run\'s checkpoints hold the adapter of their step: the last one\'s is adapter/, an earlier one evaluates to its step\'s val loss', () => {
  const dir = tempDir('mt-ckpt-adapter-');
  const data = path.join(dir, 'train.jsonl');
  writeRows(data, 4, 3);
  const run = train(validate({
    model: TINY_BASE, data: { train: data, val: data }, lora: { r: 2, alpha: 4 }, batch_size: 4, max_steps: 6, shuffle: false,
    optimizer: { lr: 1e-2 }, eval: { every_steps: 2, samples: 0 }, checkpoint: { every_steps: 2, keep: 2 }, output_dir: path.join(dir, 'run'),
  }, 'test')).dir;
  // keep 2: step 2's checkpoint was dropped whole, its adapter with it
  assert.deepEqual(listed(path.join(run, 'checkpoints')), ['step-0000004', 'step-0000006']);
  const [four, six] = ['step-0000004', 'step-0000006'].map((s) => path.join(run, 'checkpoints', s)) as [string, string];
  for (const c of [four, six]) assert.deepEqual(listed(c), [...ADAPTER, ...STATE].sort());
  // the last step's checkpoint: adapter/'s very files
  for (const f of ADAPTER) assert.ok(bytes(six, f).equals(bytes(path.join(run, 'adapter'), f)), `${f} as adapter/'s`);
  assert.ok(!bytes(four, 'adapter_model.safetensors').equals(bytes(six, 'adapter_model.safetensors')), 'step 4 holds its own weights');
  // step 4's adapter over the base model: the val loss the run measured at step 4
  const val = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split?: string; step: number; loss: number })
    .find((r) => r.split === 'val' && r.step === 4)!;
  const model = loadModel(TINY_BASE, { backend: createBackend('cpu') });
  loadAdapter(model, four, { trainable: false });
  const loss = evaluateLoss(model, loadTokenRows(data, { vocabSize: model.cfg.vocabSize }).rows, { batchSize: 8 }).loss;
  assert.ok(relErr([loss], [val.loss]) < 1e-6, `step 4's adapter: ${loss}, the run's val loss at step 4: ${val.loss}`);
  assert.equal(JSON.parse(bytes(four, 'adapter_config.json').toString()).peft_type, 'LORA');
});

test('a classification run\'s checkpoint holds its SEQ_CLS adapter (the score head with it); a full fine-tuning run\'s the state alone', () => {
  const dir = tempDir('mt-ckpt-adapter-');
  const data = path.join(dir, 'train.jsonl');
  writeRows(data, 4, 5, 2);
  const base = { model: TINY_BASE, data: { train: data }, batch_size: 4, max_steps: 1, eval: { samples: 0 }, checkpoint: { every_steps: 1 } };
  const cls = train(validate({ ...base, task: 'classification', labels: ['a', 'b'], lora: { r: 2 }, output_dir: path.join(dir, 'cls') }, 'test')).dir;
  const step = path.join(cls, 'checkpoints', 'step-0000001');
  assert.deepEqual(listed(step), [...ADAPTER, ...STATE].sort());
  assert.equal(JSON.parse(bytes(step, 'adapter_config.json').toString()).task_type, 'SEQ_CLS');
  for (const f of ADAPTER) assert.ok(bytes(step, f).equals(bytes(path.join(cls, 'adapter'), f)), `${f} as adapter/'s`);
  const text = path.join(dir, 'text.jsonl');
  writeRows(text, 4, 6);
  const full = train(validate({ ...base, data: { train: text }, method: 'full', optimizer: { lr: 1e-5 }, output_dir: path.join(dir, 'full') }, 'test')).dir;
  assert.deepEqual(listed(path.join(full, 'checkpoints', 'step-0000001')), STATE);
});
