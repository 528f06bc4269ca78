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

// a validated config changed in place (`const cfg = loadTrainConfig(f); cfg.max_steps = -5; train(cfg)`) was taken as
// validated: max_steps -5 trained 0 steps, an unknown key was silently ignored, lora.r 0 was named as createAdapter's spec.r
test('train() validates again a validated config changed in place since: its errors named by key, as a plain object\'s', () => {
  const dir = tempDir('mt-changed-config-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(new Rng(5), 4, 10).join('\n') + '\n');
  const fresh = () => validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2 }, max_steps: 1,
    eval: { samples: 0 }, output_dir: path.join(dir, 'run') }, 'test');
  const changed: Array<[(c: Record<string, unknown> & { lora: { r: number }; optimizer: { lr: number } }) => void, RegExp]> = [
    [(c) => { c.max_steps = -5; }, /^train: max_steps: must be /],
    [(c) => { c.learning_rate = 1; }, /^train: unknown key "learning_rate" \(did you mean "optimizer\.lr"\?\)$/],
    [(c) => { c.lora.r = 0; }, /^train: lora\.r: must be /],
    [(c) => { c.optimizer.lr = NaN; }, /^train: optimizer\.lr: /],
  ];
  for (const [change, message] of changed) {
    const cfg = fresh();
    change(cfg as unknown as Parameters<(typeof changed)[0][0]>[0]);
    assert.throws(() => train(cfg), (e: unknown) => e instanceof UserError && message.test(e.message), `${message}`);
    assert.equal(fs.existsSync(path.join(dir, 'run')), false); // refused before the run folder is made
  }
  const cfg = fresh();
  cfg.max_steps = 2; // a change that is valid: trained as changed
  assert.equal(captureStderr(() => train(cfg)).result.steps, 2);
});

// the change was seen through JSON.stringify, which writes NaN and Infinity as null: a key null by default set to one
// (cfg.max_steps = NaN: 0 steps trained; Infinity) was taken as unchanged, and a BigInt (cfg.seed = 5n) threw
// JSON.stringify's TypeError, not a refusal naming the key
test('train() validates again a validated config whose null key was set to NaN or Infinity, or a key to a BigInt', () => {
  const dir = tempDir('mt-changed-nonfinite-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), randomIdRows(new Rng(5), 4, 10).join('\n') + '\n');
  const fresh = () => validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2 },
    eval: { samples: 0 }, output_dir: path.join(dir, 'run') }, 'test') as unknown as Record<string, unknown> & { eval: Record<string, unknown> };
  const changed: Array<[(c: ReturnType<typeof fresh>) => void, RegExp]> = [
    [(c) => { c.max_steps = NaN; }, /^train: max_steps: /],
    [(c) => { c.max_steps = Infinity; }, /^train: max_steps: /],
    [(c) => { c.eval.every_steps = -Infinity; }, /^train: eval\.every_steps: /],
    [(c) => { c.seed = 5n; }, /^train: seed: /],
  ];
  for (const [change, message] of changed) {
    const cfg = fresh();
    change(cfg);
    assert.throws(() => train(cfg as unknown as Parameters<typeof train>[0]), (e: unknown) => e instanceof UserError && message.test(e.message), `${message}`);
    assert.equal(fs.existsSync(path.join(dir, 'run')), false); // refused before the run folder is made
  }
});
