// 20 LoRA steps in bf16 against fp32 with the same seed: every step's loss within 2e-2 (relative) and
// the final validation loss within 1e-2 of the fp32 run; the tiny fixture through the CLI
// (`train --precision bf16`, whose mem_bytes must be lower), the scaled-down Mistral-7B in process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY_BASE } from '../helpers.ts';
import { makeScaled7b } from './scaled-7b.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Pre-tokenized rows with a learnable pattern (every third token doubled), ids below `vocab`. */
function writeRows(file: string, n: number, seed: number, vocab: number): void {
  const rng = new Rng(seed);
  const rows = Array.from({ length: n }, () => {
    const len = 8 + rng.below(16);
    const ids = [1, ...Array.from({ length: len - 1 }, (_, i) => Math.min(vocab - 1, 3 + rng.below(40) * (i % 3 ? 1 : 2)))];
    return JSON.stringify({ input_ids: ids });
  });
  fs.writeFileSync(file, rows.join('\n') + '\n');
}

const CONFIG = {
  lora: { r: 8, alpha: 16, dropout: 0.05 }, optimizer: { lr: 3e-3 }, schedule: { type: 'constant' }, batch_size: 4,
  max_steps: 20, eval: { every_steps: 20, samples: 0 }, seed: 3,
};

interface Run { losses: number[]; val: number; mem: number }

function readRun(dir: string): Run {
  const rows = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
  const steps = rows.filter((r) => !('split' in r));
  const val = rows.filter((r) => r.split === 'val').at(-1)!;
  return { losses: steps.map((r) => r.loss as number), val: val.loss as number, mem: steps.at(-1)!.mem_bytes as number };
}

function assertClose(name: string, fp32: Run, bf16: Run): void {
  assert.equal(fp32.losses.length, 20);
  assert.equal(bf16.losses.length, 20);
  const rel = fp32.losses.map((l, i) => Math.abs(bf16.losses[i]! - l) / l);
  console.log(`${name}: max per-step loss rel diff ${Math.max(...rel).toExponential(3)}; final val loss fp32 ${fp32.val.toFixed(5)} bf16 ${bf16.val.toFixed(5)} (diff ${Math.abs(bf16.val - fp32.val).toExponential(3)}); mem_bytes fp32 ${fp32.mem} bf16 ${bf16.mem}`);
  rel.forEach((r, i) => assert.ok(r <= 2e-2, `step ${i + 1}: ${bf16.losses[i]} vs ${fp32.losses[i]}`));
  assert.ok(Math.abs(bf16.val - fp32.val) <= 1e-2, `val ${bf16.val} vs ${fp32.val}`);
  assert.ok(bf16.mem < fp32.mem, `mem_bytes ${bf16.mem} vs ${fp32.mem}`);
}

test('tiny fixture: mistral-tune train --precision bf16 tracks fp32 over 20 LoRA steps, in less memory', () => {
  const dir = tempDir('mt-bf16-');
  writeRows(path.join(dir, 'train.jsonl'), 48, 1, 512);
  writeRows(path.join(dir, 'val.jsonl'), 8, 2, 512);
  const cfg = path.join(dir, 'cfg.json');
  fs.writeFileSync(cfg, JSON.stringify({ model: TINY_BASE, data: { train: 'train.jsonl', val: 'val.jsonl' }, ...CONFIG }));
  const run = (precision: string): Run => {
    const out = path.join(dir, precision);
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'train', cfg, '--precision', precision, '--output_dir', out], { stdio: 'pipe' });
    return readRun(out);
  };
  assertClose('tiny fixture', run('fp32'), run('bf16'));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('scaled-down Mistral-7B (BF16 weights): 20 LoRA steps in bf16 track fp32', () => {
  const dir = tempDir('mt-bf16-7b-');
  const model = makeScaled7b(testBackend(), path.join(dir, 'model'));
  writeRows(path.join(dir, 'train.jsonl'), 48, 3, 1024);
  writeRows(path.join(dir, 'val.jsonl'), 8, 4, 1024);
  const run = (precision: 'fp32' | 'bf16'): Run => {
    const out = path.join(dir, precision);
    train(validate({ model, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') }, ...CONFIG, precision, output_dir: out }, 'test'));
    return readRun(out);
  };
  assertClose('scaled Mistral-7B', run('fp32'), run('bf16'));
  fs.rmSync(dir, { recursive: true, force: true });
});
