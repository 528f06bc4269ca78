// An export into an empty folder of the user's whose write fails on a file system that turned read-only (a remount after
// an I/O error) cannot delete its partial folder either: the write's one line is said, not the cleanup's EROFS with
// Node's stack trace over it; the partial folder left is a dead export's, which the next export into the folder removes,
// and a warning names it (it was left without a word, maybe a merged 7B's gigabytes).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { writeOutputFolder } from '../../src/export/output-folder.ts';
import { PARTIAL } from '../../src/export/out-path.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { withFsPatched } from '../fs-faults.ts';
import { deadPid } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const erofs = (syscall: string, file: string): Error =>
  Object.assign(new Error(`EROFS: read-only file system, ${syscall} '${file}'`), { code: 'EROFS', errno: -30, syscall, path: file });

test('a failed export into an empty folder whose partial folder cannot be removed: the write\'s one line, the partial removed by the next export', () => {
  const out = path.join(tempDir('mt-partial-cleanup-'), 'o');
  fs.mkdirSync(out); // the user's empty folder
  const write = (dir: string): 'adapter' => {
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), '{}');
    throw erofs('open', path.join(dir, 'adapter_model.safetensors'));
  };
  const { rmSync } = fs;
  const { error, stderr } = withFsPatched({
    rmSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      if (String(file).includes(PARTIAL)) throw erofs('unlink', String(file));
      return (rmSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.rmSync,
  }, () => writeOutputFolder(out, FLAG_WORDS, write));
  assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
  assert.equal((error as Error).message, `${out}: cannot write the export into: read-only file system (EROFS)`);
  assert.ok(fs.statSync(out).isDirectory(), 'the user\'s folder is kept');
  const left = fs.readdirSync(out);
  assert.deepEqual(left, [`${PARTIAL}${process.pid}`], 'the partial folder that could not be removed is left');
  assert.equal(stderr, `warning: ${path.join(out, left[0]!)}: cannot remove this temporary folder, left by a failed write: ` +
    'read-only file system (EROFS): the next export into this folder removes it, or remove it yourself\n');
  // the file system writable again, the next export (another process: its partial folder renamed to a dead pid's) removes it and writes
  fs.renameSync(path.join(out, left[0]!), path.join(out, `${PARTIAL}${deadPid()}`));
  const again = writeOutputFolder(out, FLAG_WORDS, (dir) => {
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), '{}');
    return 'adapter';
  });
  assert.deepEqual(again.files, ['adapter_config.json']);
});
