// eval, generate and classify --run read the run's weights folder (adapter/, model/ or best/) from one checkpoint, as
// export does: a run still training that swaps in a newer best/ while they read it has them refuse in one line (exit 2:
// a UserError) saying so, not mix two checkpoints' files or say that a file the swap took away is missing. Each
// command's work (its thread's function) is called in this process, where fs can be patched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyCommand } from '../../src/cli/classify-thread.ts';
import { parse as parseClassify } from '../../src/cli/classify-flags.ts';
import { evalCommand } from '../../src/cli/eval-thread.ts';
import { parse as parseEval } from '../../src/cli/eval-flags.ts';
import { generateCommand } from '../../src/cli/generate-thread.ts';
import { parse as parseGenerate } from '../../src/cli/generate-flags.ts';
import { makeTokenizerModel } from '../helpers.ts';
import { swapAtFirst, withPatched } from '../run/replaced-while-read.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tinyLoraRun } from './tiny-lora-run.ts';

const dir = tempDir('mt-run-replaced-');
const rows = path.join(dir, 'rows.jsonl');
fs.writeFileSync(rows, '{"input_ids": [1, 5, 9, 14, 20, 7]}\n');

/** A fully trained run as train leaves it (its config.yaml and model/), of the model `model`. */
function fullRun(name: string, model: string, keys = ''): string {
  const run = path.join(dir, name);
  fs.cpSync(model, path.join(run, 'model'), { recursive: true });
  fs.writeFileSync(path.join(run, 'config.yaml'), `model: ${model}\nmethod: full\n${keys}data: {train: t.jsonl}\n`);
  return run;
}

const causal = fullRun('causal-run', await makeTokenizerModel(path.join(dir, 'causal')));
const classifier = fullRun('cls-run', await makeTokenizerModel(path.join(dir, 'cls'), 0, { classes: 2 }), 'task: classification\nlabels: [a, b]\n');
const replaced = (folder: string, who: string, then: string): string =>
  `${folder}: was replaced (or removed) while ${who} read it (the run is still training and wrote a newer one?): nothing was ${then}`;

/** Runs `command`, its stdout and stderr swallowed (the test runner's own reports, bytes, go through). */
function quietly(command: () => void): void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: []) => (typeof chunk === 'string' ? true : write(chunk, ...rest))) as typeof process.stdout.write;
  try {
    captureStderr(command);
  } finally {
    process.stdout.write = write;
  }
}

/**
 * `command` on the run `run`, its model/ replaced at the first file opened there: refused with `message` (before: read
 * on from the newer folder, another checkpoint's weights than those whose config and header were checked, without a
 * word), nothing evaluated, generated or classified; run again, it reads the folder.
 */
function refusedThenRead(run: string, command: () => void, message: (folder: string) => string): void {
  const folder = path.join(run, 'model');
  quietly(() => withPatched('openSync', swapAtFirst(folder), () => assert.throws(command, { name: 'UserError', message: message(folder) })));
  quietly(command);
}

test('eval --run of a run whose model/ is replaced while eval reads it refuses, saying so; run again, it evaluates', () => {
  refusedThenRead(causal, () => evalCommand(parseEval(['--run', causal, '--data', rows])!), (folder) => replaced(folder, 'eval', 'evaluated; evaluate it again'));
});

test('generate --run of a run whose model/ is replaced while generate reads it refuses, saying so; run again, it generates', () => {
  refusedThenRead(causal, () => generateCommand(parseGenerate(['--run', causal, '--prompt', 'Hi', '--max-new-tokens', '2'])!), (folder) => replaced(folder, 'generate', 'generated; generate again'));
});

test('classify --run of a run whose model/ is replaced while classify reads it refuses, saying so; run again, it classifies', () => {
  refusedThenRead(classifier, () => classifyCommand(parseClassify(['--run', classifier, '--text', 'Hi'])!), (folder) => replaced(folder, 'classify', 'classified; classify again'));
});

test('eval --run of a LoRA run whose adapter/ is replaced by one lacking a file while it is read says the folder was replaced, not that the file is missing', () => {
  const run = captureStderr(() => tinyLoraRun(tempDir('mt-run-replaced-'))).result;
  const adapter = path.join(run, 'adapter');
  captureStderr(() => withPatched('openSync', swapAtFirst(adapter, { without: 'adapter_model.safetensors' }), () => {
    assert.throws(() => evalCommand(parseEval(['--run', run, '--data', rows])!), { name: 'UserError', message: replaced(adapter, 'eval', 'evaluated; evaluate it again') });
  }));
});
