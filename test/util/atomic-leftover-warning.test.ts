// A failed write removes its temporary file; where that removal fails too (another user's folder, a read-only remount,
// a busy file), the temporary stayed, maybe gigabytes under a hidden name, and nothing said so. It is now a warning
// naming the file; a removal that works (every normal failed write) says nothing more than the write's error.
// The failures are made by a patched fs (root, who may run the tests, is never refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/util/atomic.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';
import { withFsPatched } from '../fs-faults.ts';

const fault = (code: string, syscall: string, p: fs.PathLike): Error =>
  Object.assign(new Error(`${code}: ${syscall} '${String(p)}'`), { code, syscall, path: String(p) });

test("a failed write whose temporary file cannot be removed warns, naming that file and why; one whose removal works warns of nothing", () => {
  const dir = tempDir('mt-atomic-leftover-');
  const target = path.join(dir, 'out.json');
  const rename = { renameSync: ((from: fs.PathLike) => { throw fault('EROFS', 'rename', from); }) as typeof fs.renameSync };
  const clean = withFsPatched(rename, () => writeFileAtomic(target, '{}'));
  assert.ok(isUserError(clean.error) && /out\.json: cannot write: read-only file system \(EROFS\)$/.test(clean.error.message), String(clean.error));
  assert.equal(clean.stderr, '');
  assert.deepEqual(fs.readdirSync(dir), []);

  const stuck = withFsPatched({ ...rename, rmSync: ((p: fs.PathLike) => { throw fault('EACCES', 'rm', p); }) as typeof fs.rmSync }, () => writeFileAtomic(target, '{}'));
  assert.ok(isUserError(stuck.error) && /cannot write: read-only file system \(EROFS\)$/.test(stuck.error.message), String(stuck.error));
  const [left] = fs.readdirSync(dir);
  assert.ok(left !== undefined, 'the temporary file stayed');
  assert.equal(stuck.stderr, `warning: ${path.join(dir, left)}: cannot remove this temporary file, left by a write: permission denied (EACCES): remove it yourself\n`);
});

test("a stopped prepare whose temporary cannot be removed warns, naming it (out-file.ts's clean-up threw or said nothing, atomic.ts's warned)", async () => {
  const { removeStoppedPrepare } = await import('../../src/data/out-dir.ts');
  const dir = tempDir('mt-prepare-leftover-');
  const left = `.train.jsonl.${process.pid}.0.tmp`; // OutFile's temporary, its thread stopped midway
  fs.writeFileSync(path.join(dir, left), '{"text": "a"}\n');
  const stuck = withFsPatched({ rmSync: ((p: fs.PathLike) => { throw fault('EACCES', 'rm', p); }) as typeof fs.rmSync }, () => removeStoppedPrepare(dir));
  assert.equal(stuck.error, undefined);
  assert.equal(stuck.stderr, `warning: ${path.join(dir, left)}: cannot remove this temporary file, left by a write: permission denied (EACCES): remove it yourself\n`);
  assert.deepEqual(fs.readdirSync(dir), [left]);
});
