// config.json's initializer_range as transformers 5.17 takes it: loaded whatever its sign (Mistral; Llama refuses one past
// 1.0), drawn with where a new matrix is drawn (a new classification head, a random model) as `initializer_range or 0.02`,
// and refused there only when negative (torch's normal fails on it) — checked with transformers 5.17 on the tiny model:
// 0.0 and -0.1 load as …ForCausalLM, 0.0 draws a new score head with std ≈ 0.02, -0.1 fails to ("normal expects std >= 0.0").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/model/config.ts';
import { initStd } from '../../src/model/init-std.ts';
import { readRandomModelConfig } from '../../src/model/random-init.ts';
import { validate } from '../../src/train/config.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const base = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;

/** The tiny base model in a folder of its own, its initializer_range `range`. */
function modelWith(dir: string, range: number): string {
  const m = path.join(dir, `model-${range}`);
  fs.mkdirSync(m);
  for (const f of ['model.safetensors', 'generation_config.json']) fs.copyFileSync(path.join(TINY_BASE, f), path.join(m, f));
  // 0.0, not 0: transformers (and the loader, config-number-forms.ts) refuse an integer here
  fs.writeFileSync(path.join(m, 'config.json'), JSON.stringify({ ...base, initializer_range: '@' }).replace('"@"', range.toFixed(Number.isInteger(range) ? 1 : 2)));
  return m;
}

test('initializer_range 0, negative or past 1 loads as transformers loads it (a Llama past 1.0 refused, as LlamaConfig does)', () => {
  for (const range of [0, -0.1, 1.5]) assert.equal(parseConfig({ ...base, initializer_range: range }, 'c.json').initializerRange, range);
  for (const range of [0, -0.1, 1]) assert.equal(parseConfig({ ...base, model_type: 'llama', initializer_range: range }, 'c.json').initializerRange, range);
  assert.throws(() => parseConfig({ ...base, model_type: 'llama', initializer_range: 1.5 }, 'c.json'),
    { message: /^c\.json: initializer_range: 1\.5 is past 1\.0, which transformers 5\.17's LlamaConfig refuses/ });
  assert.throws(() => parseConfig({ ...base, initializer_range: '0.02' }, 'c.json'), { message: 'c.json: initializer_range: must be a number, got "0.02"' });
});

test('initStd: initializer_range or 0.02, as transformers draws; negative or past float64 refused naming the key', () => {
  assert.equal(initStd({ initializerRange: 0 }, 'x'), 0.02);
  assert.equal(initStd({ initializerRange: 1.5 }, 'x'), 1.5);
  assert.throws(() => initStd({ initializerRange: -0.1 }, 'a new classification head', 'm/config.json'),
    { message: /^m\/config\.json: initializer_range: -0\.1 is negative, and it is the standard deviation a new classification head is drawn with/ });
  assert.throws(() => initStd({ initializerRange: Infinity }, 'x'), { message: /^initializer_range: Infinity \(a number past float64's range, as 1e400\) is not a finite number/ });
  assert.equal(readRandomModelConfig({ ...base, initializer_range: 0 }).std, 0.02);
  assert.throws(() => readRandomModelConfig({ ...base, initializer_range: -0.1 }), { message: /^model\.config \(inline\): initializer_range: -0\.1 is negative, and it is the standard deviation every matrix of a random model is drawn with/ });
});

test('a new classification head is drawn with std 0.02 for initializer_range 0; a negative one is refused, and only where a head is new', () => {
  const dir = tempDir('mt-init-range-');
  const rows = Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 40 + 3 * i], label: i % 3 }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'gen.jsonl'), rows.map((r) => JSON.stringify({ input_ids: (JSON.parse(r) as { input_ids: number[] }).input_ids })).join('\n') + '\n');
  const cfgOf = (model: string, over: Record<string, unknown> = { task: 'classification', labels: ['a', 'b', 'c'] }) => validate({
    model, data: { train: path.join(dir, 'train.jsonl') }, shuffle: false, batch_size: 3, max_steps: 1, lora: { r: 4, alpha: 8 },
    eval: { samples: 0 }, output_dir: path.join(dir, `run-${Math.random().toString(36).slice(2)}`), ...over,
  }, 'test');
  const run = (model: string, over?: Record<string, unknown>) => train(cfgOf(model, over));
  const loss = (r: { dir: string }): number => JSON.parse(fs.readFileSync(path.join(r.dir, 'metrics.jsonl'), 'utf8').split('\n')[0]!).loss as number;
  const zero = loss(run(modelWith(dir, 0))), std02 = loss(run(modelWith(dir, 0.02))), std1 = loss(run(modelWith(dir, 0.1)));
  assert.equal(zero, std02);
  assert.notEqual(zero, std1);
  const negative = modelWith(dir, -0.1);
  const refusal = `${path.join(negative, 'config.json')}: initializer_range: -0.1 is negative, and it is the standard deviation a new classification head is drawn with (transformers fails there too: "normal expects std >= 0.0"): write a positive number (0.02 is transformers' default)`;
  assert.throws(() => run(negative), { message: refusal });
  assert.throws(() => dryRun(cfgOf(negative)), { message: refusal }); // from config.json, before a weight is read
  // a model whose checkpoint holds its head (a full classification run's model/) draws none: -0.1 is not used
  const classifier = path.join(run(path.join(dir, 'model-0.02'), { task: 'classification', labels: ['a', 'b', 'c'], method: 'full' }).dir, 'model');
  const saved = JSON.parse(fs.readFileSync(path.join(classifier, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(classifier, 'config.json'), JSON.stringify({ ...saved, initializer_range: '@' }).replace('"@"', '-0.1'));
  assert.equal(run(classifier).steps, 1);
  // generation draws no new matrix: the value is not used
  assert.equal(run(negative, { data: { train: path.join(dir, 'gen.jsonl') } }).steps, 1);
});
