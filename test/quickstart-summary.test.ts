// quickstartSummary's "next:" commands run as printed when pasted into a shell: a --out with a space or a quote
// (a home folder on macOS, "My Runs") is quoted, a plain path left as it is.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { quickstartSummary } from '../src/quickstart.ts';
import { shellPath, shellWord } from '../src/util/shell-quote.ts';
import { stoppedRunNote } from '../src/train/stopped-run.ts';
import { dataFolderHint } from '../src/util/data-folder-hint.ts';
import { tempDir } from './temp-dir.ts';

test('the next: commands quote a path with a space or a quote, as a shell reads it back', () => {
  const out = path.join(tempDir('mt-qs-summary-'), "my runs/it's ü");
  const run = path.join(out, 'run');
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), '{"step":0,"split":"val","loss":6.7}\n');
  const text = quickstartSummary({ modelDir: path.join(out, 'model'), dataDir: path.join(out, 'data'), run: { dir: run, steps: 0, report: { val: null, test: null, samples: [] } } });
  const next = text.split('\n').find((l) => l.startsWith('next: '))!.slice('next: '.length);
  const [dashboard, generate] = next.split('   |   ');
  // the words a POSIX shell makes of each command: printf prints one per line
  const words = (cmd: string): string[] => execFileSync('sh', ['-c', `printf '%s\\n' ${cmd.replace(/^mistral-tune /, '')}`], { encoding: 'utf8' }).trimEnd().split('\n');
  assert.deepEqual(words(dashboard!), ['dashboard', run]);
  assert.deepEqual(words(generate!), ['generate', '--model', path.join(out, 'model'), '--adapter', path.join(run, 'adapter'), '--prompt', 'What is the capital of Peru?']);
  assert.equal(shellWord('runs/quickstart/run'), 'runs/quickstart/run');
});

test('a test perplexity that overflowed ("Infinity" in report.json, as eval --json writes it) is printed, not a TypeError', () => {
  const run = path.join(tempDir('mt-qs-summary-'), 'run');
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), '');
  const text = quickstartSummary({ modelDir: 'm', dataDir: 'd', run: { dir: run, steps: 1, report: { val: null, test: { loss: 800, perplexity: 'Infinity' }, samples: [] } } });
  assert.match(text, /^test {15}loss 800\.000, perplexity Infinity$/m);
});

test('a printed command names a path that starts with "-" (a run folder -x) as ./-x, which no command reads as a flag (was: mistral-tune train -x --resume)', () => {
  assert.equal(shellPath('-x'), './-x');
  assert.equal(shellPath('-my run'), "'./-my run'");
  assert.equal(shellPath('/tmp/-x'), '/tmp/-x');
  assert.equal(shellPath('runs/-x'), 'runs/-x');
  assert.equal(shellWord('-1=neg'), '-1=neg', 'a value (--labels) is not a path: left as it is');
  assert.equal(dataFolderHint('-x', 'train.jsonl', true), 'it holds no train.jsonl: give a data file in it, or, for a folder of raw data, make one with mistral-tune prepare --input ./-x --out NEW_FOLDER');
  const cwd = process.cwd();
  try {
    process.chdir(tempDir('mt-dash-run-'));
    fs.mkdirSync('-x');
    fs.writeFileSync(path.join('-x', 'config.yaml'), 'seed: 0\n');
    assert.match(stoppedRunNote('-x', 'SIGINT', 100)!, /: mistral-tune train \.\/-x --resume starts it again from step 0$/);
  } finally {
    process.chdir(cwd);
  }
});
