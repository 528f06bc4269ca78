// The run panel's "best val" is the loss best/ holds: its evaluation.json (train writes it with the weights), the
// lowest beside it when a resume lost best/ and started it again from a later evaluation; best/ deleted or moved is said
// to be gone; a run of an older version (no evaluation.json) is taken to hold the lowest val loss after step 0.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RunWatcher, type FilesEvent } from '../../src/dashboard/run-watch.ts';
import { tempDir } from '../temp-dir.ts';

const asset = new URL('../../src/dashboard/assets/best-val.js', import.meta.url).href;
type Val = { step: number; loss: number };
const { bestValText } = (await import(asset)) as { bestValText: (val: Val[], best: FilesEvent['best'] | null) => string | null };

test('the files event carries what best/ holds, and the panel says it, the lowest beside it, or that best/ is gone', () => {
  const dir = fs.realpathSync(tempDir('mt-best-val-'));
  const val: Val[] = [{ step: 0, loss: 2 }, { step: 1, loss: 1.5 }, { step: 2, loss: 1.9 }, { step: 3, loss: 1.7 }];
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), val.map((v) => JSON.stringify({ ...v, split: 'val' })).join('\n') + '\n');
  const watcher = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  /** The best/ of the files event a poll sends (each change below sends one). */
  const best = (): FilesEvent['best'] => {
    const files = watcher.poll().find((e) => e.type === 'files');
    assert.ok(files, 'a files event');
    return (files.data as FilesEvent).best;
  };
  let watcherBest: FilesEvent['best'];
  // an older run: best/ without evaluation.json holds, as far as anything says, the lowest after step 0
  fs.mkdirSync(path.join(dir, 'best'));
  watcherBest = best();
  assert.deepEqual(watcherBest, { folder: true, evaluation: null });
  assert.equal(bestValText(val, watcherBest), 'best val 1.5 at step 1');
  // best/ started again by a resume from step 2's evaluation and taken by step 3's: before, the page said step 1's 1.5
  fs.writeFileSync(path.join(dir, 'best', 'evaluation.json'), JSON.stringify({ step: 3, loss: 1.7 }));
  watcherBest = best();
  assert.deepEqual(watcherBest, { folder: true, evaluation: { step: 3, loss: 1.7 } });
  assert.equal(bestValText(val, watcherBest), 'best val 1.7 at step 3 (best/; the lowest, 1.5 at step 1, was lost with an earlier best/)');
  // between the two renames of a replacement (best/ aside as .old-best-PID, the new one not yet in): no change said
  fs.renameSync(path.join(dir, 'best'), path.join(dir, '.old-best-4242'));
  assert.equal(watcher.poll().find((e) => e.type === 'files'), undefined, 'a swap in progress is no change');
  fs.renameSync(path.join(dir, '.old-best-4242'), path.join(dir, 'best'));
  fs.rmSync(path.join(dir, 'best'), { recursive: true });
  watcherBest = best();
  assert.deepEqual(watcherBest, { folder: false, evaluation: null });
  assert.equal(bestValText(val, watcherBest), 'best/ is gone (deleted or moved): the lowest val loss was 1.5 at step 1');
  assert.equal(bestValText(val.slice(0, 1), watcherBest), null, 'step 0\'s evaluation is no best');
});
