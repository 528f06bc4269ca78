// The run lock as the dashboard reads it (inspectLock): judged on the descriptor it reads, opened without blocking. A lstat
// that found a small regular file, then a readFileSync, opened a FIFO renamed over the lock in between (a loop doing so
// hung the dashboard within seconds, for good: that FIFO, renamed over in its turn, has no writer left to come). Run in a
// child process: a blocked open stops the event loop, so only a process-level timeout can tell.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { inspectLock } from '../../src/train/lock-owner.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

const LOCK_OWNER = path.resolve(import.meta.dirname, '../../src/train/lock-owner.ts');

test('a FIFO swapped in for the lock after its lstat is held, and the dashboard does not hang on it', { timeout: 30_000 }, () => {
  const dir = tempDir('mt-lock-fifo-');
  try {
    const lock = path.join(dir, '.mistral-tune.lock');
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, '{}\n');
    execFileSync('mkfifo', [lock]);
    // the lstat answers for the small regular file the lock was an instant before the FIFO was renamed over it
    const child = `
      import fs from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      const lstat = fs.lstatSync;
      fs.lstatSync = (p, o) => lstat(p === ${JSON.stringify(lock)} ? ${JSON.stringify(plain)} : p, o);
      syncBuiltinESMExports();
      const { inspectLock } = await import(${JSON.stringify(runnable(LOCK_OWNER))});
      console.log('state', inspectLock(${JSON.stringify(lock)}).state);`;
    const r = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', child], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.signal, null, `the lock's read hung on the FIFO (killed after 15 s): ${r.stderr}`);
    assert.match(r.stdout, /^state held$/m, r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('inspectLock: none is free, a symlink or a folder in its place is held, one of a process gone is free', () => {
  const dir = tempDir('mt-lock-view-');
  try {
    const lock = path.join(dir, '.mistral-tune.lock');
    assert.equal(inspectLock(lock).state, 'free');
    fs.writeFileSync(path.join(dir, 'target'), JSON.stringify({ pid: process.pid, host: 'x', started: 'now' }));
    fs.symlinkSync(path.join(dir, 'target'), lock);
    assert.equal(inspectLock(lock).state, 'held');
    fs.rmSync(lock);
    fs.mkdirSync(lock);
    assert.equal(inspectLock(lock).state, 'held');
    fs.rmSync(lock, { recursive: true });
    fs.writeFileSync(lock, 'x'.repeat(5000));
    assert.equal(inspectLock(lock).state, 'held', 'over 4 KiB: no lock of ours');
    // a pid past the largest a system gives, of this host: not running
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 30, host: os.hostname(), started: 'then' }));
    assert.equal(inspectLock(lock).state, 'free');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
