// The line a train stopped by Ctrl-C or SIGTERM ends with (stoppedRunNote), whatever it was doing: what it kept and how to go on. A stop at the
// default checkpoint.every_steps (null) loses every step, and the process ends by the signal: without this line the
// user learned it only from the next --resume. The real signals are in test/cli/stop-signal.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stoppedRunNote } from '../../src/train/stopped-run.ts';
import { tempDir } from '../temp-dir.ts';

test('a stopped run names the resume that goes on from its last checkpoint, or says that none was written and why; stopped while it set up, that the same command starts it', () => {
  const dir = path.join(tempDir('mt-stop-note-'), 'my run');
  fs.mkdirSync(dir);
  // stopped while it set up (loading the model, tokenizing the data): no run in the folder yet (no config.yaml); said all the same
  assert.equal(stoppedRunNote(dir, 'SIGINT', null), `train stopped by Ctrl-C before the run began (while it set up: the model, the data, the device; nothing of it written in '${dir}'): run the same command again to start it`);
  assert.match(stoppedRunNote(path.join(dir, 'gone'), 'SIGTERM', 2), /^train stopped by SIGTERM before the run began .*: run the same command again to start it$/, 'its folder, made by the lock, removed again');
  fs.writeFileSync(path.join(dir, 'config.yaml'), 'seed: 0\n');
  const resume = `mistral-tune train '${dir}' --resume`;
  assert.equal(stoppedRunNote(dir, 'SIGINT', null),
    `train stopped by Ctrl-C before any checkpoint (checkpoint.every_steps is null, the default: set it to keep the steps of a run stopped midway): ${resume} starts it again from step 0`);
  assert.equal(stoppedRunNote(dir, 'SIGTERM', 500), `train stopped by SIGTERM before any checkpoint (the first is due at step 500): ${resume} starts it again from step 0`);
  for (const step of ['step-0000100', 'step-0000200']) fs.mkdirSync(path.join(dir, 'checkpoints', step), { recursive: true });
  assert.equal(stoppedRunNote(dir, 'SIGHUP', 100), `train stopped by SIGHUP: ${resume} continues from its last checkpoint, step 200 (checkpoints/step-0000200)`);
  fs.writeFileSync(path.join(dir, 'report.json'), '{}');
  assert.equal(stoppedRunNote(dir, 'SIGINT', 100), `train stopped by Ctrl-C after the run had finished: '${dir}' is complete`);
});
