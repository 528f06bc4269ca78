// A run's config.yaml deleted while the run trains is written again (with a warning) at its next checkpoint and before
// its end: export, eval and --resume read the run by it, and the run had finished with exit 0 into a folder each of them
// refused ('not a run directory: config.yaml not found'). The tiny model, LoRA, 2 steps, in this process.
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

for (const every of [1, null]) {
  test(`a config.yaml deleted while the run trains is written again ${every ? 'at its next checkpoint' : 'before its end'}, with a warning`, () => {
    const run = path.join(tempDir('mt-config-kept-'), 'run');
    const cfg = validate({
      model: TINY_BASE, data: { train: DATA }, max_steps: 2, batch_size: 1, eval: { samples: 0 }, checkpoint: { every_steps: every, keep: 1 }, output_dir: run,
    }, 'test');
    const file = path.join(run, 'config.yaml');
    let written = '';
    const { stderr } = captureStderr(() => train(cfg, { onRunDir: () => { written = fs.readFileSync(file, 'utf8'); fs.rmSync(file); } }));
    assert.equal(fs.readFileSync(file, 'utf8'), written, 'the same config.yaml');
    assert.deepEqual(stderr.split('\n').filter((l) => l.includes('config.yaml')),
      [`warning: ${file}: gone since the run wrote it (deleted while it trained): written again from the run's config, by which export, eval and --resume read the run`]);
  });
}
