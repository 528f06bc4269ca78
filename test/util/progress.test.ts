// The progress bar on a terminal redraws one row: a line wider than the terminal would wrap, and each redraw would
// leave the wrapped rows behind. Cut to the width, its last fields first; train's bar, drawn by the work's thread,
// through a real pseudo-terminal (util-linux `script`) 60 columns wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fitWidth } from '../../src/util/progress.ts';
import { FIXTURES, TINY_BASE, SCRIPT_BIN } from '../helpers.ts';
import { shellWord } from '../../src/util/shell-quote.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const LINE = 'train ████████████████████████ 51/51 steps | 0.41 steps/s | ETA 0s | loss 4.3372 | lr 7.34e-6 | tok/s 339';

test('fitWidth drops the last fields until the line fits one column short of the width, then cuts; an unknown width keeps it', () => {
  assert.equal(fitWidth(LINE, 200), LINE);
  assert.equal(fitWidth(LINE, undefined), LINE);
  assert.equal(fitWidth(LINE, 86), 'train ████████████████████████ 51/51 steps | 0.41 steps/s | ETA 0s | loss 4.3372');
  assert.equal(fitWidth(LINE, 80), 'train ████████████████████████ 51/51 steps | 0.41 steps/s | ETA 0s');
  assert.equal(fitWidth(LINE, 40), 'train ████████████████████████ 51/51 st');
  assert.equal([...fitWidth(LINE, 40)].length, 39);
  assert.equal(fitWidth(LINE, [...LINE].length + 1), LINE, 'a line one column short of the width fits');
});

test('train on a 60-column terminal redraws its progress in rows of at most 59 columns', { skip: SCRIPT_BIN ? false : 'util-linux `script` (a pseudo-terminal) is not installed', timeout: 120_000 }, () => {
  const dir = tempDir('mt-progress-width-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1',
    'max_steps: 40', 'eval: {samples: 0}', 'output_dir: run'].join('\n') + '\n');
  const r = spawnSync(SCRIPT_BIN!, ['-qec', `stty cols 60 rows 24; ${shellWord(process.execPath)} ${shellWord(BIN)} train c.yaml`, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 100_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const redraws = r.stdout.split('\r\x1b[2K').slice(1).map((s) => s.split(/\r?\n|\r/)[0]!);
  assert.ok(redraws.some((s) => s.startsWith('train ')), r.stdout);
  for (const s of redraws) assert.ok([...s].length <= 59, `${[...s].length} columns: ${s}`);
});

test('a progress bar draws nothing while setQuiet(true) is on (a library caller silences train\'s bar with it), and draws again after', async () => {
  const { Progress } = await import('../../src/util/progress.ts');
  const { setQuiet } = await import('../../src/index.ts');
  const written: string[] = [];
  const stream = { isTTY: false, write: (s: string) => { written.push(s); return true; } } as unknown as NodeJS.WriteStream;
  setQuiet(true);
  try {
    const bar = new Progress({ label: 'train', total: 2, unit: 'steps', stream });
    bar.tick(2, { loss: '1.00' });
    bar.finish({ loss: '1.00' });
  } finally {
    setQuiet(false);
  }
  assert.deepEqual(written, []);
  const bar = new Progress({ label: 'train', total: 1, stream });
  bar.tick(1);
  assert.equal(written.length, 1);
});

test('the rate is said in the unit of the total (MB/s, rows/s, steps/s), a bare /s only where the bar has no unit', async () => {
  const { Progress } = await import('../../src/util/progress.ts');
  const rateOf = (unit: string | undefined): string => new Progress({ label: 'x', total: 600, ...(unit === undefined ? {} : { unit }) }).line().split(' | ')[1]!;
  assert.match(rateOf('MB'), /^\d+(\.\d+)? MB\/s$/);
  assert.match(rateOf('rows'), /^\d+(\.\d+)? rows\/s$/);
  assert.match(rateOf('steps'), /^\d+(\.\d+)? steps\/s$/);
  assert.match(rateOf(undefined), /^\d+(\.\d+)?\/s$/);
});

test('a resumed run\'s bar starts at its checkpoint\'s step, and its rate and ETA count only the steps taken since', async () => {
  const { Progress } = await import('../../src/util/progress.ts');
  let ms = 5_000;
  const stream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  // resumed at step 24 of 36: 2 steps in 4 s since are 0.5 steps/s, 10 steps left 20 s (not 26 steps in 4 s: 6.5/s, 2 s)
  const bar = new Progress({ label: 'train', total: 36, unit: 'steps', stream, startAt: 24, clock: () => ms });
  assert.match(bar.line(), /^train \S+ 24\/36 steps \| 0\.00 steps\/s \| ETA --$/);
  ms += 4_000;
  bar.tick(2);
  assert.match(bar.line(), /^train \S+ 26\/36 steps \| 0\.50 steps\/s \| ETA 20s$/);
});

test('a run resumed at its last step (killed after its last checkpoint): nothing left is ETA 0s, not unknown', async () => {
  const { Progress } = await import('../../src/util/progress.ts');
  let ms = 1_000;
  const stream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  const bar = new Progress({ label: 'train', total: 6, unit: 'steps', stream, startAt: 6, clock: () => ms });
  ms += 500;
  assert.match(bar.line(), /^train \S+ 6\/6 steps \| 0\.00 steps\/s \| ETA 0s$/);
});

test('finish draws the last tick\'s fields again: on a terminal its redraw kept only the count, rate and ETA (train\'s loss and lr gone)', async () => {
  const { Progress } = await import('../../src/util/progress.ts');
  const written: string[] = [];
  const stream = { isTTY: true, columns: 200, write: (s: string) => { written.push(s); return true; } } as unknown as NodeJS.WriteStream;
  const bar = new Progress({ label: 'train', total: 2, unit: 'steps', stream });
  bar.tick(1, { loss: '2.5000', lr: '1.00e-4' });
  bar.tick(1, { loss: '2.4000', lr: '5.00e-5' });
  bar.finish();
  const lines = written.filter((s) => s.startsWith('\r'));
  assert.match(lines.at(-1)!, /2\/2 steps .* \| loss 2\.4000 \| lr 5\.00e-5$/);
});
