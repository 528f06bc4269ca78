// The run lock's heartbeat: a lock of another host or pid namespace (a container restarted under the same hostname) is
// taken over once its heartbeat has stopped, judged by the file system's own clock, and never while it beats or when it
// has none (an older version's); a held lock beats on a thread of its own, while the thread holding it is blocked, and
// never writes a lock that is no longer its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireRunLock, LOCK_FILE } from '../../src/train/run-lock.ts';
import { beatHeldLocksNow, BEAT_MS, heartbeatThread, staleAfterMs } from '../../src/train/lock-heartbeat.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const tmpDir = (): string => tempDir('mt-lock-beat-');
const ago = (file: string, ms: number): void => {
  const t = (Date.now() - ms) / 1000;
  fs.utimesSync(file, t, t);
};
/** A lock written by a process that cannot be checked from here: on `host`, or in another pid namespace of this one. */
const remoteLock = (host: string, beat: number | undefined): string =>
  JSON.stringify({ pid: 4242, host, started: 'then', pidns: 'pid:[1]', ...(beat === undefined ? {} : { beat }) }) + '\n';

test('a lock of another host or container whose heartbeat stopped is taken over with a warning; a beating one, or one without a heartbeat, is not', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  for (const host of ['old-node-3', os.hostname()]) { // a StatefulSet pod on another node; a container restarted on this one
    fs.writeFileSync(file, remoteLock(host, BEAT_MS));
    ago(file, staleAfterMs(BEAT_MS) - 30_000); // beating, though slowly
    assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' &&
      e.message.includes(`cannot be checked from here (its heartbeat is ${staleAfterMs(BEAT_MS) / 1000 - 30} s old: it is taken over once that is over ${staleAfterMs(BEAT_MS) / 1000} s)`));
    ago(file, 3_600_000);
    const { result: lock, stderr } = captureStderr(() => acquireRunLock(dir));
    assert.match(stderr, new RegExp(`^warning: ${dir}: took over the run folder's stale lock \\(${LOCK_FILE}\\): the heartbeat of process 4242 on ${host} ` +
      '\\(since then\\), .*, stopped 3600 s ago \\(a container restarted, a machine gone; if that process was only paused, it must not go on: stop it\\)\\n$'));
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  }
  fs.writeFileSync(file, remoteLock('old-node-3', undefined)); // an older version's: no heartbeat to judge by
  ago(file, 3_600_000);
  assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && /cannot be checked from here: wait/.test(e.message));
});

test('a lock of another host is judged by the file system\'s clock, not this machine\'s: a heartbeat "from the future" (a clock ahead) is fresh', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, remoteLock('old-node-3', BEAT_MS));
  ago(file, -3_600_000);
  assert.throws(() => acquireRunLock(dir), /its heartbeat is 0 s old/);
});

/** Blocks this thread (as a long native step would) until `done` or 10 s; whether `done` came true. */
function blockUntil(done: () => boolean): boolean {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 1000; i++) {
    if (done()) return true;
    Atomics.wait(sleep, 0, 0, 10);
  }
  return done();
}

test('a held lock beats on a thread of its own while the thread holding it is blocked, and never writes a lock no longer its own', () => {
  const [a, b] = [tmpDir(), tmpDir()];
  const lockA = acquireRunLock(a), lockB = acquireRunLock(b);
  const fileA = path.join(a, LOCK_FILE), fileB = path.join(b, LOCK_FILE);
  const mine = fs.readFileSync(fileB, 'utf8');
  assert.equal(JSON.parse(mine).beat, BEAT_MS, 'the lock says it beats, and how often');
  const theirs = remoteLock('old-node-3', BEAT_MS);
  fs.writeFileSync(fileA, theirs); // taken over meanwhile (this process paused past the bound)
  ago(fileA, 3_600_000);
  ago(fileB, 3_600_000);
  beatHeldLocksNow();
  // the locks beat in the order taken: once B has, A was passed over
  assert.ok(blockUntil(() => Date.now() - fs.statSync(fileB).mtimeMs < 600_000), 'B beat while this thread was blocked');
  assert.equal(fs.readFileSync(fileB, 'utf8'), mine, 'with the same bytes');
  assert.ok(Date.now() - fs.statSync(fileA).mtimeMs > 600_000, 'the other\'s lock was not written');
  assert.equal(fs.readFileSync(fileA, 'utf8'), theirs);
  assert.equal(captureStderr(() => lockA.release()).stderr, `warning: ${a}: the run folder's lock was taken over by another process while this one held it: ` +
    'process 4242 on old-node-3 (since then); check the folder\'s files\n', 'said when released');
  assert.equal(fs.readFileSync(fileA, 'utf8'), theirs, 'nor released');
  lockB.release();
  assert.equal(fs.existsSync(fileB), false);
});

test('a holder whose lock was taken over is stopped by check() in one line; one whose heartbeat thread died or hangs goes on, a new one beating, until its silence nears the takeover bound', async () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  const lock = acquireRunLock(dir);
  // this process was paused past two beats (a laptop asleep): its thread, alive, beats when asked, and the run goes on
  lock.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 10_000 });
  const crashed = heartbeatThread();
  await crashed.terminate(); // the heartbeat's thread crashed
  lock.check(); // its last beat is recent: nothing to say yet, and nothing waited for
  // before: stopped here, 45 s of silence, though the lock was still its own and no one could take it for 120 s
  lock.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 50 });
  const fresh = heartbeatThread();
  assert.notEqual(fresh, crashed, 'a new thread beats the lock');
  lock.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 10_000 });
  assert.equal(heartbeatThread(), fresh, 'the new thread answered when asked for a beat (else it would be replaced in turn)');
  // the new thread dies too, and stays silent past half the takeover bound: now the run stops
  await heartbeatThread().terminate();
  const stopped = new RegExp(`^${dir}: the run folder's lock is no longer held: its heartbeat \\(the thread that refreshes ${LOCK_FILE} every 15 s\\) ` +
    'stopped 7[56] s ago \\(another host or container may take it over once silent 120 s\\), so another process may take the folder while this one writes in it; stopped here \\(.*--resume.*\\)$');
  assert.throws(() => lock.check({ now: Date.now() + 5 * BEAT_MS, waitMs: 50 }), (e: Error) => e.name === 'UserError' && stopped.test(e.message));
  lock.release();
  // a lock taken after the crash beats on a new thread; taken over meanwhile, it stops its holder naming the taker
  const again = acquireRunLock(dir);
  again.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 10_000 });
  fs.writeFileSync(file, remoteLock('old-node-3', BEAT_MS));
  assert.throws(() => again.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 50 }),
    (e: Error) => e.name === 'UserError' && e.message.startsWith(`${dir}: the run folder's lock is no longer held: it was taken over by process 4242 on old-node-3 (since then), `));
  assert.equal(captureStderr(() => again.release()).stderr, '', 'said once, by the error');
});

test('a heartbeat started again beats every lock this thread holds, not only the one whose check found it silent', async () => {
  // the quickstart holds its folder's lock while train holds the run's inside it, and only the run's is checked
  const [outer, inner] = [tmpDir(), tmpDir()];
  const lockOuter = acquireRunLock(outer), lockInner = acquireRunLock(inner);
  const fileOuter = path.join(outer, LOCK_FILE);
  await heartbeatThread().terminate(); // the heartbeat's thread crashed
  lockInner.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 50 }); // a new thread beats the run's lock
  // was: the new thread knew only the run's lock, so the folder's beat no more and was taken over as stale
  ago(fileOuter, 3_600_000);
  beatHeldLocksNow();
  assert.ok(blockUntil(() => Date.now() - fs.statSync(fileOuter).mtimeMs < 600_000), 'the other lock beats on the new thread');
  // and its own check asks the thread that beats it now, which answers: nothing restarted, the run's lock beating on
  const now = heartbeatThread();
  lockOuter.check({ now: Date.now() + 3 * BEAT_MS, waitMs: 10_000 });
  assert.equal(heartbeatThread(), now, 'the thread that beats both was not replaced');
  lockInner.release();
  lockOuter.release();
});

test('a holder whose lock file was removed or replaced is stopped by its next check(), not two beats later: a second writer may already hold the folder', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  const lock = acquireRunLock(dir);
  lock.check(); // its own, beating: goes on
  fs.rmSync(file); // a user deleted it (the error of a second train says to, when the holder is not running)
  assert.throws(() => lock.check(), (e: Error) => e.name === 'UserError' &&
    e.message.startsWith(`${dir}: the run folder's lock is no longer held: ${LOCK_FILE} was removed, `));
  lock.release();
  // a second train took the folder after the removal: its lock is a new file in the place of the first's
  const first = acquireRunLock(dir);
  fs.rmSync(file);
  fs.writeFileSync(`${file}.other`, remoteLock('node-2', BEAT_MS));
  fs.linkSync(`${file}.other`, file);
  fs.rmSync(`${file}.other`);
  assert.throws(() => first.check(), (e: Error) => e.name === 'UserError' && /lock is no longer held: it was taken over by process 4242 on node-2/.test(e.message));
  assert.equal(captureStderr(() => first.release()).stderr, '', 'said once, by the error');
  assert.ok(fs.readFileSync(file, 'utf8').includes('node-2'), "the other's lock is left to it");
  fs.rmSync(file);
  // put back as it was (a copy of the same bytes): still its own, the run goes on
  const third = acquireRunLock(dir);
  const mine = fs.readFileSync(file, 'utf8');
  fs.rmSync(file);
  fs.writeFileSync(file, mine);
  third.check();
  third.check();
  third.release();
  assert.equal(fs.existsSync(file), false);
});

test('a holder whose folder was moved or deleted (its lock with it) is stopped by its next check(), told so, not that another process may take the folder', () => {
  for (const gone of ['moved', 'deleted'] as const) {
    const dir = path.join(tmpDir(), 'run');
    const lock = acquireRunLock(dir);
    lock.check();
    if (gone === 'moved') fs.renameSync(dir, `${dir}.moved`);
    else fs.rmSync(dir, { recursive: true });
    // it said ".mistral-tune.lock was removed, so another process may take the folder while this one writes in it"
    assert.throws(() => lock.check(), { message: `${dir}: the run folder is gone (moved or deleted while this process wrote in it, its lock with it): stopped here; ` +
      'a moved run folder keeps what was written up to its last checkpoint, and --resume continues it where it is' });
    captureStderr(() => lock.release());
    assert.equal(fs.existsSync(dir), false, 'not made again');
  }
});
