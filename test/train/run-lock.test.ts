// The run lock under real concurrency: processes that take it at the same instant never hold it
// together; a lock file that is empty (being written) is not taken over while it is fresh, one whose
// pid now belongs to another process is; the error names the lock file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireRunLock, LOCK_FILE, releaseOwnLock } from '../../src/train/run-lock.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { nodeArgsFor } from '../node-args.ts';
import { deadPid } from '../helpers.ts';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lock-worker.ts');
const tmpDir = (): string => tempDir('mt-lock-');

test('processes taking the lock at the same instant never hold it together', { timeout: 60_000 }, async () => {
  const dir = path.join(tmpDir(), 'run');
  for (const r of await raceForLock(dir, 4, 2000)) {
    assert.doesNotMatch(r.out, /overlap/, 'two processes held the lock at once');
    assert.equal(r.code, 0, r.out);
  }
  assert.deepEqual(fs.existsSync(dir) ? fs.readdirSync(dir) : [], [], 'no lock, temporary or guard file left');
});

/**
 * `n` processes (lock-worker.ts) that take the lock of `dir` at once, `times` times each: how each exited, and its output.
 * `outs`: what each takes instead of the lock, an export's hold for that output (undefined: the lock).
 */
async function raceForLock(dir: string, n: number, times: number, outs: ReadonlyArray<string | undefined> = []): Promise<Array<{ code: number | null; out: string }>> {
  const go = path.join(path.dirname(dir), 'go');
  const workers = Array.from({ length: n }, (_, i) => {
    const hold = outs[i] === undefined ? [] : [outs[i]!];
    const p = spawn(process.execPath, [...nodeArgsFor(WORKER), dir, go, String(times), ...hold], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const ready = new Promise<void>((resolve) => p.stdout.on('data', () => { if (out.includes('ready')) resolve(); }));
    const exit = new Promise<{ code: number | null; out: string }>((resolve) => p.once('exit', (code) => resolve({ code, out })));
    return { ready, exit };
  });
  await Promise.all(workers.map((w) => w.ready));
  fs.writeFileSync(go, '');
  return Promise.all(workers.map((w) => w.exit));
}

/** The process that ran a moment ago: a pid that no process has now (true's: a Node start cost ~0.1 CPU-s a pid). */
const ownerText = (pid: number, host = os.hostname()): string => JSON.stringify({ pid, host, started: new Date().toISOString() }) + '\n';

test('trains and exports taking a run folder at once: a train never holds it with an export, nor two exports the same output, while exports of different outputs may', { timeout: 60_000 }, async () => {
  const dir = path.join(tmpDir(), 'run');
  const results = await raceForLock(dir, 5, 300, [undefined, undefined, 'merged', 'merged', 'model.gguf']);
  for (const r of results) {
    assert.doesNotMatch(r.out, /overlap/, 'a train held the folder with an export, or two exports the same output');
    assert.equal(r.code, 0, r.out);
  }
  assert.deepEqual(fs.existsSync(dir) ? fs.readdirSync(dir) : [], [], 'no lock, hold, temporary or guard file left');
});

test('processes taking the lock at once, after a takeover interrupted by a kill (a stale lock and its stale guard left), never hold it together and leave nothing', { timeout: 60_000 }, async () => {
  const dir = path.join(tmpDir(), 'run');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, LOCK_FILE), ownerText(deadPid()));
  fs.writeFileSync(path.join(dir, `${LOCK_FILE}.takeover`), ownerText(deadPid()));
  for (const r of await raceForLock(dir, 4, 300)) {
    assert.doesNotMatch(r.out, /overlap/, 'two processes held the lock at once');
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /done 0 /, 'each took the lock');
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'no lock, temporary or guard file left');
});

test('the guard of a takeover interrupted by a kill no longer blocks every later run: its writer gone, it is taken over as a stale lock is', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE), guard = `${file}.takeover`;
  // killed holding the guard, before removing the stale lock
  fs.writeFileSync(file, ownerText(deadPid()));
  fs.writeFileSync(guard, ownerText(deadPid()));
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir), [], 'the stale guard and lock are gone');
  // killed holding the guard after removing the stale lock; and a takeover of that guard killed in turn
  fs.writeFileSync(guard, ownerText(deadPid()));
  fs.writeFileSync(`${guard}.takeover`, ownerText(deadPid()));
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir), []);
  // an older guard, which held only the pid: unreadable as a writer, it is stale once old
  fs.writeFileSync(file, ownerText(deadPid()));
  fs.writeFileSync(guard, `${deadPid()}\n`);
  const old = (Date.now() - 60_000) / 1000;
  fs.utimesSync(guard, old, old);
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('a takeover guard whose writer still runs is left to it; one of another host is named while younger than the stale bound, and taken over past it', async (t) => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE), guard = `${file}.takeover`;
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => { other.kill('SIGKILL'); });
  await new Promise((r) => other.once('spawn', r));
  const stale = ownerText(deadPid()), live = ownerText(other.pid!);
  fs.writeFileSync(file, stale);
  fs.writeFileSync(guard, live);
  assert.throws(() => acquireRunLock(dir), /other processes keep taking and releasing it/);
  assert.equal(fs.readFileSync(guard, 'utf8'), live, 'the live writer\'s guard is as it was');
  assert.equal(fs.readFileSync(file, 'utf8'), stale, 'and so is the lock it is taking over');
  const remote = ownerText(4242, 'elsewhere.example');
  fs.writeFileSync(guard, remote);
  const old = (Date.now() - 60_000) / 1000;
  fs.utimesSync(guard, old, old);
  assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' &&
    e.message === `${dir}: a takeover of a stale lock by process 4242 on elsewhere.example was interrupted (its guard ${LOCK_FILE}.takeover, held only while ` +
      `a stale lock is removed, is 60 s old; it is taken over once that is over 120 s): wait, or delete ${guard} if no mistral-tune is running in this folder on elsewhere.example`);
  assert.equal(fs.readFileSync(guard, 'utf8'), remote);
  // past the bound another host's lock is taken over by (its heartbeat stopped as long), its writer is gone: taken over, said
  const older = (Date.now() - 3_600_000) / 1000;
  fs.utimesSync(guard, older, older);
  const { result: lock, stderr } = captureStderr(() => acquireRunLock(dir));
  assert.match(stderr, new RegExp(`^warning: ${dir}: removed ${LOCK_FILE}\\.takeover, the guard of a takeover by process 4242 on elsewhere\\.example \\(since .*\\), ` +
    'another host than this one .*, interrupted 3600 s ago \\(a guard is held for a moment: its process was killed, or paused, and must not go on\\)\n'), stderr);
  assert.match(stderr, /took over the run folder's stale lock/);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  lock.release();
  assert.deepEqual(fs.readdirSync(dir), [], 'no guard left');
});

test('a takeover guard held for a moment by a live process is waited for: the lock is taken once it is released', async (t) => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE), guard = `${file}.takeover`;
  const stale = ownerText(deadPid());
  // The other process holds the guard (its takeover under way) until this one is taking the lock (its lock temporary
  // LOCK.PID-TAG.tmp is there), the stale lock still in place, and 100 ms more; then releases it. Keyed to that, not
  // to its own start, so a slow start under load cannot use up the retries (≈ 2.3 s) before the guard is released.
  const other = spawn(process.execPath, ['-e', `
    const fs = require('fs'), [dir, file, guard, stale, pid] = process.argv.slice(1);
    const taking = (n) => n.startsWith(require('path').basename(file) + '.' + pid + '-') && n.endsWith('.tmp');
    const poll = setInterval(() => {
      if (!fs.readdirSync(dir).some(taking)) return;
      clearInterval(poll);
      if (fs.readFileSync(file, 'utf8') !== stale) throw new Error('the stale lock was replaced while the guard was held');
      setTimeout(() => { fs.rmSync(guard); process.stdout.write('released'); }, 100);
    }, 5);
    process.stdout.write('ready');`, dir, file, guard, stale, String(process.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { other.kill('SIGKILL'); });
  let out = '';
  other.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  other.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => other.once('close', resolve)); // its output read
  await new Promise<void>((resolve, reject) => {
    other.stdout.on('data', () => { if (out.includes('ready')) resolve(); });
    other.once('exit', () => reject(new Error(`the guard's holder exited before it was ready: ${out}`)));
  });
  fs.writeFileSync(file, stale);
  fs.writeFileSync(guard, ownerText(other.pid!));
  const lock = acquireRunLock(dir);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(await exited, 0, `the guard's holder released it (its guard was left to it): ${out}`);
  assert.match(out, /released/);
});

test('an empty lock file is not taken over while fresh, and is once it is old', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, '');
  assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && e.message.includes(file) && /delete/.test(e.message));
  assert.equal(fs.readFileSync(file, 'utf8'), '', 'left as it was');
  const old = (Date.now() - 60_000) / 1000;
  fs.utimesSync(file, old, old);
  const lock = acquireRunLock(dir);
  assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`"pid":${process.pid}`));
  lock.release();
  assert.equal(fs.existsSync(file), false);
  assert.deepEqual(fs.readdirSync(dir), [], 'no temporary or guard file left');
});

test('a folder where the lock file goes is named as such (it was "other processes keep taking and releasing it"), and left as it was', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  fs.mkdirSync(path.join(file, 'inside'), { recursive: true });
  assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && e.message.endsWith(`${file} is a folder, where the run folder's lock file goes: move it away (mistral-tune did not make it)`));
  assert.deepEqual(fs.readdirSync(file), ['inside']);
  assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE], 'no temporary file left');
});

test('a lock whose pid is no process id (-1, 0: kill() signals a group with them, so it looked alive) is not a lock: taken over once old', () => {
  for (const pid of [-1, 0, 1.5]) {
    const dir = tmpDir();
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), started: 'x' }));
    const old = (Date.now() - 60_000) / 1000;
    fs.utimesSync(file, old, old);
    const lock = acquireRunLock(dir);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`"pid":${process.pid}`), `pid ${pid}`);
    lock.release();
  }
});

test('a live lock names its file; a lock whose pid now runs another process (reused pid) is stale', { skip: !fs.existsSync('/proc/self/stat') }, async (t) => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => { other.kill('SIGKILL'); });
  await new Promise((r) => other.once('spawn', r));
  const owner = { pid: other.pid, host: os.hostname(), started: new Date().toISOString() };
  fs.writeFileSync(file, JSON.stringify(owner) + '\n');
  assert.throws(() => acquireRunLock(dir), (e: Error) => new RegExp(`in use by process ${other.pid}.*if process ${other.pid} is not mistral-tune, delete ${file}`).test(e.message));
  // one a library call took names its function, and the program calling it
  fs.writeFileSync(file, JSON.stringify({ ...owner, command: 'prepare', call: 'prepare' }) + '\n');
  assert.throws(() => acquireRunLock(dir), (e: Error) => new RegExp(`in use by process ${other.pid} on .* \\(prepare\\(\\) of mistral-tune's library, since .*if process ${other.pid} is not a program calling mistral-tune, delete ${file}`).test(e.message));
  fs.writeFileSync(file, JSON.stringify({ ...owner, pstart: 1 }) + '\n'); // the process that took the lock started at tick 1
  const lock = acquireRunLock(dir);
  lock.release();
  assert.equal(fs.existsSync(file), false);
});

test('the temporary lock file of a process killed while taking the lock is removed by the next that takes it (the quickstart refused its folder for it)', () => {
  const dir = tmpDir();
  const dead = deadPid();
  const owner = JSON.stringify({ pid: dead, host: os.hostname(), started: new Date().toISOString() }) + '\n';
  fs.writeFileSync(path.join(dir, LOCK_FILE), owner);
  fs.writeFileSync(path.join(dir, `${LOCK_FILE}.${dead}.tmp`), owner); // killed between the link and the removal
  fs.writeFileSync(path.join(dir, `${LOCK_FILE}.${process.ppid}.tmp`), owner); // a live process's, about to take it
  const lock = acquireRunLock(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), [LOCK_FILE, `${LOCK_FILE}.${process.ppid}.tmp`]);
  lock.release();
});

test('a lock temporary that may be another container\'s (another host or pid namespace, or unreadable) is kept while fresh, removed once old (it was removed when its pid ran no process here)', () => {
  const dir = tmpDir();
  const dead = deadPid();
  const theirs = {
    [`${LOCK_FILE}.${dead}-0a0b0c0d.tmp`]: JSON.stringify({ pid: dead, host: os.hostname(), started: 'then', pidns: 'pid:[1]' }) + '\n',
    [`${LOCK_FILE}.${dead}-1a1b1c1d.tmp`]: ownerText(dead, 'other-host'),
    [`${LOCK_FILE}.${dead}-2a2b2c2d.tmp`]: '', // being written
  };
  for (const [name, text] of Object.entries(theirs)) fs.writeFileSync(path.join(dir, name), text);
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir).sort(), Object.keys(theirs).sort(), 'each may be a live process\'s, taking the lock now');
  const old = (Date.now() - 3_600_000) / 1000;
  for (const name of Object.keys(theirs)) fs.utimesSync(path.join(dir, name), old, old);
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir), [], 'an hour old, none is: a lock is taken in seconds');
});

test('the folders the lock created are removed on release (all of them, and only those)', () => {
  const root = tmpDir();
  const dir = path.join(root, 'a', 'b', 'run');
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(root), [], 'a/b/run are gone');
  fs.mkdirSync(path.join(root, 'a'));
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(root), ['a'], 'the folder that was there stays');
});

test('a lock that cannot be written names the folder (a read-only one, usually), not the temporary file it is written under', () => {
  const dir = tempDir('mt-lock-unwritable-');
  // (as root, no folder is read-only: the write of the temporary fails as in a read-only file system)
  const original = fs.writeFileSync;
  fsModule.writeFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]): void => {
    if (String(file).endsWith('.tmp')) throw Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS', errno: -30, syscall: 'open' });
    (original as (...a: unknown[]) => void)(file, ...rest);
  }) as typeof fs.writeFileSync;
  syncBuiltinESMExports();
  try {
    assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' &&
      e.message.startsWith(`${dir}: cannot write its lock file (${LOCK_FILE}) in it:`) && !e.message.includes('.tmp'));
  } finally {
    fsModule.writeFileSync = original;
    syncBuiltinESMExports();
  }
});

test('another process\'s lock temporary under this pid (a container sharing this host\'s name, where pids are alike) is neither written over nor removed', () => {
  const dir = tmpDir();
  const theirs = path.join(dir, `${LOCK_FILE}.${process.pid}.tmp`), text = ownerText(process.pid, os.hostname()).replace('}', ',"pidns":"pid:[1]"}');
  fs.writeFileSync(theirs, text);
  const lock = acquireRunLock(dir);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pidns, fs.existsSync('/proc/self/ns/pid') ? fs.readlinkSync('/proc/self/ns/pid') : undefined, 'the lock holds this process');
  lock.release();
  assert.equal(fs.readFileSync(theirs, 'utf8'), text);
  assert.deepEqual(fs.readdirSync(dir), [path.basename(theirs)]);
});

test('a lock that cannot be written for a full disk leaves neither its temporary file nor the folders it made (the file is made, its write fails)', () => {
  const root = tempDir('mt-lock-full-');
  const dir = path.join(root, 'a', 'run');
  const original = fs.writeFileSync;
  // what ENOSPC does: the file is created, the write into it fails
  fsModule.writeFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]): void => {
    if (String(file).endsWith('.tmp')) {
      original(file, '');
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    (original as (...a: unknown[]) => void)(file, ...rest);
  }) as typeof fs.writeFileSync;
  syncBuiltinESMExports();
  try {
    assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && e.message === `${dir}: cannot write its lock file (${LOCK_FILE}) in it: no space left on device (ENOSPC)`);
  } finally {
    fsModule.writeFileSync = original;
    syncBuiltinESMExports();
  }
  assert.deepEqual(fs.readdirSync(root), [], 'a/run and the temporary lock file are gone');
});

test('taking over a stale lock says so in one line, naming the process and host that held it (it was silent)', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  const dead = deadPid();
  fs.writeFileSync(file, JSON.stringify({ pid: dead, host: os.hostname(), started: '2026-01-02T03:04:05.000Z' }) + '\n');
  const { result: lock, stderr } = captureStderr(() => acquireRunLock(dir));
  assert.equal(stderr, `warning: ${dir}: took over the run folder's stale lock (${LOCK_FILE}): process ${dead} on ${os.hostname()} ` +
    '(since 2026-01-02T03:04:05.000Z) no longer runs\n');
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  lock.release();
  // a free folder, or a guard-only takeover, says nothing
  assert.equal(captureStderr(() => acquireRunLock(dir).release()).stderr, '');
});

test('a lock of another host is never taken over, however old: the error names the holder, says it cannot be checked from here and how to take over', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  const text = ownerText(4242, 'old-container-7f3a');
  fs.writeFileSync(file, text);
  const old = (Date.now() - 30 * 86_400_000) / 1000;
  fs.utimesSync(file, old, old);
  assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && e.message.startsWith(`${dir}: the run folder is locked by process 4242 on ` +
    `old-container-7f3a (since `) && e.message.includes(`another host than this one (${os.hostname()}), so whether it still runs cannot be checked from here`) &&
    e.message.endsWith(`if no mistral-tune runs in this folder on old-container-7f3a (a container or machine that came back under another hostname), delete ${file}`));
  assert.equal(fs.readFileSync(file, 'utf8'), text, 'left as it was');
  fs.rmSync(file); // as the error says
  acquireRunLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('on a file system without hard links (link fails with EPERM: a CIFS share, a FUSE mount) the lock is still taken and held, not "cannot create the lock"', () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  const original = fs.linkSync;
  fsModule.linkSync = ((): void => {
    throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM', errno: -1, syscall: 'link' });
  }) as typeof fs.linkSync;
  syncBuiltinESMExports();
  try {
    const lock = acquireRunLock(dir);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    fs.writeFileSync(file, ownerText(process.ppid)); // as if a live process held it
    assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && e.message.includes(`in use by process ${process.ppid}`));
    fs.writeFileSync(file, ownerText(deadPid())); // a killed one's: taken over
    const again = captureStderr(() => acquireRunLock(dir)).result;
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    again.release();
    lock.release();
  } finally {
    fsModule.linkSync = original;
    syncBuiltinESMExports();
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'no lock, temporary or guard file left');
});

test('a lock of another pid namespace on this host (a container sharing its hostname) is never taken over, even with this process\'s pid or a dead one\'s', { skip: !fs.existsSync('/proc/self/ns/pid') }, () => {
  const dir = tmpDir();
  const file = path.join(dir, LOCK_FILE);
  // in containers pids are small and alike: the other's train may have this very pid, or one no process has here
  for (const pid of [process.pid, deadPid()]) {
    const text = JSON.stringify({ pid, host: os.hostname(), started: 'then', pidns: 'pid:[1]' }) + '\n';
    fs.writeFileSync(file, text);
    assert.throws(() => acquireRunLock(dir), (e: Error) => e.name === 'UserError' && e.message === `${dir}: the run folder is locked by process ${pid} on ` +
      `${os.hostname()} (since then), in another pid namespace than this process (another container on this host, sharing its hostname), so whether ` +
      `it still runs cannot be checked from here: wait for it to finish, or choose another output_dir; if no mistral-tune runs in this folder in that ` +
      `container (one stopped since), delete ${file}`);
    releaseOwnLock(dir); // what a Ctrl-C of this process removes: its own lock only
    assert.equal(fs.readFileSync(file, 'utf8'), text, 'left as it was');
  }
  // the same namespace's (or a lock written before namespaces were recorded) is judged by its pid, as before
  fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), host: os.hostname(), started: 'then', pidns: fs.readlinkSync('/proc/self/ns/pid') }) + '\n');
  captureStderr(() => acquireRunLock(dir)).result.release();
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('FIFOs named as the lock\'s temporary and takeover guard (none of ours) neither block the lock\'s taking nor are removed', { timeout: 60_000 }, () => {
  const dir = path.join(tmpDir(), 'run');
  fs.mkdirSync(dir);
  const fifos = [`${LOCK_FILE}.${deadPid()}.tmp`, `${LOCK_FILE}.takeover`];
  for (const f of fifos) assert.equal(spawnSync('mkfifo', [path.join(dir, f)]).status, 0);
  const go = path.join(path.dirname(dir), 'go');
  fs.writeFileSync(go, '');
  // in a child: a read of a FIFO with no writer blocks its thread for good, which no test timeout interrupts
  const r = spawnSync(process.execPath, [...nodeArgsFor(WORKER), dir, go, '1'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, `the lock's taking hung (killed after 30 s): ${r.stdout}${r.stderr}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /done 1 0/);
  assert.deepEqual(fs.readdirSync(dir).sort(), [...fifos].sort(), 'the FIFOs are left where they were');
});

test('a lock records its taker: the CLI command, or the library function called besides the command whose work it does', async () => {
  const { claimOutDir } = await import('../../src/data/out-dir.ts');
  const { FLAG_WORDS, libraryWords } = await import('../../src/util/option-words.ts');
  for (const [words, want] of [[FLAG_WORDS, { command: 'prepare' }], [libraryWords('prepare'), { command: 'prepare', call: 'prepare' }]] as const) {
    const dir = tmpDir();
    const { lock } = claimOutDir(dir, false, words);
    try {
      const held = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
      assert.deepEqual({ command: held.command, call: held.call }, { call: undefined, ...want });
    } finally {
      lock.release();
    }
  }
});
