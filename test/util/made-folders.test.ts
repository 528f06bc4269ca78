// makeFolders (mkdir -p) says why a folder could not be made: Node's recursive mkdir reported a read-only file system
// as ENOENT, so `train` into one said "cannot create the folder: no such file or folder". The read-only file system is
// a tmpfs mounted read-only, where mounting is permitted (root); elsewhere the tests are skipped, saying why.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { withOutputParent } from '../../src/export/out-path.ts';
import { acquireRunLock } from '../../src/train/run-lock.ts';
import { makeFolders } from '../../src/util/made-folders.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** A read-only tmpfs holding an empty folder `empty`, or null where it cannot be mounted. */
function readOnlyDisk(t: TestContext): string | null {
  const dir = tempDir('mt-readonly-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    t.skip(`mount -t tmpfs not permitted (${(mount.stderr || String(mount.error)).trim()})`);
    return null;
  }
  t.after(() => { spawnSync('umount', [dir]); });
  fs.mkdirSync(path.join(dir, 'empty'));
  if (spawnSync('mount', ['-o', 'remount,ro', dir]).status !== 0) {
    t.skip('remounting the tmpfs read-only is not permitted');
    return null;
  }
  return dir;
}

test('makeFolders on a read-only file system throws EROFS (Node\'s recursive mkdir says ENOENT), made folders and existing ones as fs.mkdirSync does', (t) => {
  const plain = tempDir('mt-made-');
  assert.equal(makeFolders(path.join(plain, 'a', 'b')), path.join(plain, 'a'));
  assert.equal(makeFolders(path.join(plain, 'a', 'b')), undefined);
  const link = path.join(plain, 'link');
  fs.symlinkSync(path.join(plain, 'nowhere'), link);
  assert.throws(() => makeFolders(path.join(link, 'x')), { code: 'ENOENT' }, 'a symbolic link to nothing on the way is ENOENT');
  const ro = readOnlyDisk(t);
  if (ro === null) return;
  assert.throws(() => makeFolders(path.join(ro, 'run', 'deeper')), { code: 'EROFS' });
  assert.throws(() => acquireRunLock(path.join(ro, 'run')), { message: `${path.join(ro, 'run')}: cannot create the folder: read-only file system (EROFS)` });
  assert.deepEqual(fs.readdirSync(ro), ['empty']);
});

test('an export (its --out\'s missing folders) and prepare\'s --out under a read-only folder say so, not "no such file or folder"', (t) => {
  const ro = readOnlyDisk(t);
  if (ro === null) return;
  const out = path.join(ro, 'new', 'x.gguf');
  assert.throws(() => withOutputParent(out, () => assert.fail('nothing is written')), { message: `${out}: cannot make the folder of the output: read-only file system (EROFS)` });
  const root = path.join(FIXTURES, '..', '..');
  const prepared = spawnSync(process.execPath, [path.join(root, 'bin', 'mistral-tune.js'), 'prepare', '--input', path.join(root, 'examples', 'tiny-eval.jsonl'),
    '--out', path.join(ro, 'prepared'), '--quiet'], { encoding: 'utf8' });
  assert.equal(prepared.status, 2, prepared.stderr);
  assert.match(prepared.stderr, /^error: .*prepared: cannot create the output folder --out: read-only file system \(EROFS\)$/m);
});

test('a folder under /proc (mkdir says ENOENT though /proc is there) is an error at once: Node\'s recursive mkdir looped on it forever', { skip: fs.existsSync('/proc/self') ? false : 'no /proc here' }, () => {
  assert.throws(() => makeFolders('/proc/mistral-tune-run/deeper'), { code: 'ENOENT', path: '/proc/mistral-tune-run' });
  assert.throws(() => acquireRunLock('/proc/mistral-tune-run'), { message: '/proc/mistral-tune-run: cannot create the folder: no such file or folder (ENOENT)' });
});

test('a folder another process made and removed again while this one made it (a run lock taken and released at once) is made again, not "already exists (EEXIST)"', () => {
  const dir = path.join(tempDir('mt-made-race-'), 'run');
  const original = fs.mkdirSync;
  let raced = false;
  // what the race does: mkdir finds the folder the other process made, which is gone again when it is looked at
  fsModule.mkdirSync = ((p: fs.PathLike, ...rest: unknown[]): string | undefined => {
    if (String(p) === dir && !raced) {
      raced = true;
      throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${dir}'`), { code: 'EEXIST', errno: -17, syscall: 'mkdir' });
    }
    return (original as (...a: unknown[]) => string | undefined)(p, ...rest);
  }) as typeof fs.mkdirSync;
  syncBuiltinESMExports();
  try {
    assert.equal(makeFolders(dir), dir);
  } finally {
    fsModule.mkdirSync = original;
    syncBuiltinESMExports();
  }
  assert.ok(raced && fs.statSync(dir).isDirectory());
});
