// tie_word_embeddings true with lm_head.weight in the checkpoint, loaded as transformers 5.17 does
// (PreTrainedModel.tie_weights): equal to the embedding → tied; other values → both used, untied (a warning);
// lm_head.weight alone → the embedding is tied to it. scripts/hf-check/config_fuzz.py checks these against
// transformers itself (bench/results/config-fuzz-hf-cpu-2026-12-01.log); these tests pin them without Python.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { setQuiet } from '../../src/util/log.ts';
import { relErr } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const EMBED = 'model.embed_tokens.weight', HEAD = 'lm_head.weight';
const backend = testBackend();
const dir = tempDir('mt-tied-ckpt-');
const tied = createRandomModel(backend, parseConfig({
  model_type: 'mistral', vocab_size: 40, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 2,
  num_key_value_heads: 1, sliding_window: null, tie_word_embeddings: true,
}), { seed: 5, std: 0.3 });
saveModelFolder(tied, path.join(dir, 'tied'), { sourceDir: null, head: 'causal' });
const batch = tied.collate([{ inputIds: [1, 7, 3, 22, 9] }]);

/** A copy of the saved tied folder whose checkpoint is edited by `edit` (the config kept: tie_word_embeddings true). */
function variant(name: string, edit: (t: Record<string, TensorToWrite>) => void): string {
  const f = SafetensorsFile.open(path.join(dir, 'tied', 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of f.names()) tensors[n] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  f.close();
  edit(tensors);
  const out = path.join(dir, name);
  saveModelFolder(tied, out, { sourceDir: null, head: 'causal' });
  writeSafetensors(path.join(out, 'model.safetensors'), tensors, { format: 'pt' });
  return out;
}

test('lm_head.weight equal to the embedding: still tied', () => {
  const m = loadModel(variant('same', (t) => { t[HEAD] = t[EMBED]!; }), { backend });
  assert.equal(m.cfg.tieWordEmbeddings, true);
  assert.equal(m.weights.lmHead, m.weights.embed);
});

test('lm_head.weight with other values: used untied, as transformers does, and an export writes it', () => {
  const other = Float32Array.from({ length: 40 * 16 }, (_, i) => Math.sin(i) * 0.3);
  setQuiet(true);
  const m = loadModel(variant('other', (t) => { t[HEAD] = { dtype: 'F32', shape: [40, 16], data: other }; }), { backend });
  setQuiet(false);
  assert.equal(m.cfg.tieWordEmbeddings, false);
  assert.notEqual(m.weights.lmHead, m.weights.embed);
  assert.deepEqual(Array.from(backend.download(m.lmHead())), Array.from(other));
  const logits = m.logits(batch);
  assert.ok(relErr(logits, tied.logits(batch)) > 0.1, 'the head is not the embedding');
  // saved: tie_word_embeddings false with lm_head, so that HF loads what this model computes
  saveModelFolder(m, path.join(dir, 'other-saved'), { sourceDir: null, head: 'causal' });
  const again = loadModel(path.join(dir, 'other-saved'), { backend });
  assert.equal(again.cfg.tieWordEmbeddings, false);
  assert.deepEqual(Array.from(again.logits(batch)), Array.from(logits));
});

test('lm_head.weight alone (no embedding in the file): the embedding is tied to it', () => {
  const m = loadModel(variant('only', (t) => {
    t[HEAD] = t[EMBED]!;
    delete t[EMBED];
  }), { backend });
  assert.equal(m.cfg.tieWordEmbeddings, true);
  assert.equal(m.weights.lmHead, m.weights.embed);
  assert.deepEqual(Array.from(m.logits(batch)), Array.from(tied.logits(batch)));
});

/** The tensors renamed as a checkpoint saved from the base MistralModel (AutoModel) has them: no "model." prefix. */
function bare(t: Record<string, TensorToWrite>): void {
  for (const n of Object.keys(t)) {
    if (!n.startsWith('model.')) continue;
    t[n.slice('model.'.length)] = t[n]!;
    delete t[n];
  }
}

// transformers 5.17 adds the base model's prefix to a checkpoint key whose prefixed name is a parameter
// (core_model_loading.rename_source_and_target_keys): e5-mistral and other embedding models are saved that way.
// scripts/hf-check/base_model_checkpoint.py shows transformers' loss equal for both forms, tied and untied.
test('a checkpoint saved from the base MistralModel (keys without "model.") loads as transformers loads it', () => {
  const m = loadModel(variant('bare', bare), { backend });
  assert.equal(m.cfg.tieWordEmbeddings, true);
  assert.deepEqual(Array.from(m.logits(batch)), Array.from(tied.logits(batch)));
  const other = Float32Array.from({ length: 40 * 16 }, (_, i) => Math.cos(i) * 0.3);
  setQuiet(true);
  const untied = loadModel(variant('bare-head', (t) => {
    bare(t);
    t[HEAD] = { dtype: 'F32', shape: [40, 16], data: other };
  }), { backend });
  setQuiet(false);
  assert.equal(untied.cfg.tieWordEmbeddings, false, 'lm_head.weight other than the (unprefixed) embedding unties');
  assert.deepEqual(Array.from(backend.download(untied.lmHead())), Array.from(other));
  assert.throws(() => loadModel(variant('bare-bias', (t) => {
    bare(t);
    t['layers.0.self_attn.q_proj.bias'] = { dtype: 'F32', shape: [16], data: new Float32Array(16) };
  }), { backend }), { name: 'UserError', message: /tensor "layers\.0\.self_attn\.q_proj\.bias" is a bias of a projection/ });
});
