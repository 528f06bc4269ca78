// An --out folder made read-only while prepare runs (chmod a-w, a remount): its temporaries, open for writing, still
// take their bytes, and the first thing to fail is removing the earlier run's report.json before the renames. That
// came up as Node's EACCES stack trace; now one line naming the file, with the earlier outputs left whole and nothing of
// this run's left. The folder's permissions cannot stop root (the tests may run as root), so the removal fails by a
// patched fs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { prepare } from '../../src/data/prepare.ts';
import { isUserError } from '../../src/util/errors.ts';
import { mistralTokenizer, tempDir } from './helpers.ts';

test('an --out made read-only mid-run: one line naming report.json, the earlier outputs whole, no temporary or lock left', () => {
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
  fs.rmSync = ((file: fs.PathLike, ...rest: unknown[]) => {
    if (file === report) throw Object.assign(new Error(`EACCES: permission denied, unlink '${report}'`), { code: 'EACCES', errno: -13, syscall: 'unlink', path: report });
    return (rmSync as (...a: unknown[]) => void)(file, ...rest);
  }) as typeof fs.rmSync;
  syncBuiltinESMExports();
  let error: unknown;
  try {
    prepare({ inputs: [input], outDir: out, tokenizer });
  } catch (e) {
    error = e;
  } finally {
    fs.rmSync = rmSync;
    syncBuiltinESMExports();
  }
  assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
  assert.equal((error as Error).message, `${report}: cannot remove: permission denied (EACCES)`);
  assert.deepEqual(new Map(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')])), before, 'the earlier outputs are whole, nothing else is there');
});
