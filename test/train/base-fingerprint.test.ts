// A finished LoRA run records its base weights' fingerprint in report.json; what reads the run's adapter over that
// base (eval, generate, classify, export) warns, once, when the base folder now holds other weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

test('a LoRA run whose base folder now holds other weights: eval and export --run warn once, naming both fingerprints; the same weights say nothing', () => {
  const dir = tempDir('mt-base-fp-');
  const base = path.join(dir, 'base');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  const rng = new Rng(5);
  const rows = Array.from({ length: 4 }, () => JSON.stringify({ input_ids: [1, ...Array.from({ length: 12 }, () => 3 + rng.below(500))] }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'run.yaml'), [`model: ${base}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2', 'max_steps: 1', 'eval: {samples: 0}', 'output_dir: run'].join('\n') + '\n');
  execFileSync(process.execPath, [BIN, 'train', path.join(dir, 'run.yaml')], { stdio: 'ignore' });
  const run = path.join(dir, 'run');
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { base_fingerprint?: string };
  assert.match(report.base_fingerprint ?? '', /^[0-9a-f]{16}$/);
  const evalRun = () => spawnSync(process.execPath, [BIN, 'eval', '--run', run, '--data', path.join(dir, 'train.jsonl'), '--json'], { encoding: 'utf8' });
  const same = evalRun();
  assert.equal(same.status, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /other weights/);
  // one weight changed, shapes and types as they were: a fine-tuned copy put in the base's place
  const file = path.join(base, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  bytes[8 + Number(bytes.readBigUInt64LE(0)) + 1] ^= 0x40;
  fs.writeFileSync(file, bytes);
  const changed = evalRun();
  assert.equal(changed.status, 0, changed.stderr);
  const warning = new RegExp(`warning: .*run: the base model .*base holds other weights than the run's adapter was trained over \\(fingerprint ${report.base_fingerprint} then, [0-9a-f]{16} now\\)`);
  assert.match(changed.stderr, warning);
  assert.equal(changed.stderr.match(/other weights/g)?.length, 1, changed.stderr);
  const exported = spawnSync(process.execPath, [BIN, 'export', '--run', run, '--out', path.join(dir, 'merged'), '--merge'], { encoding: 'utf8' });
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, warning);
});
