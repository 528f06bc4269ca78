// A run whose lock another host or container holds (its pid cannot be checked from here): in progress while the lock's
// heartbeat changes, not in progress once it has not for the bound a train takes it over after (it showed "in progress"
// for ever), judged by the watcher's own clock; one without a heartbeat (an older version's) is said to be unknown.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RunWatcher, type FilesEvent } from '../../src/dashboard/run-watch.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { BEAT_MS, staleAfterMs } from '../../src/train/lock-heartbeat.ts';
import { RUN_GEN, tempRuns } from './helpers.ts';

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
