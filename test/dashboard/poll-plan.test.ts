// Which runs the dashboard reads at each tick (poll-plan.ts): every run at first, then only those whose folder
// changed, those training, being read or gone, and a fixed few in turn, however many runs there are; and the
// real fs.watch: a change in a run folder marks it, reading it does not, and a folder deleted and made again is
// watched again.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PollPlan, SWEEP_PER_TICK, type PlannedRun, type WatchFolder } from '../../src/dashboard/poll-plan.ts';
import { RunWatcher } from '../../src/dashboard/run-watch.ts';
import { tempDir } from '../temp-dir.ts';
import { waitFor } from './helpers.ts';

interface FakeRun extends PlannedRun {
  behind: boolean;
  locked: boolean;
  dirExists: boolean;
  reportReady: boolean;
}

/** `n` runs in real (empty) folders, and a fake watch whose change callbacks the test calls. */
function fakeRuns(n: number): { runs: FakeRun[]; changed: Map<string, () => void>; watch: WatchFolder; cleanup(): void } {
  const root = tempDir('mt-poll-plan-');
  const runs = Array.from({ length: n }, (_, i) => {
    const dir = path.join(root, `run-${i}`);
    fs.mkdirSync(dir);
    return { dir, behind: false, locked: false, dirExists: true, reportReady: false };
  });
  const changed = new Map<string, () => void>();
  const watch: WatchFolder = (dir, onChange) => {
    changed.set(dir, onChange);
    return () => changed.delete(dir);
  };
  return { runs, changed, watch, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

test('every run is read at first; then the runs that changed, and SWEEP_PER_TICK others in turn, whatever their number', () => {
  const { runs, changed, watch, cleanup } = fakeRuns(200);
  try {
    const plan = new PollPlan(runs, watch);
    assert.equal(plan.due().length, 200, 'the first tick reads every run');
    runs.forEach((_, i) => plan.read(i));
    assert.equal(changed.size, 200, 'every folder is watched');
    const seen = new Set<number>();
    const ticks = Math.ceil(200 / SWEEP_PER_TICK);
    for (let t = 0; t < ticks; t++) {
      const due = plan.due();
      assert.equal(due.length, SWEEP_PER_TICK, `tick ${t}: only the sweep's turn`);
      for (const i of due) {
        seen.add(i);
        plan.read(i);
      }
    }
    assert.equal(seen.size, 200, `every run had its turn within ${ticks} ticks`);
    changed.get(runs[137]!.dir)!();
    assert.ok(plan.due().includes(137), 'a changed run is read at the next tick');
    runs[5]!.locked = true;
    runs[6]!.behind = true;
    // a report parsed on its thread changed no file: without this its run waited for its turn (a minute with 2,000 runs)
    runs[7]!.reportReady = true;
    for (let t = 0; t < 3; t++) {
      const due = plan.due();
      assert.ok(due.includes(5) && due.includes(6), 'a run held by a train, or still being read, is read every tick');
      assert.ok(due.includes(7), 'a run whose report was just parsed is read at the next tick');
      assert.ok(due.length <= SWEEP_PER_TICK + 3);
    }
    plan.close();
    assert.equal(changed.size, 0, 'close() ends every watch');
  } finally {
    cleanup();
  }
});

test('a run folder gone is read every tick and watched again once it is back (a new folder: a new watch)', () => {
  const { runs, changed, watch, cleanup } = fakeRuns(30);
  try {
    const plan = new PollPlan(runs, watch);
    for (const i of plan.due()) plan.read(i);
    const run = runs[20]!;
    fs.rmSync(run.dir, { recursive: true });
    run.dirExists = false;
    changed.get(run.dir)!();
    assert.ok(plan.due().includes(20));
    plan.read(20);
    assert.ok(!changed.has(run.dir), 'the gone folder is no longer watched');
    for (let t = 0; t < 3; t++) assert.ok(plan.due().includes(20), 'a gone run is read every tick, to see it come back');
    fs.mkdirSync(run.dir);
    run.dirExists = true;
    plan.read(20);
    assert.ok(changed.has(run.dir), 'the folder made again is watched');
    assert.ok(plan.due().includes(20), 'and read once more (a change before its watch started is not lost)');
    // replaced between two reads (renamed away, another renamed in): the new folder gets the watch
    const before = changed.get(run.dir)!;
    fs.renameSync(run.dir, `${run.dir}.old`);
    fs.mkdirSync(run.dir);
    plan.read(20);
    assert.notEqual(changed.get(run.dir), before, 'a new watch for the new folder');
  } finally {
    cleanup();
  }
});

test('a folder fs.watch refuses is read in turn with the quiet ones, not every tick, and is warned of once', () => {
  const { runs, cleanup } = fakeRuns(40);
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => { lines.push(String(s)); return true; }) as typeof process.stderr.write;
  try {
    const plan = new PollPlan(runs, () => null);
    for (const i of plan.due()) plan.read(i);
    for (let t = 0; t < 3; t++) assert.equal(plan.due().length, SWEEP_PER_TICK);
    assert.equal(lines.length, 1, lines.join(''));
    assert.match(lines[0]!, /^warning: dashboard: cannot watch .*run-0 for changes .* read in turn/);
  } finally {
    process.stderr.write = write;
    cleanup();
  }
});

test('real fs.watch: a run whose folder changes is due, reading it raises no change, and a folder made again is watched again', { timeout: 20_000 }, async () => {
  const root = tempDir('mt-poll-plan-');
  try {
    const dir = path.join(root, 'run');
    fs.mkdirSync(dir);
    const metrics = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(metrics, '{"step":1,"loss":2}\n');
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'task: generation\n');
    const w = new RunWatcher({ id: 0, name: 'run', path: dir }, fs.realpathSync(dir));
    const plan = new PollPlan([w], undefined, 0); // no sweep: only the watch makes the run due
    const tick = (): number[] => {
      const due = plan.due();
      for (const i of due) {
        w.poll();
        plan.read(i);
      }
      return due;
    };
    assert.deepEqual(tick(), [0]);
    assert.equal(w.snapshot().length, 2);
    // the reads themselves (open, read, close) are no change: nothing is due however long we wait
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(tick(), [], 'reading the run marks no change');
    }
    fs.appendFileSync(metrics, '{"step":2,"loss":1.5}\n');
    await waitFor(() => tick().length === 1, 5000, 'the append to be seen');
    fs.rmSync(dir, { recursive: true });
    await waitFor(() => tick().length === 1 && !w.dirExists, 5000, 'the folder\'s removal to be seen');
    fs.mkdirSync(dir);
    await waitFor(() => tick().length === 1 && w.dirExists, 5000, 'the folder made again to be seen (read every tick while gone)');
    tick(); // the read after the new watch started
    fs.writeFileSync(metrics, '{"step":1,"loss":3}\n');
    await waitFor(() => tick().length === 1, 5000, 'a change in the new folder to be seen through its watch');
    plan.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
