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
  ending: Promise<void> | null;
  spawn(): Worker;
  fail(w: Worker, error: string): void;
}

/** Makes reportParser start FakeThreads (each one it starts is pushed to the list returned); restore() undoes it. */
async function fakeThreads(): Promise<{ threads: FakeThread[]; restore(): void }> {
  const inside = reportParser as unknown as Inside;
  if (inside.worker !== null) inside.fail(inside.worker, 'unused'); // an idle real thread: the next report starts a fake
  await inside.ending; // once that thread has ended
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
  const fake = await fakeThreads();
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
  const fake = await fakeThreads();
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
  const fake = await fakeThreads();
  try {
    const w = new RunWatcher({ id: 0, name: 'run', path: run.dir }, fs.realpathSync(run.dir));
    w.poll();
    fs.writeFileSync(path.join(run.dir, 'report.json'), `{"steps": 8}${' '.repeat(3 << 19)} `);
    w.poll();
    assert.equal(fake.threads[0]!.terminated, true, 'the parse of the old text is stopped');
    await (reportParser as unknown as Inside).ending; // a new thread is started once the stopped one has ended
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
  const fake = await fakeThreads();
  try {
    const first = reportParser.parse(() => Buffer.from('{"run": "a"}'));
    const stop = new AbortController();
    const second = reportParser.parse(() => Buffer.from('{"run": "b"}'), stop.signal);
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

/** Runs `f` with process.stderr's writes kept (not printed); returns what was written. */
async function stderrOf(f: () => Promise<void>): Promise<string> {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await f();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

test('reports waiting for the thread hold no bytes: each is read when its parse starts, as it is then', { timeout: 10_000 }, async () => {
  // before: each was read as it was queued and held until parsed (100 runs of 12 MB reports: 1.2 GB)
  const runs = [runWithLargeReport(), runWithLargeReport()];
  const fake = await fakeThreads();
  try {
    const [a, b] = runs.map((r, id) => new RunWatcher({ id, name: `run${id}`, path: r.dir }, fs.realpathSync(r.dir)));
    a!.poll();
    b!.poll();
    const queue = (reportParser as unknown as { queue: object[] }).queue;
    assert.equal(queue.length, 1, 'the second report waits');
    assert.ok(!Object.values(queue[0]!).some((v) => Buffer.isBuffer(v) || v instanceof Uint8Array), 'holding no bytes');
    fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } });
    assert.equal(fake.threads[0]!.posted.length, 2, 'read and sent when the first is parsed');
    assert.match(Buffer.from(fake.threads[0]!.posted[1]!).toString('utf8'), /^\{"steps": 7\}/);
    fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } });
    await b!.reportParsed();
    a!.close();
    b!.close();
  } finally {
    fake.restore();
    for (const r of runs) r.cleanup();
  }
});

test('a report appended past 16 MiB while it waits is not read: the page and the log say it is too large, once', { timeout: 10_000 }, async () => {
  const runs = [runWithLargeReport(), runWithLargeReport()];
  const fake = await fakeThreads();
  try {
    const [a, b] = runs.map((r, id) => new RunWatcher({ id, name: `run${id}`, path: r.dir }, fs.realpathSync(r.dir)));
    const log = await stderrOf(async () => {
      a!.poll();
      b!.poll();
      fs.truncateSync(path.join(runs[1]!.dir, 'report.json'), 17 << 20); // appended to (sparse: no 17 MB written)
      fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } });
      await b!.reportParsed();
      assert.equal(fake.threads[0]!.posted.length, 1, 'its bytes never reach the thread');
      const files = b!.poll().find((e) => e.type === 'files')!.data as { report: { error?: string } };
      assert.equal(files.report.error, 'report.json is 17.0 MiB, too large to show here; open it raw');
      fs.truncateSync(path.join(runs[1]!.dir, 'report.json'), (16 << 20) + 7);
      const cut = b!.poll().find((e) => e.type === 'files')!.data as { report: { error?: string } };
      assert.equal(cut.report.error, 'report.json is 16,777,223 bytes, too large to show here; open it raw', 'not "16.0 MiB"');
    });
    const lines = log.split('\n').filter((l) => l.includes('report.json'));
    assert.deepEqual(lines, [`warning: dashboard: ${path.join(runs[1]!.dir, 'report.json')} is 17.0 MiB, over the 16 MiB the page shows; the page links to it raw`]);
    a!.close();
    b!.close();
  } finally {
    fake.restore();
    for (const r of runs) r.cleanup();
  }
});

test('a stopped thread has ended before the next report is parsed: one parse at a time, each with its heap', async () => {
  // before: terminate waits for the JSON.parse in progress (seconds), and a new thread started at once, so a report
  // rewritten at every poll while parsed had several threads parsing together
  const fake = await fakeThreads();
  try {
    const stop = new AbortController();
    const first = reportParser.parse(() => Buffer.from('{"run": "a"}'), stop.signal);
    let ended = (): void => {};
    fake.threads[0]!.terminate = () => new Promise((resolve) => (ended = () => resolve(1)));
    stop.abort();
    assert.deepEqual(await first, PARSE_STOPPED);
    const second = reportParser.parse(() => Buffer.from('{"run": "b"}'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fake.threads.length, 1, 'no thread is started while the stopped one is still parsing');
    ended();
    await (reportParser as unknown as Inside).ending;
    assert.equal(fake.threads[1]?.posted.length, 1, 'the next report is parsed once it has ended');
    fake.threads[1]!.emit('message', { report: { json: { run: 'b' } } });
    assert.deepEqual(await second, { json: { run: 'b' } });
  } finally {
    fake.restore();
  }
});

test('a report moved away only while its turn to be read came, and back unchanged, is read again at the next poll', { timeout: 10_000 }, async () => {
  const runs = [runWithLargeReport(), runWithLargeReport()];
  const fake = await fakeThreads();
  try {
    const [a, b] = runs.map((r, id) => new RunWatcher({ id, name: `run${id}`, path: r.dir }, fs.realpathSync(r.dir)));
    a!.poll();
    b!.poll();
    const report = path.join(runs[1]!.dir, 'report.json');
    fs.renameSync(report, `${report}.away`);
    fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } });
    await b!.reportParsed();
    fs.renameSync(`${report}.away`, report); // the same file (inode, size and mtime), back before the next poll
    const files = b!.poll().find((e) => e.type === 'files')!.data as { report: { error?: string } };
    assert.match(files.report.error ?? '', /^report\.json \(1\.5 MiB\) is being read/, 'not "report.json was gone" for as long as it is unchanged');
    assert.equal(fake.threads[0]!.posted.length, 2, 'queued again, and read');
    fake.threads[0]!.emit('message', { report: { json: { steps: 7 } } });
    await b!.reportParsed();
    assert.deepEqual((b!.poll().find((e) => e.type === 'files')!.data as { report: unknown }).report, { json: { steps: 7 } });
    a!.close();
    b!.close();
  } finally {
    fake.restore();
    for (const r of runs) r.cleanup();
  }
});
