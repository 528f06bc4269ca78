// An --out folder made read-only while prepare runs (chmod a-w, a remount): its temporaries, open for writing, still
// take their bytes, and the first thing to fail is removing the earlier run's report.json before the renames. That, and
// then the removal of its temporaries on the way out (which hid the first), came up as Node's EACCES stack trace; now
// one line naming report.json, the earlier outputs left whole, and the temporaries and lock left for the next run. The folder's permissions cannot stop root (the tests may run as root), so the removal fails by a
// patched fs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { prepare } from '../../src/data/prepare.ts';
import { isUserError } from '../../src/util/errors.ts';
import { interruptedPrepare } from '../../src/data/prepare-pending.ts';
import { mistralTokenizer, tempDir } from './helpers.ts';
import { withFsPatched } from '../fs-faults.ts';

test('an --out made read-only mid-run: one line naming report.json (not the removals that fail after it), the earlier outputs whole, and a rerun writes it', () => {
  const dir = tempDir('mt-read-only-out-');
  const input = path.join(dir, 'in.jsonl');
  const out = path.join(dir, 'out');
  const tokenizer = mistralTokenizer();
  fs.writeFileSync(input, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} of the first run` })).join('\n') + '\n');
  prepare({ inputs: [input], outDir: out, tokenizer });
  const before = new Map(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
  fs.writeFileSync(input, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} of the second run` })).join('\n') + '\n');
  const report = path.join(out, 'report.json');
  const { rmSync } = fs;
  // from report.json's on (the lock's temporary was removed at the start, while --out was writable), every removal in
  // --out is denied: report.json's, then on the way out the temporaries' and the lock's
  let readOnly = false;
  const { error, stderr } = withFsPatched({
    rmSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      readOnly ||= file === report;
      if (readOnly && path.dirname(String(file)) === out) throw Object.assign(new Error(`EACCES: permission denied, unlink '${String(file)}'`), { code: 'EACCES', errno: -13, syscall: 'unlink', path: String(file) });
      return (rmSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.rmSync,
  }, () => prepare({ inputs: [input], outDir: out, tokenizer }));
  assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
  assert.equal((error as Error).message, `${report}: cannot remove: permission denied (EACCES)`);
  assert.match(stderr, /\.mistral-tune\.lock: cannot remove: permission denied \(EACCES\): the options\.outDir folder's lock is left/);
  const outputs = (): Map<string, string> => new Map(fs.readdirSync(out).filter((f) => !f.startsWith('.')).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
  assert.deepEqual(outputs(), before, 'the earlier outputs are whole');
  // what could not be removed is the next run's to remove, once the folder is writable again (and this process, the
  // lock's owner, gone: as it would be after the command)
  fs.rmSync(path.join(out, '.mistral-tune.lock'));
  prepare({ inputs: [input], outDir: out, tokenizer });
  assert.match(fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8'), /of the second run/);
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.startsWith('.')), [], 'no temporary or lock left by the rerun');
});

test('report.json that --out will not let this user remove (another user\'s, in a sticky folder) is refused naming EPERM, not the ENOTDIR of Node\'s retry', () => {
  // rmSync denied a file's unlink (EPERM) retries it as a folder and threw that retry's ENOTDIR: "a path component is
  // not a folder". Root removes any file, so the denial comes from a patched fs, as Node gives it to another user
  const dir = tempDir('mt-sticky-out-');
  const input = path.join(dir, 'in.jsonl');
  const out = path.join(dir, 'out');
  const tokenizer = mistralTokenizer();
  fs.writeFileSync(input, Array.from({ length: 10 }, (_, i) => JSON.stringify({ text: `record number ${i} here` })).join('\n') + '\n');
  prepare({ inputs: [input], outDir: out, tokenizer });
  const report = path.join(out, 'report.json');
  const before = fs.readFileSync(report, 'utf8');
  const { rmSync, unlinkSync } = fs;
  const fail = (code: string, syscall: string, p: string) => Object.assign(new Error(`${code}: ${syscall} '${p}'`), { code, syscall, path: p });
  const { error } = withFsPatched({
    rmSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      if (file === report) throw fail('ENOTDIR', 'scandir', report);
      return (rmSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.rmSync,
    unlinkSync: ((file: fs.PathLike) => {
      if (file === report) throw fail('EPERM', 'unlink', report);
      unlinkSync(file);
    }) as typeof fs.unlinkSync,
  }, () => prepare({ inputs: [input], outDir: out, tokenizer }));
  assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
  assert.equal((error as Error).message, `${report}: cannot remove: operation not permitted (EPERM)`);
  assert.equal(fs.readFileSync(report, 'utf8'), before, 'the earlier report.json is as it was');
  // nothing was replaced: no record of a stopped prepare is left, so train reads the folder as it is
  assert.equal(interruptedPrepare(out), null);
});
