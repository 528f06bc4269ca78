// A run's checkpoint given where weights are read (export --format gguf --adapter RUN/checkpoints/step-N, eval/generate
// --adapter, export --run of one) that is not there: the run removed it as it saved newer ones (checkpoint.keep), or
// wrote none of that step. Said so, with the checkpoints the run keeps and its weights folders, not a bare
// "adapter folder not found" / "config.yaml not found" that leaves the user to guess what went.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readRunConfig } from '../../src/export/export.ts';
import { requireAdapterFolder } from '../../src/model/config.ts';
import { tempDir } from '../temp-dir.ts';

/** A run folder as train leaves it with checkpoint.keep 1 after step 6: its config, one checkpoint, adapter/ and best/. */
function prunedRun(): string {
  const run = path.join(tempDir('mt-missing-checkpoint-'), 'run');
  for (const d of ['checkpoints/step-0000006', 'adapter', 'best']) fs.mkdirSync(path.join(run, d), { recursive: true });
  fs.writeFileSync(path.join(run, 'config.yaml'), 'model: x\n');
  return run;
}

test('an --adapter that is a checkpoint the run pruned: said so, with the checkpoint it keeps and its weights', () => {
  const run = prunedRun();
  const gone = path.join(run, 'checkpoints', 'step-0000002');
  assert.throws(() => requireAdapterFolder(gone), {
    name: 'UserError',
    message: `${gone}: adapter folder not found: the training run ${run} removed it as it saved newer checkpoints (checkpoint.keep keeps the newest); ` +
      `it keeps ${path.join(run, 'checkpoints', 'step-0000006')}, and its trained weights are in ${path.join(run, 'adapter')} and ${path.join(run, 'best')}`,
  });
});

test('a checkpoint of a step the run never saved is not said to be pruned', () => {
  const run = prunedRun();
  const never = path.join(run, 'checkpoints', 'step-0000008');
  assert.throws(() => requireAdapterFolder(never), (e: Error) => {
    assert.match(e.message, new RegExp(`adapter folder not found: the training run .* wrote no checkpoint of step 8 \\(or it was deleted since\\); it keeps `));
    return true;
  });
});

test('export --run given a pruned checkpoint: said to be pruned, not "not a run directory: config.yaml not found"', () => {
  const run = prunedRun();
  const gone = path.join(run, 'checkpoints', 'step-0000004');
  fs.rmSync(path.join(run, 'best'), { recursive: true });
  assert.throws(() => readRunConfig(gone, true), {
    message: `${gone}: not found: the training run ${run} removed it as it saved newer checkpoints (checkpoint.keep keeps the newest); ` +
      `it keeps ${path.join(run, 'checkpoints', 'step-0000006')}, and its trained weights are in ${path.join(run, 'adapter')}`,
  });
});

test('a missing folder that is no run\'s checkpoint keeps the plain words', () => {
  const dir = path.join(tempDir('mt-missing-checkpoint-'), 'checkpoints', 'step-0000002'); // no run around it
  assert.throws(() => requireAdapterFolder(dir), { message: `${dir}: adapter folder not found` });
});

test('a pruned checkpoint given with a trailing /. (or sub/..): said to be pruned, not a TypeError', () => {
  const run = prunedRun();
  for (const gone of [path.join(run, 'checkpoints', 'step-0000002') + '/.', path.join(run, 'checkpoints', 'step-0000002', 'sub') + '/..']) {
    assert.throws(() => requireAdapterFolder(gone), {
      name: 'UserError',
      message: `${gone}: adapter folder not found: the training run ${run} removed it as it saved newer checkpoints (checkpoint.keep keeps the newest); ` +
        `it keeps ${path.join(run, 'checkpoints', 'step-0000006')}, and its trained weights are in ${path.join(run, 'adapter')} and ${path.join(run, 'best')}`,
    });
  }
});

test('a missing step between two the run keeps is not said to be pruned: rotation removes only checkpoints older than every kept one', () => {
  const run = prunedRun();
  fs.mkdirSync(path.join(run, 'checkpoints', 'step-0000010'));
  const never = path.join(run, 'checkpoints', 'step-0000008'); // 6 and 10 kept: the rotation, oldest first, never removed 8 and kept 6
  assert.throws(() => requireAdapterFolder(never), (e: Error) => {
    assert.match(e.message, /adapter folder not found: the training run .* wrote no checkpoint of step 8 \(or it was deleted since\); it keeps /);
    return true;
  });
});
