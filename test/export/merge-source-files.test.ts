// export --merge writes the merged model with its base model folder's config.json, generation_config.json and tokenizer
// files, read at the end, after the merge (minutes for a 7B): one gone, changed or new since the merge read the model
// (the folder moved, deleted or downloaded again meanwhile) is refused naming it, as a full fine-tuning run's save
// refuses it (train/source-files.ts), not written into the merged model from a folder that is no longer the one merged.
// So does a GGUF export, whose tokenizer section is read from the folder once the weights have loaded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../src/backend/backend.ts';
import { exportRun } from '../../src/export/export.ts';
import { loadGgufSource } from '../../src/export/gguf/from-source.ts';
import { cutTokenizer } from './gguf-models.ts';
import { test, testBackend } from '../backend/device.ts';
import { tinyLoraRun } from '../cli/tiny-lora-run.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const root = tempDir('mt-merge-source-');
const model = path.join(root, 'model');
fs.cpSync(TINY_BASE, model, { recursive: true });
cutTokenizer(model, 512); // a GGUF export needs the model's tokenizer: the bundled one cut to 512 ids, as its vocab_size
const run = tinyLoraRun(root, model);
const backend = testBackend();

/**
 * The backend, calling `during` once, at its first call of `op`: the merge's first GEMM (the model and adapter read, the
 * merged model not yet written), or the model's first upload (its weights being read).
 */
function merging(during: () => void, op: 'gemm' | 'upload' = 'gemm'): Backend {
  let done = false;
  return new Proxy(backend, {
    get: (b, key) => key !== op ? Reflect.get(b, key) : (...args: unknown[]) => {
      if (!done) during();
      done = true;
      return (b[op] as (...a: unknown[]) => unknown)(...args);
    },
  });
}

for (const [name, change, what] of [
  ['generation_config.json', 'rm', 'is gone'],
  ['config.json', 'edit', 'changed'],
  ['special_tokens_map.json', 'add', 'appeared'],
] as const) {
  test(`a base model folder whose ${name} ${what} during export --merge is refused, naming the file; nothing is written`, () => {
    const file = path.join(model, name);
    const before = fs.existsSync(file) ? fs.readFileSync(file) : null;
    const out = path.join(tempDir('mt-merge-out-'), 'merged');
    try {
      assert.throws(() => exportRun({ run, out, merge: true, best: false, backend: merging(() => {
        if (change === 'rm') fs.rmSync(file);
        else if (change === 'edit') fs.appendFileSync(file, ' ');
        else fs.writeFileSync(file, '{}');
      }) }), (e: Error) => e.name === 'UserError' &&
        e.message.startsWith(`${file}: ${what} since the merge read the model (the model folder moved, deleted or replaced while it merged): `) &&
        e.message.endsWith('put the folder back as it was, then export again'));
      assert.equal(fs.existsSync(out), false, 'no merged model written');
    } finally {
      if (before === null) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, before);
    }
  });
}

test('a base model folder whose tokenizer.json changes while a GGUF export of a LoRA run loads the model is refused, naming it', (t) => {
  const file = path.join(model, 'tokenizer.json');
  const before = fs.readFileSync(file);
  t.after(() => fs.writeFileSync(file, before));
  assert.throws(() => loadGgufSource({ run, best: false }, merging(() => fs.appendFileSync(file, ' '), 'upload'), 'fp32'), (e: Error) => e.name === 'UserError' &&
    e.message.startsWith(`${file}: changed since the export read the model (the model folder moved, deleted or replaced while it loaded): `));
});
