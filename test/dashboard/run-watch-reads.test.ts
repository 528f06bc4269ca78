// What one poll of a run costs: the run folder's real path is taken once per poll (it was taken again for every file
// checked or read, seven times, each a walk of the whole path), and the files' checks still refuse a folder swapped since.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { RunWatcher } from '../../src/dashboard/run-watch.ts';
import { RUN_GEN, tempRuns } from './helpers.ts';

/** Runs `f`, counting the real paths taken of `dir` (by either of node's realpath functions). */
function realpathsOf(dir: string, f: () => void): number {
  let n = 0;
  const js = fs.realpathSync, native = fs.realpathSync.native;
  const counted = ((p: fs.PathLike, o?: unknown) => {
    if (String(p) === dir) n++;
    return (native as (p: fs.PathLike, o?: unknown) => string)(p, o);
  }) as typeof fs.realpathSync.native;
  const patched = Object.assign(((p: fs.PathLike, o?: unknown) => {
    if (String(p) === dir) n++;
    return (js as (p: fs.PathLike, o?: unknown) => string)(p, o);
  }) as typeof fs.realpathSync, { native: counted });
  fsModule.realpathSync = patched;
  syncBuiltinESMExports();
  try {
    f();
  } finally {
    fsModule.realpathSync = js;
    syncBuiltinESMExports();
  }
  return n;
}

test('a poll takes the run folder\'s real path once, and reads every file as before', (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  let events: ReturnType<RunWatcher['poll']> = [];
  assert.equal(realpathsOf(dir, () => { events = w.poll(); }), 1);
  assert.deepEqual(events.map((e) => e.type), ['files', 'metrics']);
  const files = events[0]!.data as { config: unknown; report: unknown; refused: string[] };
  assert.ok(files.config !== null && files.report !== null);
  assert.deepEqual(files.refused, []);
  assert.equal((events[1]!.data as { rows: unknown[] }).rows.length, 68);
});
