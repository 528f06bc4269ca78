// A refusal of the config's output_dir (a folder of the user's that is no run, a file) names the config's line of it (or
// the --output_dir flag), as every other config error does, in train and in train --dry-run alike: one line, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const dir = tempDir('mt-cfg-output-');
fs.writeFileSync(path.join(dir, 'ids.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5, 7 + i, 9] })).join('\n') + '\n');
fs.mkdirSync(path.join(dir, 'mine'));
fs.writeFileSync(path.join(dir, 'mine', 'notes.txt'), 'mine\n');
fs.writeFileSync(path.join(dir, 'afile'), 'x\n');
const file = path.join(dir, 'c.yaml');
const train = (output: string, ...args: string[]) => {
  fs.writeFileSync(file, `model: ${TINY_BASE}\ndata: {train: ids.jsonl}\nmax_steps: 1\neval: {samples: 0}\ndevice: cpu\noutput_dir: ${output}\n`);
  return spawnSync(process.execPath, [BIN, 'train', file, ...args], { encoding: 'utf8' });
};
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));

test('an output_dir that is not empty and no run, or a file, is refused at the config\'s line of it, by train and train --dry-run alike', () => {
  const notRun = `output_dir: ${path.join(dir, 'mine')}: exists and is not empty, and is not a run directory made by mistral-tune train (no .mistral-tune-run in it): ` +
    'choose another output_dir (--overwrite and --resume take only runs)';
  // before: "error: DIR/mine: output_dir exists and is not empty, …", which named no line of the config
  for (const args of [[], ['--dry-run']]) {
    const r = train('mine', ...args);
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(errorLines(r.stderr), [`error: ${file}:6:1: ${notRun}`], args.join(' '));
    const f = train('afile', ...args);
    assert.equal(f.status, 2, f.stderr);
    assert.deepEqual(errorLines(f.stderr), [`error: ${file}:6:1: output_dir: ${path.join(dir, 'afile')}: exists and is not a folder: choose another output_dir`], args.join(' '));
  }
  // set by the flag: the flag is named
  const flag = train('new', '--output_dir', path.join(dir, 'mine'));
  assert.equal(flag.status, 2, flag.stderr);
  assert.deepEqual(errorLines(flag.stderr), [`error: --output_dir: ${notRun.slice('output_dir: '.length)}`]);
  assert.ok(!fs.existsSync(path.join(dir, 'new')));
});
