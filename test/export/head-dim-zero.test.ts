// config.json's head_dim 0, which transformers' Mistral reads as absent (`getattr(config, "head_dim", None) or
// hidden_size // num_attention_heads`): the model loads as the same model with the explicit value, a merged export
// writes the 0 back as transformers' save_pretrained does, and the GGUF export is the explicit model's file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { collate } from '../../src/data/batch.ts';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { loadGgufSource } from '../../src/export/gguf/from-source.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cutTokenizer } from './gguf-models.ts';

const backend = createBackend('cpu');
const tmp = tempDir('mt-head-dim-');
const readConfig = (dir: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;

/**
 * The tiny fixture (hidden 64, 4 heads, head_dim 16) as `name`/base with config.json's head_dim set to `headDim`
 * (undefined: no key), and a 512-token tokenizer; the folder's name is the fixture's, so a GGUF names it alike.
 */
function fixtureWithHeadDim(name: string, headDim: unknown): string {
  const dir = path.join(tmp, name, 'base');
  fs.cpSync(TINY_BASE, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...readConfig(TINY_BASE), head_dim: headDim }));
  cutTokenizer(dir, 512);
  return dir;
}

const logits = (m: MistralModel): ArrayLike<number> => m.logits(collate([{ inputIds: [1, 415, 293, 460, 300, 301] }], 0, 0));

test('head_dim 0 loads as transformers runs it, hidden_size // num_attention_heads: the logits of the explicit head_dim 16', () => {
  const zero = loadModel(fixtureWithHeadDim('load', 0), { backend });
  assert.equal(zero.cfg.headDim, 16);
  assert.deepEqual(logits(zero), logits(loadModel(TINY_BASE, { backend })));
});

test('a merged export writes head_dim back as transformers\' save_pretrained does: 0 stays 0; null or absent become 16', () => {
  const want = logits(loadModel(TINY_BASE, { backend }));
  for (const [name, given, written] of [['zero', 0, 0], ['null', null, 16], ['absent', undefined, 16]] as const) {
    const src = fixtureWithHeadDim(`save-${name}`, given);
    const out = path.join(tmp, `merged-${name}`);
    saveModelFolder(loadModel(src, { backend }), out, { sourceDir: src, head: 'causal' });
    assert.equal(readConfig(out).head_dim, written, name);
    assert.deepEqual(logits(loadModel(out, { backend })), want, `${name}: the exported folder is the same model`);
  }
});

test('the GGUF export of a head_dim 0 folder is byte for byte the export of the same folder with head_dim 16', () => {
  const gguf = (dir: string, file: string): Buffer => {
    const src = captureStderr(() => loadGgufSource({ model: dir, adapter: null }, backend, 'fp32')).result;
    captureStderr(() => exportGguf(src.model, src.modelDir, file, 'f32', src.from, { progress: false }));
    return fs.readFileSync(file);
  };
  const zero = gguf(fixtureWithHeadDim('gguf-zero', 0), path.join(tmp, 'zero.gguf'));
  const explicit = gguf(fixtureWithHeadDim('gguf-16', 16), path.join(tmp, 'explicit.gguf'));
  assert.ok(zero.equals(explicit), 'the two files differ');
});
