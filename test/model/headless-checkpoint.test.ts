// A checkpoint of the base MistralModel alone (AutoModel's save_pretrained: no lm_head.weight, no score.weight, keys
// without "model."; e5-mistral and other embedding models ship so). transformers 5.17 loads it into
// MistralForSequenceClassification with the trunk's weights and a new score head, the way a classifier is trained from
// it; here it loads without an LM head, takes a classification head, and refuses what needs the LM head by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { collate } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { readFixture, relErr, tokenRows, TINY, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');
const ex = readFixture(path.join(TINY, 'expected.safetensors'));

/** The tiny fixture's base saved as transformers saves a MistralModel: its trunk, unprefixed, architectures MistralModel. */
function headless(): string {
  const dir = tempDir('mt-headless-');
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of f.names()) {
    if (n.startsWith('model.')) tensors[n.slice('model.'.length)] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  }
  f.close();
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, architectures: ['MistralModel'] }));
  return dir;
}

test('a MistralModel checkpoint loads without an LM head, classifies as transformers does, and refuses to give logits', () => {
  const model = loadModel(headless(), { backend });
  assert.equal(model.weights.lmHead, null);
  const B = 2, T = 24;
  const pad = ex.padded_input_ids!.data as Int32Array, mask = ex.padded_attention_mask!.data as Int32Array;
  const rows = tokenRows(pad, null, B, T).map((r, b) => ({ inputIds: r.inputIds.filter((_, t) => mask[b * T + t] === 1) }));
  const batch = collate(rows, 0, 0);
  assert.throws(() => model.logits(batch), { name: 'UserError', message: /this model has no LM head \(lm_head\.weight\): its checkpoint holds the base MistralModel alone/ });
  const score = backend.alloc('f32', 3 * 64);
  backend.upload(score, { dtype: 'f32', data: ex.cls_score_weight!.data as Float32Array });
  model.setScoreHead(score, false);
  assert.ok(relErr(model.classLogits(batch), ex.cls_logits!.data) < 1e-5, 'HF MistralForSequenceClassification\'s logits with the same head');
});

test('a causal LM without lm_head.weight and tie_word_embeddings false: the error says to tie it (transformers would start a random head)', () => {
  // a tied model whose config.json lost tie_word_embeddings (probed: transformers 5.17 loads it with a random lm_head,
  // loss 10.81 on a random 3-layer model, its load report listing lm_head.weight as missing)
  const dir = tempDir('mt-untied-');
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of f.names()) if (n !== 'lm_head.weight') tensors[n] = { dtype: 'F32', shape: f.info(n).shape, data: f.readF32(n) };
  f.close();
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json')); // MistralForCausalLM, tie_word_embeddings false
  const model = loadModel(dir, { backend });
  const batch = collate([{ inputIds: [1, 5, 6] }], 0, 0);
  assert.throws(() => model.logits(batch), {
    name: 'UserError',
    message: 'this model has no LM head (lm_head.weight): its checkpoint holds the base MistralModel alone, which classifies (trained with task: ' +
      'classification) but does not give token logits; its config.json names a causal LM with tie_word_embeddings false: if its LM head is its ' +
      'embedding (saved without lm_head.weight), set tie_word_embeddings to true (transformers would give it a random LM head)',
  });
  // the headless MistralModel checkpoint (architectures MistralModel) keeps the message without the hint
  assert.throws(() => loadModel(headless(), { backend }).logits(batch), (e: Error) => !e.message.includes('tie_word_embeddings'));
});
