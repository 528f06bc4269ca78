// saveModelFolder into a folder that holds files of a model folder already (the user's config.json, another model's
// weights or shards): refused before anything is written, the files left as they were; other files there are kept.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { isUserError } from '../../src/util/errors.ts';
import { TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');

test('saveModelFolder refuses a folder holding model files it would write over, and keeps other files', () => {
  const model = loadModel(TINY_BASE, { backend });
  const dir = tempDir('mt-save-refuse-');
  for (const [name, refused] of [['config.json', /"config\.json"/], ['model-00001-of-00002.safetensors', /"model-00001-of-00002\.safetensors"/], ['tokenizer.json', /"tokenizer\.json"/]] as const) {
    const out = path.join(dir, name.replace(/\W/g, '_'));
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, name), 'the user\'s own\n');
    fs.writeFileSync(path.join(out, 'notes.md'), 'notes\n');
    assert.throws(() => saveModelFolder(model, out, { sourceDir: TINY_BASE, head: 'causal' }), (e: unknown) =>
      isUserError(e) && /^saveModelFolder: the output folder .* holds .* already, which saveModelFolder would write over/.test(e.message) && refused.test(e.message));
    assert.equal(fs.readFileSync(path.join(out, name), 'utf8'), 'the user\'s own\n', `${name} is left as it was`);
    assert.deepEqual(fs.readdirSync(out).sort(), [name, 'notes.md'].sort(), 'nothing was written');
  }
  // a folder with only other files: the model is written beside them, which stay
  const beside = path.join(dir, 'beside');
  fs.mkdirSync(beside);
  fs.writeFileSync(path.join(beside, 'README.md'), 'mine\n');
  captureStderr(() => saveModelFolder(model, beside, { sourceDir: TINY_BASE, head: 'causal' }));
  assert.equal(fs.readFileSync(path.join(beside, 'README.md'), 'utf8'), 'mine\n');
  assert.ok(fs.existsSync(path.join(beside, 'model.safetensors')) && fs.existsSync(path.join(beside, 'config.json')));
  // and saving again into it is refused as well: it holds a model now
  assert.throws(() => saveModelFolder(model, beside, { sourceDir: TINY_BASE, head: 'causal' }), /holds "config\.json", "generation_config\.json", "model\.safetensors"( and \d+ more)? already/);
});
