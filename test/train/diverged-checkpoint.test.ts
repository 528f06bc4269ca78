// A step whose loss is not finite was computed from the weights the step before it made: that step's checkpoint holds
// them, so the error names the one before it as the last good checkpoint and says to move the diverged one away, since
// --resume (with a lower optimizer.lr, as the error advises) goes on from the newest and would diverge again at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { divergedError, train } from '../../src/train/trainer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('a non-finite loss at step N: the error names checkpoint N-1 as holding the diverged weights and N-2 as the last good one, and a resume from N-2 goes on', () => {
  const dir = tempDir('mt-diverged-ckpt-');
  const rng = new Rng(3);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(rng, 8, 9).join('\n') + '\n');
  const config = (lr: number) => validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2 }, batch_size: 2, shuffle: false, max_steps: 12,
    optimizer: { lr }, grad_clip: null, schedule: { type: 'constant' }, eval: { samples: 0 }, checkpoint: { every_steps: 1, keep: 3 }, output_dir: path.join(dir, 'run') }, 'test');
  const failure = (lr: number, resume: boolean): string => {
    try {
      captureStderr(() => train(config(lr), { resume }));
    } catch (e) {
      if (isUserError(e)) return e.message;
      throw e;
    }
    return 'no error';
  };
  const line = failure(1e6, false);
  const rows = fs.readFileSync(path.join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const last = rows[rows.length - 1]!;
  const n = last.step as number;
  assert.equal(last.loss, undefined, `the loss of step ${n} is not finite: ${JSON.stringify(last)}`);
  assert.ok(n >= 3, `step ${n}: two checkpoints before it`);
  const name = (s: number) => path.join('checkpoints', `step-${String(s).padStart(7, '0')}`);
  // before: "the last good checkpoint checkpoints/step-<N-1> is kept", from which the advised resume diverged again
  assert.ok(line.includes(`training diverged at step ${n}: loss NaN`), line);
  assert.ok(line.includes(`the last good checkpoint ${name(n - 2)} is kept (${name(n - 1)} holds the weights step ${n} started from, whose loss is not finite on its batch: move it out`), line);
  assert.match(failure(1e-3, true), new RegExp(`training diverged at step ${n}: loss NaN`), 'resumed from step N-1 at a low lr, it diverges at once');
  fs.renameSync(path.join(dir, 'run', name(n - 1)), path.join(dir, 'diverged'));
  assert.equal(failure(1e-3, true), 'no error', 'resumed from step N-2, it trains to its end');
});

test('a non-finite gradient norm (its loss finite) at step N is of the weights and batch checkpoint N-1 resumes with: N-2 is named the last good one too', () => {
  // the gradient does not depend on lr, and the resume takes step N's batch again: a lower lr could not help from N-1
  const dir = tempDir('mt-diverged-grad-');
  const name = (s: number) => path.join('checkpoints', `step-${String(s).padStart(7, '0')}`);
  for (const s of [1, 2, 3]) fs.mkdirSync(path.join(dir, name(s)), { recursive: true });
  const grad = divergedError(dir, 4, 'gradient norm Infinity', 'gradient norm').message;
  assert.ok(grad.includes(`the last good checkpoint ${name(2)} is kept (${name(3)} holds the weights step 4 started from, whose gradient norm is not finite on its batch: move it out`), grad);
  // an evaluation that diverged after step 4's update: its own step was finite, and checkpoint 3 is good
  const evaluated = divergedError(dir, 4, 'the val loss after its update is NaN').message;
  assert.ok(evaluated.includes(`the last good checkpoint ${name(3)} is kept.`), evaluated);
});
