// A run folder made read-only (chmod a-w, a remount) while a lock or an export's hold is taken in it: the removals on
// the way out (of a hold placed and then refused, of the lock's temporary) threw EACCES over the refusal, Node's stack
// trace instead of its one line, and a lock taken whose temporary could not be removed was never released (its error
// thrown from a finally, after the lock was placed). Each is now said in a warning naming what is left. The folder's
// permissions cannot stop root (the tests may run as root), so the removals fail by a patched fs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { acquireExportHold, acquireRunLock, exportHoldName, LOCK_FILE, releaseOwnLock } from '../../src/train/run-lock.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';
import { withFsPatched } from '../fs-faults.ts';
import { deadPid } from '../helpers.ts';

const denied = (file: string): Error =>
  Object.assign(new Error(`EACCES: permission denied, unlink '${file}'`), { code: 'EACCES', errno: -13, syscall: 'unlink', path: file });

/** Runs `f` with fs.rmSync failing (EACCES) for the files `fails` picks; what it threw and what it warned. */
function withRmFailing(fails: (file: string) => boolean, f: () => void): { error: unknown; stderr: string } {
  const { rmSync } = fs;
  return withFsPatched({
    rmSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      if (fails(String(file))) throw denied(String(file));
      return (rmSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.rmSync,
  }, f);
}

const RUN = { name: 'the run folder', instead: 'choose another output_dir', command: 'train' };
const HOLD = { name: 'the run folder', instead: 'wait for the train to end' };

test('an export\'s hold refused by a train that holds the folder, neither it nor its temporary removable: the refusal\'s one line, what is left warned of', () => {
  const dir = path.join(tempDir('mt-lock-cleanup-'), 'run');
  const lock = acquireRunLock(dir, RUN);
  try {
    const hold = path.join(dir, exportHoldName('merged'));
    const { error, stderr } = withRmFailing((file) => file.startsWith(hold), () => acquireExportHold(dir, 'merged', RUN, HOLD));
    assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
    assert.ok((error as Error).message.startsWith(`${dir}: the run folder is in use by process ${process.pid} `), (error as Error).message);
    assert.match(stderr, new RegExp(`warning: ${hold.replace(/[.]/g, '\\.')}: cannot remove: permission denied \\(EACCES\\): the run folder's lock is left`));
    assert.match(stderr, /\.tmp: cannot remove: permission denied \(EACCES\): the lock's temporary file is left; a later run removes it once this process has ended/);
    assert.equal(stderr.trim().split('\n').length, 2, stderr);
  } finally {
    lock.release();
  }
});

test('a lock taken whose temporary cannot be removed is held and released (it threw EACCES from a finally, the lock placed and never released)', () => {
  const dir = path.join(tempDir('mt-lock-cleanup-'), 'run');
  let lock: ReturnType<typeof acquireRunLock> | undefined;
  const { error, stderr } = withRmFailing((file) => file.endsWith('.tmp'), () => {
    lock = acquireRunLock(dir, RUN);
  });
  assert.equal(error, undefined, String((error as Error | undefined)?.stack ?? error));
  assert.match(stderr, /^warning: .*\.tmp: cannot remove: permission denied \(EACCES\): the lock's temporary file is left/);
  lock!.release();
  assert.deepEqual(fs.readdirSync(dir).filter((e) => e === LOCK_FILE), [], 'the lock is released');
});

const deadOwner = (pid: number): string => JSON.stringify({ pid, host: os.hostname(), started: new Date().toISOString() }) + '\n';

// The housekeeping after the lock is placed (a dead process's temporary, a takeover's guard left by a killed process) threw
// EACCES with a stack trace, before the lock's release was registered: the lock stayed placed for good (seen failing so).
for (const [what, leftover, said] of [
  ['a dead process\'s lock temporary', (pid: number) => `${LOCK_FILE}.${pid}-0badcafe.tmp`, /the lock temporary of a process that has ended is left/],
  ['a killed takeover\'s guard', () => `${LOCK_FILE}.takeover`, /the guard of a takeover whose process has ended is left/],
] as const) {
  test(`${what} that cannot be removed once the lock is placed: warned of, the lock held and released`, () => {
    const dir = path.join(tempDir('mt-lock-cleanup-'), 'run');
    fs.mkdirSync(dir);
    const pid = deadPid(), left = path.join(dir, leftover(pid));
    fs.writeFileSync(left, deadOwner(pid));
    let lock: ReturnType<typeof acquireRunLock> | undefined;
    const { error, stderr } = withRmFailing((file) => file === left, () => {
      lock = acquireRunLock(dir, RUN);
    });
    try {
      assert.equal(error, undefined, String((error as Error | undefined)?.stack ?? error));
      assert.ok(stderr.startsWith(`warning: ${left}: cannot remove: permission denied (EACCES): `), stderr);
      assert.match(stderr, said);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    } finally {
      lock?.release();
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(left)], 'the lock is released, the leftover kept');
  });
}

// The removals after Ctrl-C (releaseOwnLock: quickstart, prepare, train, an export's holds) used plain fs.rmSync: in a
// folder made read-only they threw EACCES with a stack trace on the way out (seen failing so). Each is now warned of.
test('a stopped run\'s lock, its temporary and its takeover guard that cannot be removed after Ctrl-C: each warned of in one line, none thrown', () => {
  const dir = path.join(tempDir('mt-lock-cleanup-'), 'run');
  let lock: ReturnType<typeof acquireRunLock> | undefined;
  withRmFailing((file) => file.endsWith('.tmp'), () => { // its temporary left, as a Ctrl-C while it was taken leaves it
    lock = acquireRunLock(dir, RUN);
  });
  try {
    const file = path.join(dir, LOCK_FILE), guard = `${file}.takeover`;
    fs.copyFileSync(file, guard); // a guard this process held, a takeover stopped midway
    const [tmp] = fs.readdirSync(dir).filter((e) => e.endsWith('.tmp')).map((e) => path.join(dir, e));
    assert.ok(tmp !== undefined, 'the temporary is left');
    let mine: boolean | undefined;
    const { error, stderr } = withRmFailing((f) => fs.existsSync(f), () => {
      mine = releaseOwnLock(dir);
    });
    assert.equal(error, undefined, String((error as Error | undefined)?.stack ?? error));
    assert.equal(mine, true, 'the lock was this process\'s');
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 3, stderr);
    assert.ok(lines[0]!.startsWith(`warning: ${tmp}: cannot remove: permission denied (EACCES): the lock's temporary file is left`), stderr);
    assert.ok(lines[1]!.startsWith(`warning: ${guard}: cannot remove: permission denied (EACCES): this process's takeover guard is left`), stderr);
    assert.ok(lines[2]!.startsWith(`warning: ${file}: cannot remove: permission denied (EACCES): `) && /lock is left/.test(lines[2]!), stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), [LOCK_FILE, path.basename(guard), path.basename(tmp)].sort(), 'nothing removed');
    assert.equal(releaseOwnLock(dir), true); // the folder writable again
    assert.deepEqual(fs.readdirSync(dir), [], 'all removed once it can be');
  } finally {
    lock?.release();
  }
});
