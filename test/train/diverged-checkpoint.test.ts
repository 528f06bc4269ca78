// A step whose loss is not finite was computed from the weights the step before it made: that step's checkpoint holds
// them, so the error names the one before it as the last good checkpoint and says to move the diverged one away, since
// --resume (with a lower optimizer.lr, as the error advises) goes on from the newest and would diverge again at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { divergedError, type CheckpointsWritten } from '../../src/train/diverged-error.ts';
import { train } from '../../src/train/trainer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** A tiny run of `dir` whose lr 1e6 makes its loss NaN within a few steps, checkpointed every step as `checkpoint` says. */
function divergingRun(dir: string, checkpoint: Record<string, unknown>) {
  const rng = new Rng(3);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(rng, 8, 9).join('\n') + '\n');
  const config = (lr: number) => validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2 }, batch_size: 2, shuffle: false, max_steps: 12,
    optimizer: { lr }, grad_clip: null, schedule: { type: 'constant' }, eval: { samples: 0 }, checkpoint: { every_steps: 1, ...checkpoint }, output_dir: path.join(dir, 'run') }, 'test');
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
  return { line, failure, last: rows[rows.length - 1]! };
}

const name = (s: number) => path.join('checkpoints', `step-${String(s).padStart(7, '0')}`);

test('a non-finite loss at step N: the error names checkpoint N-1 as holding the diverged weights and N-2 as the last good one, and a resume from N-2 goes on', () => {
  const dir = tempDir('mt-diverged-ckpt-');
  const { line, failure, last } = divergingRun(dir, { keep: 3 });
  const n = last.step as number;
  assert.equal(last.loss, undefined, `the loss of step ${n} is not finite: ${JSON.stringify(last)}`);
  assert.ok(n >= 3, `step ${n}: two checkpoints before it`);
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
  for (const s of [1, 2, 3]) fs.mkdirSync(path.join(dir, name(s)), { recursive: true });
  const grad = divergedError(dir, 4, 'gradient norm Infinity', 'gradient norm', { every_steps: 1, keep: 3 }).message;
  assert.ok(grad.includes(`the last good checkpoint ${name(2)} is kept (${name(3)} holds the weights step 4 started from, whose gradient norm is not finite on its batch: move it out`), grad);
  // an evaluation that diverged after step 4's update: its own step was finite, and checkpoint 3 is good
  const evaluated = divergedError(dir, 4, 'the val loss after its update is NaN', null, { every_steps: 1, keep: 3 }).message;
  assert.ok(evaluated.includes(`the last good checkpoint ${name(3)} is kept.`), evaluated);
});

test('checkpoint.keep 1: the NaN error says that keep deleted the last good checkpoint (was: "no good checkpoint was written")', () => {
  const dir = tempDir('mt-diverged-keep1-');
  const { line, last } = divergingRun(dir, { keep: 1 });
  const n = last.step as number;
  assert.equal(last.loss, undefined, `the loss of step ${n} is not finite: ${JSON.stringify(last)}`);
  assert.ok(n >= 3, `step ${n}: two checkpoints before it`);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'run', 'checkpoints')), [path.basename(name(n - 1))], 'keep 1 left the diverged one alone');
  assert.ok(line.includes(`the last good checkpoint ${name(n - 2)} was deleted by checkpoint.keep 1 when the next was written (${name(n - 1)} holds the weights ` +
    `step ${n} started from, whose loss is not finite on its batch: move it out of the run folder before --resume, which then starts the run again from step 0). ` +
    'Lower optimizer.lr, set grad_clip, or check the training data and the model weights for NaN or extreme values; a checkpoint.keep of 2 or more keeps a checkpoint to go back to'), line);
  assert.ok(!line.includes('\n'), line);
});

test('the last good checkpoint named for keep 1, 2 and unset, every_steps 1 and 3 (and changed by a resume), and none written: the checkpoints rotation leaves are made by hand', () => {
  const unset = validate({ model: TINY_BASE, data: { train: 'train.jsonl' }, checkpoint: { every_steps: 1 } }, 'test').checkpoint;
  assert.equal(unset.keep, 2, 'the default this case stands for');
  const cases: Array<[string, CheckpointsWritten, number[], number, string]> = [
    // [what, checkpoint config, the checkpoints the rotation leaves, the step whose loss is NaN, what the error says]
    ['keep 1', { every_steps: 1, keep: 1 }, [3], 4, `the last good checkpoint ${name(2)} was deleted by checkpoint.keep 1`],
    ['keep 1, every 3', { every_steps: 3, keep: 1 }, [6], 7, `the last good checkpoint ${name(3)} was deleted by checkpoint.keep 1`],
    // the checkpoints the process resumed from and wrote, where the trainer says them: every_steps changed by a resume
    ['keep 1, every 1 then 5 from a resume at 3', { every_steps: 5, keep: 1, resumedFrom: 3, written: [5] }, [5], 6, `the last good checkpoint ${name(3)} was deleted by checkpoint.keep 1`],
    ['keep 1, a fresh run that wrote 3 first', { every_steps: 3, keep: 1, resumedFrom: null, written: [3] }, [3], 4, `no good checkpoint was written (${name(3)} holds`],
    ['keep 2', { every_steps: 1, keep: 2 }, [2, 3], 4, `the last good checkpoint ${name(2)} is kept (${name(3)} holds`],
    ['keep unset (2)', unset, [2, 3], 4, `the last good checkpoint ${name(2)} is kept (${name(3)} holds`],
    ['keep 2, the good one moved away', { every_steps: 1, keep: 2 }, [3], 4, `the last good checkpoint ${name(2)} is not there (moved or deleted)`],
    ['keep 1, the diverged one the first', { every_steps: 1, keep: 1 }, [1], 2, `no good checkpoint was written (${name(1)} holds`],
    ['keep 2, the diverged one the first', { every_steps: 3, keep: 2 }, [3], 4, `no good checkpoint was written (${name(3)} holds`],
    ['keep 2, no checkpoint yet', { every_steps: 5, keep: 2 }, [], 4, 'no checkpoint was written. '],
    ['checkpoints off', { every_steps: null, keep: 2 }, [], 4, 'no checkpoint was written (checkpoint.every_steps is null). '],
  ];
  for (const [what, checkpoint, left, step, says] of cases) {
    const dir = tempDir('mt-diverged-keep-');
    for (const s of left) fs.mkdirSync(path.join(dir, name(s)), { recursive: true });
    const line = divergedError(dir, step, 'loss NaN', 'loss', checkpoint).message;
    assert.ok(line.includes(says), `${what}: ${line}`);
    assert.equal(line.includes('then starts the run again from step 0'), !says.includes('is kept') && left.length > 0, `${what}: ${line}`);
    assert.equal(line.endsWith('a checkpoint.keep of 2 or more keeps a checkpoint to go back to'), says.includes('deleted by checkpoint.keep 1'), `${what}: ${line}`);
  }
});
