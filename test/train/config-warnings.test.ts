// The warnings a config gets (train and --dry-run give the same): a LoRA scaling far past what adapters train with, and
// each warned value quoted as it was written in the YAML or on the command line (`1e3`, not 1000), as errors quote it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readTrainConfig, validate } from '../../src/train/config.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { keyPlaces } from '../../src/train/config-paths.ts';
import { setupRun } from '../../src/train/setup.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { captureStderr, quietly } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-config-warnings-');
const ROOT = path.join(FIXTURES, '..', '..');
fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9] })).join('\n') + '\n');
const BASE = { model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 2, eval: { samples: 0 }, device: 'cpu', output_dir: path.join(dir, 'run') };

/** The warnings of a dry run of BASE with `extra` (the fixture's tokenizer warning, said on every run, left out). */
function warnings(extra: Record<string, unknown>): string[] {
  const { stderr } = captureStderr(() => quietly(() => dryRun(validate({ ...BASE, ...extra }, 'test'))));
  return stderr.split('\n').filter((l) => l.startsWith('warning: ') && !l.includes('tokenizer'));
}

test('a LoRA scaling far past the usual (alpha / r of 2000: a mistyped lora.alpha) is warned, not refused; the usual ones are not', () => {
  assert.deepEqual(warnings({ lora: { r: 8, alpha: 16000 } }), ['warning: lora.alpha 16000 with lora.r 8 scales the adapter\'s update by alpha / r = 2000, ' +
    'far past the 1 to 2 adapters train with (PEFT\'s alpha is r to 2r; above 32 it is likely a mistyped lora.alpha): the update grows as a learning rate ' +
    '2000 times larger would, and the loss may diverge']);
  assert.match(warnings({ lora: { r: 16, alpha: 8000, use_rslora: true } }).join('\n'), /^warning: lora\.alpha 8000 with lora\.r 16 scales the adapter's update by alpha \/ √r = 2000, /);
  // alpha = r to 2r, a QLoRA-style alpha below r, rsLoRA's alpha = r, or 4r (16 at r 16), and 32 itself: no warning
  for (const lora of [{ r: 8, alpha: 16 }, { r: 32, alpha: 8 }, { r: 16, alpha: 16, use_rslora: true }, { r: 16, alpha: 64, use_rslora: true }, { r: 2, alpha: 64 }]) {
    assert.deepEqual(warnings({ lora }), [], JSON.stringify(lora));
  }
});

test("a lora.r above a projection's smaller side is warned, not refused (PEFT trains it); at or below it nothing is said", () => {
  // the tiny base: q_proj 64 × 64, v_proj 32 × 64
  assert.deepEqual(warnings({ lora: { r: 64, alpha: 16, target_modules: ['q_proj', 'v_proj'] } }), [
    "warning: lora.r 64 is above v_proj's smaller side (32) in this model: its update B·A has rank at most 32, so the rank past it adds parameters " +
      'and memory, not capacity (it trains as PEFT trains it)']);
  assert.deepEqual(warnings({ lora: { r: 32, alpha: 16, target_modules: ['q_proj', 'v_proj'] } }), []);
  assert.deepEqual(warnings({ lora: { r: 48, alpha: 16, target_modules: ['q_proj'] } }), []);
});

test('a warning quotes the value as it was written (1e3, 2.0; in the YAML or a flag), as errors do, in train and --dry-run alike', () => {
  const file = path.join(dir, 'written.yaml');
  fs.writeFileSync(file, [`model: ${TINY_BASE}`, `data: {train: ${path.join(dir, 'train.jsonl')}}`, 'eval: {samples: 0}', 'device: cpu', `output_dir: ${path.join(dir, 'run-written')}`,
    'batch_size: 2', 'optimizer:', '  lr: 1e3', '  weight_decay: 1.0e1', 'epochs: 2.0', 'max_steps: 3'].join('\n') + '\n');
  const expected = [
    "warning: epochs 2.0 is set but max_steps 3 decides the run's length (it wins), so epochs is not used",
    'warning: optimizer.lr 1e3 is far above the learning rates LoRA trains with (about 1e-5 to 1e-3): past 0.1 every step moves each trained weight by about lr, ' +
      'and the loss diverges; check the exponent',
    "warning: lora.alpha 1.6e4 with lora.r 8 scales the adapter's update by alpha / r = 2000, far past the 1 to 2 adapters train with (PEFT's alpha is r to 2r; " +
      'above 32 it is likely a mistyped lora.alpha): the update grows as a learning rate 2000 times larger would, and the loss may diverge',
    'warning: optimizer.weight_decay 1.0e1 × optimizer.lr 1e3 = 10000 ≥ 1: each step multiplies every decayed weight by 1 − lr × weight_decay, which zeroes or flips it, ' +
      'and the loss diverges (weight_decay is usually 0 to 0.1)',
  ];
  const { cfg, written } = readTrainConfig(file, [['lora.alpha', '1.6e4']]);
  const { stderr } = captureStderr(() => quietly(() => setupRun(cfg, { written }).backend.close?.()));
  assert.deepEqual(stderr.split('\n').filter((l) => l.startsWith('warning: ') && !l.includes('tokenizer')), expected);
  const dry = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'train', file, '--dry-run', '--lora.alpha', '1.6e4'], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.deepEqual(dry.stderr.split('\n').filter((l) => l.startsWith('warning: ') && !l.includes('tokenizer')), expected);
});

test('a value refused against the model or the data after validation is quoted as written too (lora.r 1.0e9, epochs 9.0e15)', () => {
  const refusal = (lines: string[]): string => {
    const file = path.join(dir, 'refused.yaml');
    fs.writeFileSync(file, [`model: ${TINY_BASE}`, `data: {train: ${path.join(dir, 'train.jsonl')}}`, 'eval: {samples: 0}', 'device: cpu', `output_dir: ${path.join(dir, 'run-refused')}`, ...lines].join('\n') + '\n');
    const { cfg, place, written } = readTrainConfig(file);
    try {
      quietly(() => dryRun(cfg, { places: keyPlaces(place), written }));
    } catch (e) {
      return (e as Error).message.replace(`${file}:`, 'c.yaml:');
    }
    throw new Error('accepted');
  };
  assert.match(refusal(['lora: {r: 1.0e9}']), /^c\.yaml:6:8: lora\.r: 1\.0e9 makes the weights and the adapter's trainable state /);
  assert.match(refusal(['epochs: 9.0e15']), /^c\.yaml:6:1: epochs: 9\.0e15 epochs of 2 steps is 18,000,000,000,000,000 optimizer steps, past 2\^53 − 1/);
});

test("a warmup past the run is warned as each schedule warms up (cosine_warmup_with_min_lr's reaches the peak a step early), and warmup_stable_decay's phases that do not fill the run", () => {
  // 6 rows of 2: 3 steps an epoch; max_steps 4
  const w = (schedule: Record<string, unknown>): string[] => warnings({ max_steps: 4, schedule });
  assert.deepEqual(w({ type: 'linear', warmup_steps: 4 }), ["warning: schedule.warmup_steps 4 ≥ the run's 4 steps: the learning rate never reaches optimizer.lr"]);
  // transformers' lr of step 4 is (3 + 1) / 4 of the peak: reached
  assert.deepEqual(w({ type: 'cosine_warmup_with_min_lr', warmup_steps: 4, min_lr_rate: 0.1 }), []);
  assert.deepEqual(w({ type: 'cosine_warmup_with_min_lr', warmup_steps: 5, min_lr_rate: 0.1 }), ["warning: schedule.warmup_steps 5 > the run's 4 steps: the learning rate never reaches optimizer.lr"]);
  // one warmup step from warmup_lr_rate: transformers divides by max(1, warmup − 1), so step 1 runs at the rate and
  // the cosine starts below the peak (lrs 0.2, 0.914, … of it); at 2 warmup steps step 2 is the peak
  assert.deepEqual(w({ type: 'cosine_warmup_with_min_lr', warmup_steps: 1, min_lr_rate: 0.1, warmup_lr_rate: 0.2 }),
    ["warning: schedule.warmup_steps 1 with schedule.warmup_lr_rate 0.2: the one warmup step runs at warmup_lr_rate and the cosine starts after it, so the learning rate never reaches optimizer.lr (as in transformers; give warmup_steps 2 or more, or leave warmup_lr_rate out)"]);
  assert.deepEqual(w({ type: 'cosine_warmup_with_min_lr', warmup_steps: 1, min_lr_rate: 0.1, warmup_lr_rate: 1 }), []);
  assert.deepEqual(w({ type: 'cosine_warmup_with_min_lr', warmup_steps: 2, min_lr_rate: 0.1, warmup_lr_rate: 0.2 }), []);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 2 }), []);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 2, num_stable_steps: 1 }), []);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 2, num_stable_steps: 3 }),
    ["warning: warmup_stable_decay's warmup 1, schedule.num_stable_steps 3 and schedule.num_decay_steps 2 are 6 steps, past the run's 4: the run ends before the decay starts, at the peak, optimizer.lr (as in transformers)"]);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 2, num_stable_steps: 2 }),
    ["warning: warmup_stable_decay's warmup 1, schedule.num_stable_steps 2 and schedule.num_decay_steps 2 are 5 steps, past the run's 4: the run ends before the decay does, above its floor (as in transformers)"]);
  // no decay, and the stable phase ends early: transformers drops to the floor (0 by default) at once
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 0, num_stable_steps: 1 }),
    ["warning: warmup_stable_decay's warmup 1, schedule.num_stable_steps 1 and schedule.num_decay_steps 0 are 2 steps, fewer than the run's 4: its last 2 steps stay at the floor, optimizer.lr × min_lr_ratio (as in transformers; leave num_stable_steps out to fill the run)"]);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 0 }), []);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 1, num_decay_steps: 1, num_stable_steps: 0 }),
    ["warning: warmup_stable_decay's warmup 1, schedule.num_stable_steps 0 and schedule.num_decay_steps 1 are 2 steps, fewer than the run's 4: its last 2 steps stay at the floor, optimizer.lr × min_lr_ratio (as in transformers; leave num_stable_steps out to fill the run)"]);
  assert.deepEqual(w({ type: 'warmup_stable_decay', warmup_steps: 2, num_decay_steps: 3 }),
    ["warning: warmup_stable_decay's warmup 2 and schedule.num_decay_steps 3 are more than the run's 4 steps: its decay starts 1 step in, below the peak (as in transformers; give num_decay_steps 2 or less)"]);
});
