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
