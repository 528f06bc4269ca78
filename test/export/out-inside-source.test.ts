// An export's --out inside a folder the export reads or that train writes whole: the run's adapter/ (or model/, best/),
// a checkpoint, or the base model folder of a merge. It was written there (run/adapter/x beside the adapter's files, a
// merged model inside the base), where train's next save replaces the folder (carrying the export in, or losing it) and
// a reader of the folder meets it. Refused in one line naming the folder, before anything is written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportRun } from '../../src/export/export.ts';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const root = tempDir('mt-out-inside-');
/** A base model folder of the run's own (a copy: a merge into it is what is refused), and a 2-step LoRA run on it with best/ and a checkpoint. */
const base = path.join(root, 'base');
fs.cpSync(TINY_BASE, base, { recursive: true });
const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, ...Array.from({ length: 8 }, (_, j) => 3 + ((i * 37 + j * 11) % 400))] }));
fs.writeFileSync(path.join(root, 'train.jsonl'), rows.join('\n') + '\n');
const run = captureStderr(() => train(validate({
  model: base, data: { train: path.join(root, 'train.jsonl'), val: path.join(root, 'train.jsonl') }, lora: { r: 2, alpha: 4, target_modules: ['q_proj'] },
  batch_size: 2, max_steps: 2, checkpoint: { every_steps: 1, keep: 1 }, eval: { every_steps: 1, samples: 0 }, output_dir: path.join(root, 'run'),
}, 'test'))).result.dir;

function refusal(out: string, merge: boolean): string {
  const before = fs.readdirSync(path.dirname(out));
  try {
    captureStderr(() => exportRun({ run, out, merge, best: false }));
  } catch (e) {
    assert.equal((e as Error).name, 'UserError', (e as Error).stack);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), before, 'nothing written beside the output');
    return (e as Error).message;
  }
  throw new Error(`${out} was written`);
}

test('--out inside the run\'s adapter/, best/ or a checkpoint: refused naming the folder, nothing written there', () => {
  for (const [out, folder] of [[path.join(run, 'adapter', 'x'), 'adapter'], [path.join(run, 'best', 'merged'), 'best'],
    [path.join(run, 'checkpoints', 'step-0000002', 'x'), 'checkpoints']] as const) {
    assert.equal(refusal(out, false), `${out}: is inside the run's ${folder}/ folder (${path.join(run, folder)}), which train replaces or prunes as it saves ` +
      `and exports read: nothing was written; give options.out a path outside it (such as ${path.join(run, path.basename(out))})`);
  }
});

test('--out inside the base model folder of a merge: refused naming it; beside it, and in the run folder, the export is written', () => {
  const out = path.join(base, 'merged');
  assert.equal(refusal(out, true), `${out}: is inside the run's base model folder (${base}), which the merge reads: nothing was written; give options.out a path outside it`);
  assert.equal(captureStderr(() => exportRun({ run, out: path.join(root, 'merged'), merge: true, best: false })).result.kind, 'merged');
  assert.equal(captureStderr(() => exportRun({ run, out: path.join(run, 'exported'), merge: false, best: false })).result.kind, 'adapter');
});

test('--out the model/ folder of a LoRA run (a merged model beside its adapter/, which train never writes): written, not refused', () => {
  const out = path.join(run, 'model');
  assert.equal(captureStderr(() => exportRun({ run, out, merge: true, best: false })).result.kind, 'merged');
  assert.ok(fs.existsSync(path.join(out, 'config.json')));
});

test('a GGUF file inside the run\'s adapter/: the path suggested is that file beside it, not a file named "exported"', () => {
  const out = path.join(run, 'adapter', 'adapter.gguf');
  assert.throws(() => captureStderr(() => exportGgufFile({ run, out, format: 'gguf-lora' })), {
    message: `${out}: is inside the run's adapter/ folder (${path.join(run, 'adapter')}), which train replaces or prunes as it saves ` +
      `and exports read: nothing was written; give options.out a path outside it (such as ${path.join(run, 'adapter.gguf')})`,
  });
  assert.equal(fs.existsSync(out), false);
});

test('--out the run\'s adapter/ itself, or best/adapter: the path suggested is RUN/exported, no folder of train\'s', () => {
  for (const out of [path.join(run, 'adapter'), path.join(run, 'best', 'adapter')]) assert.match(refusal(out, false), new RegExp(`\\(such as ${path.join(run, 'exported')}\\)$`));
});
