// A GGUF export's plan builds the tokenizer section from the model folder's tokenizer and config files before the
// weights load (minutes for a 7B), and the file is written with it: the load refuses what the plan read when it was
// replaced meanwhile — a model folder's tokenizer.json or config.json changed, a full run's weights folder swapped (train
// renaming a newer best/ over it) — so the tokenizer section and the weights are never of two folders.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadGgufSource, planGgufSource } from '../../src/export/gguf/from-source.ts';
import { UserError } from '../../src/util/errors.ts';
import { TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { backend, config, randomModelDir } from './gguf-models.ts';

for (const file of ['tokenizer.json', 'config.json']) {
  test(`a model folder whose ${file} changes between a GGUF export's plan and its load is refused, naming it`, () => {
    const dir = randomModelDir(`changed-${file}`, config({ vocabSize: 512 }), 512);
    const plan = captureStderr(() => planGgufSource({ model: dir, adapter: null })).result;
    fs.appendFileSync(path.join(dir, file), '\n');
    assert.throws(() => loadGgufSource(plan, backend, 'fp32'), (e: unknown) => e instanceof UserError &&
      e.message.startsWith(`${path.join(dir, file)}: changed since the export read the model`));
  });
}

test("a full run's weights folder swapped between a GGUF export's plan and its load is refused (its tokenizer and config are the plan's)", () => {
  const root = tempDir('mt-gguf-plan-'), run = path.join(root, 'run'), weights = path.join(run, 'model');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, '.mistral-tune-run'), '');
  fs.writeFileSync(path.join(root, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), `output_dir: ${JSON.stringify(run)}\nmodel: ${JSON.stringify(TINY_BASE)}\nmethod: full\ndata: {train: ${JSON.stringify(path.join(root, 'train.jsonl'))}}\n`);
  fs.cpSync(randomModelDir('full-run-weights', config({ vocabSize: 512 }), 512), weights, { recursive: true });
  const plan = captureStderr(() => planGgufSource({ run, best: false })).result;
  // a newer folder renamed over it, as train swaps in a newer best/
  fs.cpSync(weights, `${weights}.new`, { recursive: true });
  fs.rmSync(weights, { recursive: true });
  fs.renameSync(`${weights}.new`, weights);
  assert.throws(() => loadGgufSource(plan, backend, 'fp32'), (e: unknown) => e instanceof UserError &&
    e.message === `${weights}: was replaced (or removed) while it was exported (the run is still training and wrote a newer one?): nothing was exported; export it again`);
  assert.equal(captureStderr(() => loadGgufSource(planGgufSource({ run, best: false }), backend, 'fp32')).result.model.cfg.vocabSize, 512, 'planned again, it loads');
});
