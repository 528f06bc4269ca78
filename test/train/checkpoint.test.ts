// checkpoint.ts's rotation: the newest `keep` checkpoints up to the step being saved stay. Those of later steps are
// the ones a resume went back before (each failed its checks): they do not count, so the rotation never drops the
// checkpoint it has just written for them. A failed save whose temporary folder cannot be removed says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import type { Param } from '../../src/model/params.ts';
import { checkpointName, checkpointsSpec, listCheckpoints, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { recoverFolderSwaps } from '../../src/util/folder-swap.ts';
import { swapFolderName } from '../../src/util/leftover-names.ts';
import { tempDir } from '../temp-dir.ts';
import { withFsPatched } from '../fs-faults.ts';

/** Saves a checkpoint of step `step` of a one-parameter model in `run`, keeping the newest `keep`. */
function checkpointSaver(run: string, keep: number): (step: number) => string {
  const backend = createBackend('cpu');
  const param: Param = { name: 'w', shape: [2], value: backend.alloc('f32', 2), grad: backend.alloc('f32', 2) };
  const optimizer = new AdamW(backend, [param], { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  return (step) => saveCheckpoint(run, [param], optimizer, backend,
    { loop: { step, best: null, sinceBest: 0, loader: { epoch: 0, index: step, rng: [1, 2, 3, 4] } }, metricsBytes: 0, extra: {} }, keep, 'lora');
}

const names = (run: string): string[] => listCheckpoints(run).map((d) => path.basename(d));

test('a run restarted below checkpoints that failed their checks keeps the ones it writes (the rotation dropped each as it was written)', () => {
  const run = tempDir('mt-checkpoint-');
  const save = checkpointSaver(run, 2);
  save(5);
  save(6);
  for (const d of listCheckpoints(run)) fs.truncateSync(path.join(d, 'state.safetensors'), 10); // both damaged: --resume starts at step 0
  save(1);
  assert.deepEqual(names(run), ['step-0000001', 'step-0000005', 'step-0000006'], 'the checkpoint of step 1 is kept');
  save(2);
  save(3);
  assert.deepEqual(names(run), ['step-0000002', 'step-0000003', 'step-0000005', 'step-0000006'], 'the newest 2 up to step 3');
  save(5); // replaces the damaged one of its step
  save(6);
  assert.deepEqual(names(run), ['step-0000005', 'step-0000006']);
});

test('a failed checkpoint save whose temporary folder cannot be removed warns, naming it and that --resume removes it', () => {
  // it was removed quietly: where that failed (EACCES, EROFS) the folder, a 7B run's gigabytes under a hidden name, was
  // left without a word, where atomic.ts warns of a temporary file. The faults come from a patched fs (root is never refused)
  const run = tempDir('mt-ckpt-left-'), save = checkpointSaver(run, 2), root = path.join(run, 'checkpoints');
  save(1);
  const final = path.join(root, checkpointName(2)), tmp = path.join(root, swapFolderName('tmp', checkpointName(2), process.pid));
  const { renameSync } = fs;
  const fault = (code: string, p: fs.PathLike): Error => Object.assign(new Error(`${code}: '${String(p)}'`), { code, path: String(p) });
  const { error, stderr } = withFsPatched({
    renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
      if (to === final) throw fault('EROFS', from); // the checkpoint's rename into place
      renameSync(from, to);
    }) as typeof fs.renameSync,
    rmSync: ((p: fs.PathLike) => { throw fault('EACCES', p); }) as typeof fs.rmSync,
  }, () => save(2));
  assert.ok(isUserError(error), String(error));
  assert.equal((error as Error).message, `${final}: cannot write: read-only file system (EROFS)`);
  assert.equal(stderr, `warning: ${tmp}: cannot remove this temporary folder, left by a failed write: permission denied (EACCES): ` +
    'train --resume removes it, or remove it yourself\n');
  assert.deepEqual(fs.readdirSync(root).sort(), [path.basename(tmp), checkpointName(1)]);
  recoverFolderSwaps(root, checkpointsSpec('lora')); // what --resume does first (openForResume, restoreLatestCheckpoint)
  assert.deepEqual(fs.readdirSync(root), [checkpointName(1)]);
});

test('a failed save whose temporary folder is removed says nothing more than its error', () => {
  const run = tempDir('mt-ckpt-clean-'), save = checkpointSaver(run, 2), root = path.join(run, 'checkpoints');
  const final = path.join(root, checkpointName(1)), { renameSync } = fs;
  const { error, stderr } = withFsPatched({
    renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
      if (to === final) throw Object.assign(new Error('EROFS'), { code: 'EROFS' });
      renameSync(from, to);
    }) as typeof fs.renameSync,
  }, () => save(1));
  assert.equal((error as Error).message, `${final}: cannot write: read-only file system (EROFS)`);
  assert.equal(stderr, '');
  assert.deepEqual(fs.readdirSync(root), []);
});
