// A folder replacement whose last rename fails (the file system turned read-only: a remount after an I/O error) puts
// the replaced folder back; where that rename fails too, its EROFS was thrown over the write's, Node's stack trace
// instead of the write's one line, and where the folder is was said nowhere. The rename back's failure is now a
// warning naming where the folder is, the write's error the one thrown; the next write of the folder puts it back.
// The renames fail by a patched fs (a read-only mount cannot be made here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { recoverFolderSwaps, replaceFolderAtomic } from '../../src/util/folder-swap.ts';
import { isUserError } from '../../src/util/errors.ts';
import { swapFolderName } from '../../src/util/leftover-names.ts';
import { filesSpec } from '../../src/util/owned-tree.ts';
import { tempDir } from '../temp-dir.ts';
import { withFsPatched } from '../fs-faults.ts';

const W = filesSpec((name) => name === 'w.txt');
const erofs = (from: string, to: string): Error =>
  Object.assign(new Error(`EROFS: read-only file system, rename '${from}' -> '${to}'`), { code: 'EROFS', errno: -30, syscall: 'rename', path: from, dest: to });

test('a replaced folder that cannot be put back after the failed swap: the write\'s one line, a warning naming where it is; the next write puts it back', () => {
  const dir = tempDir('mt-swap-put-back-');
  const target = path.join(dir, 'best');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'w.txt'), 'old');
  const old = path.join(dir, swapFolderName('old', 'best', process.pid));
  const { renameSync } = fs;
  const { error, stderr } = withFsPatched({
    renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
      if (to === target) throw erofs(String(from), String(to)); // the new folder's rename into place, and the old one's back
      renameSync(from, to);
    }) as typeof fs.renameSync,
  }, () => replaceFolderAtomic(target, (tmp) => {
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'w.txt'), 'new');
  }, W));
  assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
  assert.equal((error as Error).message, `${target}: cannot write: read-only file system (EROFS)`);
  assert.equal(stderr, `warning: ${target}: cannot put the previous best/ back: read-only file system (EROFS): it is at ${old} ` +
    '(the next write of best/ puts it back, or rename it yourself)\n');
  assert.deepEqual(fs.readdirSync(dir), [path.basename(old)], 'the replaced folder is left moved aside, the new one removed');
  recoverFolderSwaps(dir, (n) => (n === 'best' ? W : null)); // what the next write of best/ does first
  assert.deepEqual(fs.readdirSync(dir), ['best']);
  assert.equal(fs.readFileSync(path.join(target, 'w.txt'), 'utf8'), 'old');
});
