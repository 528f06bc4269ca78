// The config.json a saved model gets (a merged export, a full fine-tuning save, a classifier), key by key against the
// one transformers 5.17's save_pretrained writes after loading the same base (merge_and_unload of a LoRA writes the
// same: test/fixtures/hf-saved-config, its make_saved_config.py). The rule: the file reads back the same in
// transformers and keeps the base's own form where the meaning did not change, so loaders that read config.json
// themselves (vLLM, llama.cpp's convert_hf_to_gguf.py, TGI, transformers 4.x) read it as they read the base:
//  - no key of the base is dropped (but the generation keys transformers pops: save-generation-config.test), and none is
//    added that neither the base nor transformers has;
//  - the rope keys stay as the base wrote them: rope_scaling with "type", yarn's mscale/mscale_all_dim, no defaults
//    filled in (they were rewritten "as resolved", which dropped "type" — the only key transformers before 4.45 and
//    older TGI read — and mscale, and added an attention_factor that convert_hf_to_gguf.py copies into the GGUF);
//  - the weights' dtype under the base's key (torch_dtype stays torch_dtype: transformers before 4.56 reads no other);
//  - every other key transformers writes too has transformers' value.
// transformers reading the files we write gives the base's inverse frequencies and attention scaling for every case
// (checked with transformers 5.17 when the fixture was made: test/fixtures/PROVENANCE.md).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadConfig, type MistralConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

type Doc = Record<string, unknown>;
interface Reference { base: Doc; cases: Record<string, { keys: Doc; saved: Doc }> }
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-saved-config', 'saved.json'), 'utf8')) as Reference;
const ROPE_KEYS = ['rope_theta', 'rope_scaling', 'rope_parameters'];
const DTYPE_KEYS = ['dtype', 'torch_dtype'];
const backend = createBackend('cpu');
const root = tempDir('mt-saved-config-');

/** What our save writes for the base `doc`: a random model of its config, saved with the base as its source. */
function ourSave(name: string, doc: Doc): Doc {
  const src = path.join(root, name);
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify(doc));
  const cfg = loadConfig(src);
  const classifier = cfg.task === 'classification';
  const bf16 = (doc.dtype ?? doc.torch_dtype) === 'bfloat16';
  const model = createRandomModel(backend, cfg, { seed: 1, numLabels: classifier ? cfg.labels!.length : undefined }, bf16 ? 'bf16' : 'f32');
  const out = path.join(root, `${name}-saved`);
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: classifier ? 'classification' : 'causal', labels: cfg.labels }));
  return JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Doc;
}

const reading = (c: MistralConfig): unknown[] => [c.ropeTheta, c.ropeScaling, c.headDim, c.slidingWindow, c.tieWordEmbeddings, c.labels, c.task, c.padTokenId];

for (const [name, { keys, saved: hf }] of Object.entries(REF.cases)) {
  test(`saved config.json, ${name}: the base's keys and form, transformers' values`, () => {
    const base = Object.fromEntries(Object.entries({ ...REF.base, ...keys }).filter(([, v]) => v !== '__drop__'));
    const ours = ourSave(name, base);
    assert.deepEqual(Object.keys(base).filter((k) => !(k in ours)), [], 'keys of the base dropped');
    assert.deepEqual(Object.keys(ours).filter((k) => !(k in base) && !(k in hf)), [], 'keys neither the base nor transformers has');
    for (const k of ROPE_KEYS) assert.deepEqual(ours[k], base[k], `${k}: as the base wrote it`);
    const dtypeKeys = DTYPE_KEYS.filter((k) => k in base);
    assert.deepEqual(DTYPE_KEYS.filter((k) => k in ours), dtypeKeys.length > 0 ? dtypeKeys : ['dtype'], 'the dtype under the base\'s key');
    for (const k of DTYPE_KEYS) if (k in ours) assert.equal(ours[k], hf.dtype, `${k}: the weights' dtype`);
    // transformers_version names the writer (we keep the base's: its form is the one kept)
    const sameAsHf = Object.keys(ours).filter((k) => k in hf && ![...ROPE_KEYS, ...DTYPE_KEYS, 'transformers_version'].includes(k));
    for (const k of sameAsHf) assert.deepEqual(ours[k], hf[k], `${k}: transformers' value`);
    // and it reads back as the base reads
    assert.deepEqual(reading(loadConfig(path.join(root, `${name}-saved`))), reading(loadConfig(path.join(root, name))));
  });
}
