// export --format gguf --model BASE --adapter RUN/checkpoints/step-N while RUN trains: the run removes its older
// checkpoints as it saves newer ones (checkpoint.keep, HF's save_total_limit), so the folder may go between the plan that
// read it and the load (minutes for a 7B base). Said as that, with what to export instead, not "adapter folder not found".
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { loadGgufSource, planGgufSource } from '../../src/export/gguf/from-source.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cutTokenizer } from './gguf-models.ts';

const tmp = tempDir('mt-pruned-checkpoint-');

test('an --adapter that is a run\'s checkpoint removed after the plan read it is said to be pruned by its run, naming a kept one to export', () => {
  const run = path.join(tmp, 'run');
  const step = path.join(run, 'checkpoints', 'step-0000002');
  fs.mkdirSync(path.dirname(step), { recursive: true });
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_init'), step, { recursive: true });
  const base = path.join(tmp, 'base'); // with a tokenizer that fits it, which the plan's tokenizer section needs
  fs.cpSync(TINY_BASE, base, { recursive: true });
  cutTokenizer(base, 512);
  const plan = planGgufSource({ model: base, adapter: step });
  fs.rmSync(step, { recursive: true }); // the run saved step 4 with checkpoint.keep 1
  assert.throws(() => loadGgufSource(plan, testBackend(), 'fp32'), (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.equal(e.message, `${step}: was replaced (or removed) while it was exported (it is a checkpoint of the training run ${run}, which removes its ` +
      `older checkpoints as it saves newer ones: checkpoint.keep): nothing was exported; export a checkpoint the run keeps (its newest), or its ${path.join(run, 'best')} once written`);
    return true;
  });
});
