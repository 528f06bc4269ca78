// One `mistral-tune train` step (CLI + YAML config, pre-tokenized data) from the fixtures' adapter_init
// reproduces HF + PEFT's adapter_step1 and the loss after the step, for generation and classification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { readFixture, relErr, rowsOf, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from '../cli/in-process-cli.ts';

/** The CLI through main() in this process (in-process-cli.ts), where a process cost ~1.5 CPU-s of start-up: its stdout; exit 0 or the test fails. */
async function cli(args: string[]): Promise<string> {
  const r = await cliIn(process.cwd(), args);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function compareAdapters(ours: string, theirs: string): void {
  const a = SafetensorsFile.open(ours), b = SafetensorsFile.open(theirs);
  assert.deepEqual(a.names().sort(), b.names().sort());
  for (const key of b.names()) {
    const err = relErr(a.readF32(key), b.readF32(key));
    assert.ok(err <= 1e-4, `${key}: rel err ${err}`);
  }
  a.close();
  b.close();
}

test('generation: one train step from adapter_init reproduces adapter_step1 and the loss after it', async () => {
  const dir = tempDir('mt-train-');
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const ids = rowsOf(ex.input_ids!.data as Int32Array, 2, 24), labels = rowsOf(ex.labels!.data as Int32Array, 2, 24);
  const data = path.join(dir, 'train.jsonl');
  fs.writeFileSync(data, ids.map((r, i) => JSON.stringify({ input_ids: r, labels: labels[i] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'config.yaml'), [
    `model: ${TINY_BASE}`, 'task: generation', 'data:', '  train: train.jsonl',
    `lora:`, `  init_from: ${path.join(TINY, 'adapter_init')}`,
    'optimizer: {lr: 0.01, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0.01}',
    'schedule: {type: constant, warmup_steps: 0}', 'batch_size: 2', 'max_steps: 1', 'shuffle: false', 'grad_clip: null',
    'eval: {samples: 0}', 'output_dir: run',
  ].join('\n') + '\n');
  await cli(['train', path.join(dir, 'config.yaml')]);
  const run = path.join(dir, 'run');
  compareAdapters(path.join(run, 'adapter', 'adapter_model.safetensors'), path.join(TINY, 'adapter_step1', 'adapter_model.safetensors'));
  const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'meta.json'), 'utf8')) as { lora_loss: number; lora_loss_after_step1: number };
  const rows = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.equal(rows.length, 1);
  assert.ok(Math.abs(rows[0]!.loss! - meta.lora_loss) / meta.lora_loss <= 1e-4);
  assert.equal(rows[0]!.lr, 0.01);
  const after = JSON.parse(await cli(['eval', '--model', TINY_BASE, '--adapter', path.join(run, 'adapter'), '--data', data, '--json'])) as { loss: number };
  assert.ok(Math.abs(after.loss - meta.lora_loss_after_step1) / meta.lora_loss_after_step1 <= 1e-4, `${after.loss}`);
});

test('classification: one train step from the SEQ_CLS adapter_init reproduces adapter_step1 (LoRA and score head)', async () => {
  const dir = tempDir('mt-train-cls-');
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const meta = JSON.parse(fs.readFileSync(path.join(TINY_CLS, 'meta.json'), 'utf8')) as { loss: number; labels: number[] };
  const ids = rowsOf(ex.padded_input_ids!.data as Int32Array, 2, 24), mask = rowsOf(ex.padded_attention_mask!.data as Int32Array, 2, 24);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), ids.map((r, i) => JSON.stringify({ input_ids: r.filter((_, t) => mask[i]![t] === 1), label: meta.labels[i] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'config.yaml'), [
    `model: ${TINY_BASE}`, 'task: classification', 'labels: [zero, one, two]', 'data: {train: train.jsonl}',
    `lora: {init_from: ${path.join(TINY_CLS, 'adapter_init')}}`,
    'optimizer: {lr: 0.01, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0.01}',
    'schedule: {type: constant}', 'batch_size: 2', 'max_steps: 1', 'shuffle: false', 'grad_clip: null', 'output_dir: run',
  ].join('\n') + '\n');
  await cli(['train', path.join(dir, 'config.yaml')]);
  compareAdapters(path.join(dir, 'run', 'adapter', 'adapter_model.safetensors'), path.join(TINY_CLS, 'adapter_step1', 'adapter_model.safetensors'));
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'adapter', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.task_type, 'SEQ_CLS');
  assert.deepEqual(cfg.modules_to_save, ['classifier', 'score']);
  const row = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n')[0]!) as { loss: number };
  assert.ok(Math.abs(row.loss - meta.loss) / meta.loss <= 1e-4);
});
