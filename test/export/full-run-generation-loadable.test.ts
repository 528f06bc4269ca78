// A full fine-tuning run saved before a save left out generation_config.json values transformers 5.17 cannot load
// (model/generation_config.json with a greedy num_return_sequences 2, copied from its model folder) was exported
// as it was, a folder AutoModelForCausalLM.from_pretrained refuses (ValueError): the export now applies the same
// rule as the save (generation-loadable.ts), the key left out and warned of; a loadable file is copied byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRun } from '../../src/export/export.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** A one-step full fine-tuning run of the tiny model in a new temporary folder (`prefix`): its run folder. */
function fullRun(prefix: string): string {
  const dir = tempDir(prefix);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ input_ids: [1, 5, 9, 13, 17, 21] }) + '\n');
  const cfg = validate({
    model: TINY_BASE, method: 'full', data: { train: path.join(dir, 'train.jsonl') },
    batch_size: 1, max_steps: 1, eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
  }, 'test');
  return captureStderr(() => train(cfg)).result.dir;
}

test('export of a full run whose model/generation_config.json transformers cannot load leaves the key out, said; a loadable one is copied as it is', () => {
  const run = fullRun('mt-export-gen-loadable-');
  const gen = path.join(run, 'model', 'generation_config.json');
  const loadable = '{"eos_token_id": 2,  "num_return_sequences": 2, "do_sample": true}';
  fs.writeFileSync(gen, loadable);
  const kept = path.join(tempDir('mt-export-gen-loadable-out-'), 'out');
  captureStderr(() => exportRun({ run, out: kept, merge: false, best: false }));
  assert.equal(fs.readFileSync(path.join(kept, 'generation_config.json'), 'utf8'), loadable);
  fs.writeFileSync(gen, '{"eos_token_id": 2, "num_return_sequences": 2, "temperature": 1.0}');
  const out = path.join(tempDir('mt-export-gen-loadable-out-'), 'out');
  const { stderr } = captureStderr(() => exportRun({ run, out, merge: false, best: false }));
  assert.equal(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'), '{\n  "eos_token_id": 2,\n  "temperature": 1.0\n}\n');
  assert.match(stderr, /model\/generation_config\.json: transformers 5\.17 refuses to load a model folder with num_return_sequences 2 \(.*\): left out of the saved generation_config\.json$/m);
  assert.equal(fs.readFileSync(gen, 'utf8'), '{"eos_token_id": 2, "num_return_sequences": 2, "temperature": 1.0}', 'the run\'s file is not changed');
});

test('export of a full run whose model/generation_config.json holds a NaN (copied from a source folder that transformers loads) copies it as it is (was: "invalid JSON")', () => {
  const run = fullRun('mt-export-gen-nan-');
  // as train writes it from such a source (writeLoadableGenerationConfig copies a loadable file byte for byte)
  const text = '{\n  "eos_token_id": 2,\n  "my_weight": NaN\n}\n';
  fs.writeFileSync(path.join(run, 'model', 'generation_config.json'), text);
  const out = path.join(tempDir('mt-export-gen-nan-out-'), 'out');
  captureStderr(() => exportRun({ run, out, merge: false, best: false }));
  assert.equal(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'), text);
});
