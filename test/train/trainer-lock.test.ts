// The trainer's lock check (RunLock.check between steps, before checkpoints and the final save): a run whose lock was
// taken over mid-run stops in one line, keeping what it wrote up to its last checkpoint and writing nothing after.
// The heartbeat says so only once two beats (30 s) are missed and one asked for has not come in 5 s; rather than wait,
// the test moves this thread's clock (Date.now) past the two beats once the checkpoint is written, and has the wait on
// the heartbeat's pulse (the one Atomics.wait on a BigInt64Array) time out at once, as it would after its 5 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { BEAT_MS } from '../../src/train/lock-heartbeat.ts';
import { LOCK_FILE } from '../../src/train/run-lock.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

test('a run whose lock is taken over mid-run stops in one line at its next step, keeping its checkpoint and writing nothing after it', () => {
  const dir = tempDir('mt-trainer-lock-');
  const rows = Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 12 + i, 7] }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  const run = path.join(dir, 'run');
  const cfg = validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, shuffle: false, batch_size: 1, max_steps: 5,
    checkpoint: { every_steps: 2 }, lora: { r: 2, alpha: 4 }, eval: { samples: 0 }, output_dir: run,
  }, 'test');
  const checkpoint = path.join(run, 'checkpoints', 'step-0000002');
  const theirs = JSON.stringify({ pid: 4242, host: 'old-node-3', started: 'then', pidns: 'pid:[1]', beat: BEAT_MS }) + '\n';
  const realNow = Date.now, realWait = Atomics.wait;
  let takenOver = false;
  Date.now = () => {
    // once step 2's checkpoint is in place, another process takes the lock and this one's clock is two beats on
    if (!takenOver && fs.existsSync(checkpoint)) {
      fs.writeFileSync(path.join(run, LOCK_FILE), theirs);
      takenOver = true;
    }
    return realNow() + (takenOver ? 3 * BEAT_MS : 0);
  };
  Atomics.wait = ((ta: Int32Array | BigInt64Array, index: number, value: never, timeout?: number) =>
    ta instanceof BigInt64Array ? 'timed-out' : realWait(ta as Int32Array, index, value, timeout)) as typeof Atomics.wait;
  let error: unknown;
  const { stderr } = captureStderr(() => {
    try {
      train(cfg);
    } catch (e) {
      error = e;
    }
  });
  Date.now = realNow;
  Atomics.wait = realWait;
  assert.ok(takenOver, 'the lock was taken over once step 2\'s checkpoint was written (seen by the next lock check)');
  assert.ok(error instanceof Error && error.name === 'UserError', String(error));
  assert.match(error.message, new RegExp(`^${run}: the run folder's lock is no longer held: it was taken over by process 4242 on old-node-3 \\(since then\\), ` +
    'so another process may take the folder while this one writes in it; stopped here \\(what was written up to the last checkpoint is kept: --resume it .*\\)$'));
  assert.doesNotMatch(stderr, /taken over/, 'said once, by the error');
  const steps = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
  assert.deepEqual(steps, [1, 2], 'no step after the lock was lost is recorded');
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')), ['step-0000002']);
  for (const after of ['adapter', 'report.json']) assert.ok(!fs.existsSync(path.join(run, after)), `${after} not written`);
  assert.equal(fs.readFileSync(path.join(run, LOCK_FILE), 'utf8'), theirs, 'the other\'s lock is left in place');
});
