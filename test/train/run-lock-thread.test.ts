// A run lock held by another thread of this process (train() on a worker_threads Worker, while the main thread exports
// into the same run, or trains it again) is live: it was taken for one an earlier call of this process had left, and
// taken over. One of a thread that ended without releasing it (a Worker terminated mid-run), or of this thread no
// longer held (a call that failed to remove it), is stale, so no call of this process is locked out for good.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import { withRunFolderLocks } from '../../src/export/run-folder-lock.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { BEAT_MS, staleAfterMs } from '../../src/train/lock-heartbeat.ts';
import { acquireRunLock, LOCK_FILE } from '../../src/train/run-lock.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { workerBoot } from '../../src/util/worker-boot.ts';
import { runnable } from '../node-args.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

/** A Worker holding the run lock of `dir` (lock-thread.ts), once it holds it. */
async function threadHolding(dir: string): Promise<{ worker: Worker; release: () => Promise<void> }> {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const source = workerBoot(pathToFileURL(runnable('test/train/lock-thread.ts')), 'throw e;');
  const worker = new Worker(source, { eval: true, workerData: { dir, signal } });
  const said = (what: string): Promise<void> => new Promise((resolve, reject) => {
    worker.on('message', (m) => { if (m === what) resolve(); });
    worker.once('error', reject);
  });
  await said('held');
  return {
    worker,
    release: async () => {
      const released = said('released');
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
      await released;
      await worker.terminate();
    },
  };
}

const inUse = (run: string, name: string): RegExp =>
  new RegExp(`^${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${name} is in use by process ${process.pid} on .*, another thread of this process\\): wait for it to finish`);

test('a run lock that a worker thread of this process holds refuses the main thread\'s train and export of that run; released, the run is free', async () => {
  const run = tempDir('mt-lock-thread-');
  const holder = await threadHolding(run);
  try {
    const { stderr } = captureStderr(() => {
      assert.throws(() => acquireRunLock(run), (e: Error) => e.name === 'UserError' && inUse(run, 'the run folder').test(e.message));
      let wrote = false;
      assert.throws(() => withRunFolderLocks(path.join(run, 'exported'), FLAG_WORDS, () => { wrote = true; }),
        (e: Error) => e.name === 'UserError' && inUse(run, 'the run folder that holds --out').test(e.message));
      assert.equal(wrote, false, 'the export writes nothing');
    });
    assert.doesNotMatch(stderr, /stale/, 'the thread\'s lock is not taken over');
  } finally {
    await holder.release();
  }
  assert.deepEqual(fs.readdirSync(run), [], 'the thread released its lock');
  acquireRunLock(run).release();
});

test('the lock of a worker thread terminated while it held it (no finally ran), and one this thread left in an earlier call, are taken over as stale', async () => {
  const run = path.join(tempDir('mt-lock-thread-'), 'run');
  const holder = await threadHolding(run);
  await holder.worker.terminate(); // as a Worker stopped mid-run: its lock stays in the folder
  assert.ok(fs.existsSync(path.join(run, LOCK_FILE)), 'the terminated thread left its lock');
  let { stderr } = captureStderr(() => acquireRunLock(run).release());
  assert.match(stderr, /took over the run folder's stale lock \(\.mistral-tune\.lock\): process \d+ on .* is a thread of this process that ended/);
  // one of this thread that no call of it holds now (its release could not remove it: a folder made read-only meanwhile)
  const left = { pid: process.pid, host: os.hostname(), started: 'then', thread: threadId, id: 'released-long-ago' };
  fs.writeFileSync(path.join(run, RUN_LAYOUT.lock), JSON.stringify(left) + '\n');
  ({ stderr } = captureStderr(() => acquireRunLock(run).release()));
  assert.match(stderr, /is this process, which left it in an earlier call/);
  assert.deepEqual(fs.readdirSync(run), []);
});

test('where there is no /proc, the lock of a worker thread terminated while it held it is held while its heartbeat is fresh, and taken over as stale once it is silent', async () => {
  const run = path.join(tempDir('mt-lock-thread-'), 'run');
  const holder = await threadHolding(run);
  await holder.worker.terminate(); // its heartbeat's thread, which the worker started, ends with it
  // as the worker would have written it without /proc: no OS thread id, so only its heartbeat tells whether it runs
  const file = path.join(run, LOCK_FILE);
  const { tid: _tid, ...noProc } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify(noProc) + '\n');
  assert.throws(() => acquireRunLock(run), (e: Error) => e.name === 'UserError' && inUse(run, 'the run folder').test(e.message));
  const silent = (Date.now() - staleAfterMs(BEAT_MS) - 60_000) / 1000;
  fs.utimesSync(file, silent, silent);
  const { stderr } = captureStderr(() => acquireRunLock(run).release());
  assert.match(stderr, /took over the run folder's stale lock \(\.mistral-tune\.lock\): process \d+ on .* is a thread of this process that ended/);
  assert.deepEqual(fs.readdirSync(run), []);
});

test('an export into a run folder from a call that this thread\'s train of it has not returned from (its onRunDir callback) is refused, where it took the lock over as left by an earlier call', () => {
  const run = tempDir('mt-lock-same-thread-');
  const lock = acquireRunLock(run);
  try {
    const { stderr } = captureStderr(() => {
      assert.throws(() => withRunFolderLocks(path.join(run, 'exported'), FLAG_WORDS, () => {}), (e: Error) => e.name === 'UserError' &&
        new RegExp(`: the run folder that holds --out is in use by process ${process.pid} on .*, a call of this thread that has not returned\\): `).test(e.message));
    });
    assert.doesNotMatch(stderr, /stale/);
    lock.check(); // still its own
  } finally {
    lock.release();
  }
});

test('two threads of this process taking one run lock at once write their temporaries apart: the one that links second is refused as by another thread (not ENOENT: its temporary was not the other\'s to overwrite and remove)', async () => {
  const run = tempDir('mt-lock-thread-race-');
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerBoot(pathToFileURL(runnable('test/train/lock-thread-at-link.ts')), 'throw e;'), { eval: true, workerData: { dir: run, signal } });
  const next = (): Promise<unknown> => new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    assert.equal(await next(), 'at-link', 'the worker wrote its temporary');
    const lock = acquireRunLock(run); // with one name for both, this wrote over the worker's temporary, and removed it
    try {
      const said = next();
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
      const m = await said as { error?: string };
      assert.match(m.error ?? String(m), new RegExp(`^UserError: ${inUse(run, 'the run folder').source.slice(1)}`));
    } finally {
      lock.release();
    }
  } finally {
    await worker.terminate();
  }
  assert.deepEqual(fs.readdirSync(run), [], 'no lock or temporary left');
});
