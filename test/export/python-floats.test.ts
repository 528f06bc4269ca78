// A full fine-tuning run's model/ whose JSON files hold a float JSON has no word for (the source's NaN and Infinity,
// which transformers' json.loads reads: its generation_config.json copied byte for byte, config.json's in the
// {"__float__": "NaN"} form transformers writes) is exported: each file parsed as its loader parses it, not by JSON.parse.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportRun } from '../../src/export/export.ts';
import { validate } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

/** The bundled tiny model: a model folder with its tokenizer files. */
const TINY_MODEL = path.resolve('models', 'mistral-tune-tiny');

/** `text`, a JSON object, with `"my_key": NaN, "my_list": [Infinity, -Infinity]` appended as the last keys. */
const withFloats = (text: string): string => text.trimEnd().replace(/\}$/, ',\n  "my_key": NaN,\n  "my_list": [Infinity, -Infinity]\n}\n');

test("a full run's model/ with NaN and Infinity in its config.json, generation_config.json and tokenizer_config.json exports as it is", () => {
  const tmp = tempDir('mt-export-floats-'), base = path.join(tmp, 'base');
  fs.cpSync(TINY_MODEL, base, { recursive: true });
  for (const f of ['config.json', 'generation_config.json', 'tokenizer_config.json']) {
    fs.writeFileSync(path.join(base, f), withFloats(fs.readFileSync(path.join(base, f), 'utf8')));
  }
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), '{"input_ids": [1, 5, 9, 14, 20, 7]}\n');
  const cfg = validate({ model: base, method: 'full', data: { train: path.join(tmp, 'train.jsonl') }, max_steps: 1, batch_size: 1, eval: { samples: 0 }, output_dir: path.join(tmp, 'run') }, 'test');
  const { dir } = captureStderr(() => train(cfg)).result;
  const model = path.join(dir, 'model'), out = path.join(tmp, 'exported');
  assert.match(fs.readFileSync(path.join(model, 'config.json'), 'utf8'), /"my_key": \{\n\s*"__float__": "NaN"\n\s*\}/);
  assert.match(fs.readFileSync(path.join(model, 'generation_config.json'), 'utf8'), /"my_key": NaN/);
  captureStderr(() => exportRun({ run: dir, out, merge: false, best: false }));
  for (const f of ['config.json', 'generation_config.json', 'tokenizer_config.json']) {
    assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), fs.readFileSync(path.join(model, f), 'utf8'), f);
  }
});
