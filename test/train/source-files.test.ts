// A full fine-tuning run's model/ and best/ take the model folder's config.json, generation_config.json and tokenizer
// files at each save, long after the weights were read: a folder moved, deleted or replaced meanwhile stops the run at
// that save, naming the file, instead of a model/ written with made-up generation settings, a config.json of our keys
// alone, or the bundled tokenizer. Each run: the tiny model, full fine-tuning, 2 steps, in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');

for (const [name, change, what] of [
  ['generation_config.json', 'rm', 'is gone'],
  ['config.json', 'edit', 'changed'],
  ['tokenizer.json', 'add', 'appeared'],
] as const) {
  test(`a full run whose model folder's ${name} ${what} while it trained stops at its save of model/, naming the file`, () => {
    const root = tempDir('mt-source-files-');
    const model = path.join(root, 'model');
    fs.cpSync(TINY_BASE, model, { recursive: true });
    const file = path.join(model, name);
    const cfg = validate({
      model, method: 'full', data: { train: DATA }, max_steps: 2, batch_size: 1, eval: { samples: 0 }, output_dir: path.join(root, 'run'),
    }, 'test');
    // once the model is read: as a user moving or re-downloading the model folder while the run trains
    const onRunDir = (): void => {
      if (change === 'rm') fs.rmSync(file);
      else if (change === 'edit') fs.appendFileSync(file, ' ');
      else fs.writeFileSync(file, '{}');
    };
    // it wrote model/ with what it found then: no generation_config.json made one up, no config.json kept our keys alone
    assert.throws(() => captureStderr(() => train(cfg, { onRunDir })), (e: Error) => e.name === 'UserError' &&
      e.message.startsWith(`${file}: ${what} since the run started (the model folder moved, deleted or replaced while it trained): `) &&
      e.message.endsWith('put the folder back as it was, then train with options.resume continues it (from its last checkpoint, or step 0 without one)'));
    assert.equal(fs.existsSync(path.join(root, 'run', 'model')), false, 'no model/ written');
  });
}
