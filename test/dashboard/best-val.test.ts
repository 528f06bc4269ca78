// The run panel's "best val" is the loss best/ holds: its evaluation.json (train writes it with the weights), the
// lowest beside it when a resume lost best/ and started it again from a later evaluation; best/ deleted or moved is said
// to be gone; a run of an older version (no evaluation.json) is taken to hold the lowest val loss after step 0. Losses
// of another val set (a resume after the val data changed; each row carries its set's hash) are not compared.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RunWatcher, type FilesEvent } from '../../src/dashboard/run-watch.ts';
import { tempDir } from '../temp-dir.ts';
import { deadPid } from '../helpers.ts';

const asset = new URL('../../src/dashboard/assets/best-val.js', import.meta.url).href;
type Val = { step: number; loss: number; data_fingerprint?: string };
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
  assert.deepEqual(watcherBest, { folder: true, seen: true, evaluation: null });
  assert.equal(bestValText(val, watcherBest), 'best val 1.5 at step 1');
  // best/ started again by a resume from step 2's evaluation and taken by step 3's: before, the page said step 1's 1.5
  fs.writeFileSync(path.join(dir, 'best', 'evaluation.json'), JSON.stringify({ step: 3, loss: 1.7 }));
  watcherBest = best();
  assert.deepEqual(watcherBest, { folder: true, seen: true, evaluation: { step: 3, loss: 1.7 } });
  assert.equal(bestValText(val, watcherBest), 'best val 1.7 at step 3 (best/; the lowest, 1.5 at step 1, was lost with an earlier best/)');
  // between the two renames of a replacement by a running train (best/ aside as .old-best-PID, the new one not yet in):
  // no change said
  const aside = path.join(dir, `.old-best-${process.pid}`);
  fs.renameSync(path.join(dir, 'best'), aside);
  assert.equal(watcher.poll().find((e) => e.type === 'files'), undefined, 'a swap in progress is no change');
  fs.renameSync(aside, path.join(dir, 'best'));
  // a moved-aside copy a dead train kept (the user's files it could not carry) is no swap in progress: best/ deleted is said
  const kept = path.join(dir, `.old-best-${deadPid()}`);
  fs.mkdirSync(kept);
  fs.writeFileSync(path.join(kept, 'notes.md'), 'mine');
  fs.rmSync(path.join(dir, 'best'), { recursive: true });
  watcherBest = best();
  assert.deepEqual(watcherBest, { folder: false, seen: true, evaluation: null });
  assert.equal(bestValText(val, watcherBest), 'best/ is gone (deleted or moved): the lowest val loss was 1.5 at step 1');
  assert.equal(bestValText(val.slice(0, 1), watcherBest), null, 'step 0\'s evaluation is no best');
});

test('a run with val rows and no best/ the dashboard ever saw (a handwritten metrics.jsonl) is said to have none, not "best/ is gone" nor "best val"', () => {
  // before: the watcher's first best was {folder: false}, the same as a best/ deleted, and the panel said "best/ is gone
  // (deleted or moved)" of a best/ there never was; then "best val 1.5 at step 1", as if best/ held it (and so of a
  // train run whose best/ was deleted before the dashboard started)
  const dir = fs.realpathSync(tempDir('mt-best-val-none-'));
  const val: Val[] = [{ step: 0, loss: 2 }, { step: 1, loss: 1.5 }, { step: 2, loss: 1.9 }];
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), val.map((v) => JSON.stringify({ ...v, split: 'val' })).join('\n') + '\n');
  const watcher = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  const files = watcher.poll().find((e) => e.type === 'files');
  assert.ok(files, 'a files event');
  const best = (files.data as FilesEvent).best;
  assert.equal(bestValText(val, best), 'no best/: the lowest val loss was 1.5 at step 1');
  assert.deepEqual(best, { folder: false, seen: false, evaluation: null });
});

test('after a resume whose val data changed, the lowest is taken over the newest val set\'s rows only, and the change is said', () => {
  const A = 'aaaaaaaaaaaaaaaa', B = 'bbbbbbbbbbbbbbbb';
  const val: Val[] = [{ step: 0, loss: 2, data_fingerprint: A }, { step: 1, loss: 1, data_fingerprint: A }, { step: 2, loss: 1.2, data_fingerprint: A },
    { step: 3, loss: 1.6, data_fingerprint: B }, { step: 4, loss: 1.4, data_fingerprint: B }];
  const changed = 'the val data changed before step 3: losses before it, of other val data, not compared';
  // best/ started afresh on the new set: before, "(best/; the lowest, 1 at step 1, was lost with an earlier best/)"
  assert.equal(bestValText(val, { folder: true, seen: true, evaluation: { step: 4, loss: 1.4 } }), `best val 1.4 at step 4 (${changed})`);
  assert.equal(bestValText(val, { folder: true, seen: true, evaluation: null }), `best val 1.4 at step 4 (${changed})`, 'an older best/: before, 1 at step 1');
  assert.equal(bestValText(val, { folder: false, seen: true, evaluation: null }), `best/ is gone (deleted or moved): the lowest val loss was 1.4 at step 4 (${changed})`);
  // a best/ of the old set beside rows of the new one (best/ not replaced) is said to be of the old set
  assert.equal(bestValText(val, { folder: true, seen: true, evaluation: { step: 1, loss: 1 } }),
    `best val 1 at step 1 on the val data before it changed (best/; ${changed}; the lowest since, 1.4 at step 4)`);
  // best/ lost again on the new set and started from a higher evaluation: the lowest of the new set is said beside it
  const more = [...val, { step: 5, loss: 1.5, data_fingerprint: B }];
  assert.equal(bestValText(more, { folder: true, seen: true, evaluation: { step: 5, loss: 1.5 } }),
    `best val 1.5 at step 5 (best/; the lowest, 1.4 at step 4, was lost with an earlier best/; ${changed})`);
  // back to the first set: its rows of both stretches are compared, those of the other not
  const back = [...val, { step: 5, loss: 0.9, data_fingerprint: A }];
  assert.equal(bestValText(back, { folder: true, seen: true, evaluation: { step: 5, loss: 0.9 } }), 'best val 0.9 at step 5 (the val data changed before step 5: losses before it, of other val data, not compared)');
  assert.equal(bestValText([...val.slice(0, 3), { step: 3, loss: 1.1, data_fingerprint: A }], { folder: true, seen: true, evaluation: { step: 1, loss: 1 } }), 'best val 1 at step 1', 'one set: nothing said');
  // rows of an older version (no hash) cannot be told apart: taken as the newest set's
  const unmarked = [{ step: 1, loss: 1 }, { step: 2, loss: 1.5, data_fingerprint: A }];
  assert.equal(bestValText(unmarked, { folder: true, seen: true, evaluation: null }), 'best val 1 at step 1');
});

test('a run folder emptied for a new run (train --overwrite) forgets the best/ seen: the new run is not said to have lost one', () => {
  // before: `seen` stayed true for the watcher's life, and the new run's panel said "best/ is gone (deleted or moved)"
  // of the best/ of the run --overwrite replaced
  const dir = fs.realpathSync(tempDir('mt-best-val-overwrite-'));
  const write = (val: Val[]): void => fs.writeFileSync(path.join(dir, 'metrics.jsonl'), val.map((v) => JSON.stringify({ ...v, split: 'val' })).join('\n') + '\n');
  write([{ step: 0, loss: 2 }, { step: 1, loss: 1.5 }]);
  fs.mkdirSync(path.join(dir, 'best'));
  fs.writeFileSync(path.join(dir, 'best', 'evaluation.json'), JSON.stringify({ step: 1, loss: 1.5 }));
  const watcher = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  const first = watcher.poll().find((e) => e.type === 'files');
  assert.deepEqual((first!.data as FilesEvent).best, { folder: true, seen: true, evaluation: { step: 1, loss: 1.5 } });
  // --overwrite empties the folder, then the new run writes its rows (its first evaluation not yet a best/)
  for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true });
  const emptied = watcher.poll();
  const events = emptied.map((e) => e.type);
  assert.deepEqual(events, ['files', 'metrics'], 'the files event first, as in a snapshot');
  assert.deepEqual((emptied[0]!.data as FilesEvent).best, { folder: false, seen: false, evaluation: null });
  const val: Val[] = [{ step: 0, loss: 3 }, { step: 2, loss: 2.5 }];
  write(val);
  watcher.poll();
  const best = (watcher.snapshot()[0]!.data as FilesEvent).best;
  assert.deepEqual(best, { folder: false, seen: false, evaluation: null });
  assert.equal(bestValText(val, best), 'no best/: the lowest val loss was 2.5 at step 2');
  // the new run's own best/ deleted is said to be gone, as before
  fs.mkdirSync(path.join(dir, 'best'));
  watcher.poll();
  fs.rmSync(path.join(dir, 'best'), { recursive: true });
  watcher.poll();
  assert.equal(bestValText(val, (watcher.snapshot()[0]!.data as FilesEvent).best), 'best/ is gone (deleted or moved): the lowest val loss was 2.5 at step 2');
});

test('metrics.jsonl rewritten in place with a new run\'s rows (same file, same size or larger) forgets the best/ seen too', () => {
  const dir = fs.realpathSync(tempDir('mt-best-val-rewrite-'));
  const file = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(file, JSON.stringify({ step: 1, split: 'val', loss: 1.5 }) + '\n');
  fs.mkdirSync(path.join(dir, 'best'));
  const watcher = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  watcher.poll();
  fs.rmSync(path.join(dir, 'best'), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ step: 2, split: 'val', loss: 2.5 }) + '\n' + JSON.stringify({ step: 3, split: 'val', loss: 2.25 }) + '\n');
  watcher.poll();
  const best = (watcher.snapshot()[0]!.data as FilesEvent).best;
  assert.deepEqual(best, { folder: false, seen: false, evaluation: null });
});
