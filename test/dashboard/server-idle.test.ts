// What an idle dashboard does: with many quiet runs each tick reads only a few of them (poll-plan.ts), not every
// run (2,000 runs cost a quarter of a core doing nothing); the ticks are driven by mocked timers, so the count is
// exact. And a poll interval that would make it busy is refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mock, test } from 'node:test';
import { SWEEP_PER_TICK } from '../../src/dashboard/poll-plan.ts';
import { RunWatcher } from '../../src/dashboard/run-watch.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';

test('an idle dashboard of 40 runs reads SWEEP_PER_TICK of them a tick, every run in turn, not all 40 each tick', async () => {
  const root = tempDir('mt-dashboard-idle-');
  const runs = Array.from({ length: 40 }, (_, i) => {
    const dir = path.join(root, `run-${i}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `{"step":1,"loss":${i}}\n`);
    return dir;
  });
  const polled: number[] = [];
  const poll = RunWatcher.prototype.poll;
  RunWatcher.prototype.poll = function (this: RunWatcher, ...args: Parameters<RunWatcher['poll']>) {
    polled.push(this.info.id);
    return poll.apply(this, args);
  };
  mock.timers.enable({ apis: ['setTimeout', 'setImmediate'] });
  const dash = await startDashboard({ runs, pollMs: 100 });
  try {
    assert.equal(polled.length, 40, 'the first tick reads every run');
    polled.length = 0;
    const ticks = 40 / SWEEP_PER_TICK;
    for (let t = 0; t < ticks; t++) mock.timers.tick(100);
    assert.equal(polled.length, 40, `${ticks} quiet ticks read ${SWEEP_PER_TICK} runs each, not 40 each`);
    assert.equal(new Set(polled).size, 40, 'each run had its turn');
  } finally {
    await dash.close();
    mock.timers.reset();
    RunWatcher.prototype.poll = poll;
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('pollMs or heartbeatMs NaN, 0, negative or past a timer\'s range is refused (a 1 ms timer: a quarter of a core polling one run)', async () => {
  for (const key of ['pollMs', 'heartbeatMs'] as const) {
    for (const ms of [NaN, 0, -5, Infinity, 2 ** 31]) {
      // one that starts (it must not) is closed, so that the test fails instead of polling on
      const e = await startDashboard({ runs: [process.cwd()], [key]: ms }).then(async (d) => void (await d.close()), (err: unknown) => err);
      assert.ok(isUserError(e), `${key} ${ms} refused`);
      assert.match((e as Error).message, new RegExp(`^startDashboard: options\\.${key} is .*: give a positive number of milliseconds up to 2147483647$`));
    }
  }
});

test('the first tick reads 2 MiB of metrics.jsonl in all, not 1 MiB of each run: the rest follows at the next ticks, every row', async () => {
  const root = tempDir('mt-dashboard-budget-');
  const rows = 13_000; // 0.65 MiB a run, 2.6 MiB in all
  const text = Array.from({ length: rows }, (_, s) => `{"step":${s + 1},"loss":2.5,"lr":0.0001,"grad_norm":1}\n`).join('');
  const runs = Array.from({ length: 4 }, (_, i) => {
    const dir = path.join(root, `run-${i}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), text);
    return dir;
  });
  const watchers = new Set<RunWatcher>();
  const poll = RunWatcher.prototype.poll;
  RunWatcher.prototype.poll = function (this: RunWatcher, ...args: Parameters<RunWatcher['poll']>) {
    watchers.add(this);
    return poll.apply(this, args);
  };
  const read = (): number[] => [...watchers].map((w) => (w.snapshot()[1]!.data as { rowsRead: number }).rowsRead);
  mock.timers.enable({ apis: ['setTimeout', 'setImmediate'] });
  const dash = await startDashboard({ runs, pollMs: 100 });
  try {
    // the bytes of the rows each run had read: its first n lines
    const bytes = read().reduce((sum, n) => sum + Buffer.byteLength(text.split('\n').slice(0, n).join('\n')) + (n > 0 ? 1 : 0), 0);
    assert.ok(bytes <= 2 << 20, `the first tick, before the server listened, read ${(bytes / 2 ** 20).toFixed(2)} MiB`);
    for (let t = 0; t < 10; t++) mock.timers.tick(0); // the ticks that follow at once
    assert.deepEqual(read(), [rows, rows, rows, rows], 'every run read whole');
  } finally {
    await dash.close();
    mock.timers.reset();
    RunWatcher.prototype.poll = poll;
    fs.rmSync(root, { recursive: true, force: true });
  }
});
