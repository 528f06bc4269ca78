// A large report.json (parsed on reportParser's thread, report-parse.ts) and the server: the page is served while it is
// parsed, and sent when parsed. The thread is a fake the test answers, so that nothing depends on how long a parse takes.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { PARSE_STOPPED, reportParser } from '../../src/dashboard/report-parse.ts';
import { RunWatcher } from '../../src/dashboard/run-watch.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { RUN_GEN, tempRuns, waitFor } from './helpers.ts';

/** A report thread that answers only when the test says (emit 'message'). */
class FakeThread extends EventEmitter {
  readonly posted: Uint8Array[] = [];
  terminated = false;
  postMessage(bytes: Uint8Array): void {
    this.posted.push(bytes);
  }
  ref(): void {}
  unref(): void {}
  terminate(): Promise<number> {
    this.terminated = true;
    return Promise.resolve(1);
  }
}

/** The parser's thread, its start and its stop (private: reached to put a fake thread in). */
interface Inside {
  worker: Worker | null;
  current: unknown;
  spawn(): Worker;
  fail(w: Worker, error: string): void;
}

/** Makes reportParser start FakeThreads (each one it starts is pushed to the list returned); restore() undoes it. */
function fakeThreads(): { threads: FakeThread[]; restore(): void } {
  const inside = reportParser as unknown as Inside;
  if (inside.worker !== null) inside.fail(inside.worker, 'unused'); // an idle real thread: the next report starts a fake
  const spawn = inside.spawn;
  const threads: FakeThread[] = [];
  inside.spawn = () => {
    const t = new FakeThread();
    threads.push(t);
    return t as unknown as Worker;
  };
  return { threads, restore: () => { inside.spawn = spawn; } };
}

/** A copy of the fixture run with a report.json over 1 MiB (parsed on the thread). */
function runWithLargeReport(): { dir: string; cleanup(): void } {
  const tmp = tempRuns(RUN_GEN);
  fs.writeFileSync(path.join(tmp.dirs[0]!, 'report.json'), `{"steps": 7}${' '.repeat(3 << 19)}`);
  return { dir: tmp.dirs[0]!, cleanup: () => tmp.cleanup() };
}

async function shownReport(url: string): Promise<{ json?: unknown; error?: string } | null> {
  const events = await (await fetch(new URL('/api/snapshot', url))).json() as Array<{ type: string; data: { report?: { json?: unknown; error?: string } | null } }>;
  return events.find((e) => e.type === 'files')!.data.report ?? null;
}

test('the page is served while the large reports the first poll found are parsed, and each is sent once parsed', { timeout: 10_000 }, async () => {
  // before: startDashboard waited for every such report, one at a time, up to 30 s each, before it listened
  const run = runWithLargeReport();
  const fake = fakeThreads();
  try {
    const dash = await startDashboard({ runs: [run.dir], pollMs: 20 });
    try {
      assert.equal(fake.threads[0]?.posted.length, 1, 'the report is on its thread');
      assert.equal((await fetch(dash.url)).status, 200);
      assert.match((await shownReport(dash.url))?.error ?? '', /^report\.json \(1\.5 MiB\) is being read; it is shown once read$/);
      fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } });
      await waitFor(async () => JSON.stringify((await shownReport(dash.url))?.json) === '{"steps":7}', 5_000, 'the parsed report');
    } finally {
      await dash.close();
    }
  } finally {
    fake.restore();
    run.cleanup();
  }
});

test('a dashboard closed while a report is parsed stops its thread: nothing holds the process or the bytes 30 s more', { timeout: 10_000 }, async () => {
  const run = runWithLargeReport();
  const fake = fakeThreads();
  try {
    const dash = await startDashboard({ runs: [run.dir], pollMs: 20 });
    assert.equal(fake.threads[0]?.posted.length, 1, 'the report is on its thread');
    await dash.close();
    assert.equal(fake.threads[0]!.terminated, true, 'the thread reading it is stopped');
    assert.equal((reportParser as unknown as Inside).current, null, 'no parse is running');
  } finally {
    fake.restore();
    run.cleanup();
  }
});

test('a report rewritten while parsed: the stale parse is stopped, not queued ahead of the new one, and only the new one is shown', { timeout: 10_000 }, async () => {
  const run = runWithLargeReport();
  const fake = fakeThreads();
  try {
    const w = new RunWatcher({ id: 0, name: 'run', path: run.dir }, fs.realpathSync(run.dir));
    w.poll();
    fs.writeFileSync(path.join(run.dir, 'report.json'), `{"steps": 8}${' '.repeat(3 << 19)} `);
    w.poll();
    assert.equal(fake.threads[0]!.terminated, true, 'the parse of the old text is stopped');
    assert.equal((reportParser as unknown as { queue: unknown[] }).queue.length, 0, 'nothing waits behind it');
    assert.equal(fake.threads[1]?.posted.length, 1, 'the new text is on a new thread');
    fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } }); // the old thread's late answer: ignored
    fake.threads[1]!.emit('message', { report: { json: { steps: 8 } } });
    await w.reportParsed();
    const files = w.poll().find((e) => e.type === 'files')!.data as { report: unknown };
    assert.deepEqual(files.report, { json: { steps: 8 } });
    w.close();
  } finally {
    fake.restore();
    run.cleanup();
  }
});

test('a parse waiting for the thread whose caller stops it is dropped from the queue, its bytes with it', async () => {
  const fake = fakeThreads();
  try {
    const first = reportParser.parse(Buffer.from('{"run": "a"}'));
    const stop = new AbortController();
    const second = reportParser.parse(Buffer.from('{"run": "b"}'), stop.signal);
    stop.abort();
    assert.deepEqual(await second, PARSE_STOPPED);
    assert.equal((reportParser as unknown as { queue: unknown[] }).queue.length, 0);
    fake.threads[0]!.emit('message', { report: { json: { run: 'a' } } });
    assert.deepEqual(await first, { json: { run: 'a' } });
    assert.equal(fake.threads[0]!.posted.length, 1, 'the stopped one never reached the thread');
  } finally {
    fake.restore();
  }
});
