// train() given a plain object (a library user's, HF habits: {model, output_dir, learning_rate}) validates it: its
// errors are named as a config file's are and its defaults filled, where it failed on a TypeError deep inside
// (reading 'train' of undefined); a spread copy of a validated config ({...cfg, max_steps}) is validated again alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('train() validates a plain config object: its errors named by key, a spread copy of a validated one trained', () => {
  const dir = tempDir('mt-plain-config-');
  const plain = { model: TINY_BASE, output_dir: path.join(dir, 'hf-style'), learning_rate: 1e-4 } as unknown as Parameters<typeof train>[0];
  assert.throws(() => train(plain), (e: unknown) => e instanceof UserError && /data: missing/.test(e.message) &&
    /unknown key "learning_rate" \(did you mean "optimizer\.lr"\?\)/.test(e.message));
  assert.equal(fs.existsSync(path.join(dir, 'hf-style')), false); // refused before the run folder is made
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(new Rng(5), 4, 10).join('\n') + '\n');
  const cfg = validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2 }, max_steps: 3,
    eval: { samples: 0 }, output_dir: path.join(dir, 'run') }, 'test');
  const result = captureStderr(() => train({ ...cfg, max_steps: 1 }));
  assert.equal(result.result.steps, 1);
});
