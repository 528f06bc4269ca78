// A saved model's config.json and generation_config.json (the one made from the model config) give eos_token_id in
// the form the source's config.json gave it, as transformers 5.17's save_pretrained does: [4] stays [4] (it was
// written as 4), [] stays [] (was null), null and a null bos_token_id are left out of generation_config.json (were
// written as null); and a float id (2.0, which JSON.parse reads as 2) is refused as transformers refuses it. The
// reference is test/fixtures/hf-eos-forms/saved.json (its make_eos_forms.py: transformers 5.17, torch 2.13 CPU).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { readRandomModelConfig } from '../../src/model/random-init.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

interface Reference {
  base: Record<string, unknown>;
  cases: Record<string, { config: string; saved?: Record<string, Record<string, unknown>>; refused?: string }>;
}
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-eos-forms', 'saved.json'), 'utf8')) as Reference;
const IDS = ['bos_token_id', 'eos_token_id', 'pad_token_id'];
const backend = createBackend('cpu');
const root = tempDir('mt-eos-form-');

/** A folder whose config.json is the reference's base with `keys` (JSON text, as the fixture wrote it: 2.0 stays 2.0). */
function sourceFolder(name: string, keys: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  const base = JSON.stringify(REF.base);
  fs.writeFileSync(path.join(dir, 'config.json'), keys === '{}' ? base : `${base.slice(0, -1)}, ${keys.slice(1)}`);
  return dir;
}

const idsOf = (file: string): Record<string, unknown> => {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  return Object.fromEntries(IDS.filter((k) => k in doc).map((k) => [k, doc[k]]));
};

for (const [name, c] of Object.entries(REF.cases)) {
  test(`eos_token_id form, ${name} (${c.config}): saved as transformers 5.17 saves it`, () => {
    const src = sourceFolder(name, c.config);
    if (c.refused !== undefined) {
      const key = /field '(\w+)'/.exec(c.refused)![1]!;
      const file = path.join(src, 'config.json');
      const message = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${key}: (item \\d+: )?\\d\\.0 is a float, which transformers refuses here: write \\d+$`);
      assert.throws(() => loadConfig(src), { name: 'UserError', message });
      // a random model's config file is read alike (train's model: {config: FILE})
      assert.throws(() => readRandomModelConfig(file), { name: 'UserError', message });
      return;
    }
    const model = createRandomModel(backend, loadConfig(src), { seed: 1, std: 0.1 });
    const out = path.join(root, `${name}-saved`);
    captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' })); // (no tokenizer: the bundled one's warning)
    assert.deepEqual(idsOf(path.join(out, 'config.json')), c.saved!['config.json']);
    assert.deepEqual(idsOf(path.join(out, 'generation_config.json')), c.saved!['generation_config.json']);
    // and what we saved loads with the same form: a second save writes it again
    const again = path.join(root, `${name}-again`);
    captureStderr(() => saveModelFolder(createRandomModel(backend, loadConfig(out), { seed: 1, std: 0.1 }), again, { sourceDir: null, head: 'causal' }));
    assert.deepEqual(idsOf(path.join(again, 'config.json')), c.saved!['config.json']);
  });
}
