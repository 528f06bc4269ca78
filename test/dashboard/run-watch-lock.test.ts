// A run whose lock another host or container holds (its pid cannot be checked from here): in progress while the lock's
// heartbeat changes, not in progress once it has not for the bound a train takes it over after (it showed "in progress"
// for ever), judged by the watcher's own clock; one without a heartbeat (an older version's) is said to be unknown.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RunWatcher, type FilesEvent } from '../../src/dashboard/run-watch.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { BEAT_MS, staleAfterMs } from '../../src/train/lock-heartbeat.ts';
import { workerBoot } from '../../src/util/worker-boot.ts';
import { runnable } from '../node-args.ts';
import { RUN_GEN, tempRuns } from './helpers.ts';

/** What the watcher of `dir` says of its lock at each poll, by the clock `now` gives. */
function lockSaid(dir: string, now: () => number): () => Pick<FilesEvent, 'locked' | 'lockNote'> {
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir, now);
  return () => {
    w.poll();
    const d = w.snapshot()[0]!.data as FilesEvent;
    return { locked: d.locked, lockNote: d.lockNote };
  };
}

/** The lock a worker thread of this process took of `dir` (as train does on its command thread) and left, terminated mid-run. */
async function lockOfEndedThread(dir: string): Promise<void> {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerBoot(pathToFileURL(runnable('test/train/lock-thread.ts')), 'throw e;'), { eval: true, workerData: { dir, signal } });
  await new Promise<void>((resolve, reject) => { worker.on('message', (m) => { if (m === 'held') resolve(); }); worker.once('error', reject); });
  await worker.terminate(); // no finally runs: its lock stays in the folder
}

test('the lock of a train thread of this process that ended is not training, as a train takes it over; without /proc, once its heartbeat has been silent as long as a train waits', async (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const lock = path.join(dir, RUN_LAYOUT.lock);
  await lockOfEndedThread(dir);
  let now = 1_000_000;
  assert.deepEqual(lockSaid(dir, () => now)(), { locked: false, lockNote: null }, 'its thread is gone (/proc/self/task says so)');
  // as the thread would have written it without /proc: no OS thread id, so only its heartbeat tells whether it runs
  const { tid: _tid, ...noProc } = JSON.parse(fs.readFileSync(lock, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(lock, JSON.stringify(noProc) + '\n');
  const said = lockSaid(dir, () => now);
  assert.deepEqual(said(), { locked: true, lockNote: null }, 'its heartbeat may go on yet');
  now += staleAfterMs(BEAT_MS) + 1000;
  const stopped = said();
  assert.equal(stopped.locked, false);
  assert.match(stopped.lockNote!, /^not training: process \d+ on .*, another thread of this process, which cannot be checked without \/proc, holds the run's lock, but its heartbeat has not changed for over 120 s/);
});

test('a lock of another host is in progress while its heartbeat changes, not once it has stopped; one without a heartbeat is unknown', (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const lock = path.join(dir, RUN_LAYOUT.lock);
  const owner = { pid: 4242, host: 'old-node-3', started: 'then', beat: BEAT_MS };
  fs.writeFileSync(lock, JSON.stringify(owner) + '\n');
  let now = 1_000_000;
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir, () => now);
  const files = (): Pick<FilesEvent, 'locked' | 'lockNote'> => {
    w.poll();
    const e = w.snapshot()[0]!;
    assert.equal(e.type, 'files');
    const d = e.data as FilesEvent;
    return { locked: d.locked, lockNote: d.lockNote };
  };
  assert.deepEqual(files(), { locked: true, lockNote: null });
  now += staleAfterMs(BEAT_MS) - 1000;
  assert.deepEqual(files(), { locked: true, lockNote: null }, 'quiet, but not for long enough');
  now += 2000;
  const stale = files();
  assert.equal(stale.locked, false);
  assert.match(stale.lockNote!, /^not training: process 4242 on old-node-3 \(since then\), another host than this one \(.*\), holds the run's lock, but its heartbeat has not changed for over 120 s/);
  const t2 = (Date.now() + 5000) / 1000;
  fs.utimesSync(lock, t2, t2); // it beats again (the process was only paused, or the file system cut off)
  assert.deepEqual(files(), { locked: true, lockNote: null });
  fs.writeFileSync(lock, JSON.stringify({ ...owner, beat: undefined }) + '\n');
  now += 10 * staleAfterMs(BEAT_MS);
  const unknown = files();
  assert.equal(unknown.locked, true);
  assert.match(unknown.lockNote!, /^in progress, or stopped: process 4242 on old-node-3 .* without a heartbeat \(an older version\), so it cannot be checked from here$/);
});
