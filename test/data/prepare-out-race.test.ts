// Two prepare runs on one --out: what the later one reads of the folder (which outputs an earlier run wrote, each
// file's size and SHA-256) is read under the folder's lock. Read before it, another run could put its outputs in place
// in between (hashing a 10 GB train.jsonl leaves time), and the later run recorded the files as they were before that
// run: a run that kept nothing wrote a report.json vouching for the old splits, and the next prepare refused the
// tool's own train.jsonl as edited. The other run is made to finish at that moment by a patched fs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, tempDir } from './helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const records = (tag: string): string => Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `record number ${i} of the ${tag} run, long enough to keep` })).join('\n') + '\n';

test('a prepare that finishes while another reads the --out folder\'s outputs: the later run is refused (locked), and the folder stays its own', () => {
  const dir = tempDir('mt-out-race-');
  const out = path.join(dir, 'out'), train = path.join(out, 'train.jsonl');
  const tokenizer = mistralTokenizer();
  for (const tag of ['first', 'other']) fs.writeFileSync(path.join(dir, `${tag}.jsonl`), records(tag));
  fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{bad\n');
  const run = (input: string): unknown => {
    let error: unknown;
    captureStderr(() => {
      try {
        prepare({ inputs: [path.join(dir, input)], outDir: out, tokenizer });
      } catch (e) {
        error = e;
      }
    });
    return error;
  };
  assert.equal(run('first.jsonl'), undefined);
  // the run that keeps nothing opens train.jsonl to check it; at that moment another run (other.jsonl) finishes
  const { openSync } = fs;
  let armed = true, other: unknown = 'not run';
  Object.assign(fs, {
    openSync: ((file: fs.PathLike, flags?: fs.OpenMode, ...rest: unknown[]) => {
      if (armed && String(file) === train && typeof flags === 'number' && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) === 0) {
        armed = false;
        other = run('other.jsonl');
      }
      return (openSync as (...a: unknown[]) => number)(file, flags, ...rest);
    }) as typeof fs.openSync,
  });
  syncBuiltinESMExports();
  let keptNothing: unknown;
  try {
    keptNothing = run('bad.jsonl');
  } finally {
    Object.assign(fs, { openSync });
    syncBuiltinESMExports();
  }
  assert.equal(armed, false, 'train.jsonl was opened for its check');
  assert.match(String(keptNothing), /no record was kept/);
  // the folder was this run's while it read it: the other was refused, not let in between
  assert.match(String(other), /folder is in use by process/, String(other));
  // and the next prepare takes the folder as its own
  assert.equal(run('first.jsonl'), undefined);
});
