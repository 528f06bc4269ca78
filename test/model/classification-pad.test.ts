// A model without pad_token_id (Mistral's releases have none) classifies by the pad id its export writes: the EOS id
// (config.ts classificationPadId), whose trailing copies HF's MistralForSequenceClassification skips when it picks
// the last token that is not pad_token_id. Found by a probe (transformers 5.17): a classification run on pre-tokenized
// rows ending with EOS, exported with --merge, gave other logits in transformers (loss 1.362 vs the run's 1.427) —
// the run had scored each row's EOS, the export's pad_token_id (EOS) made transformers score the token before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { validate } from '../../src/train/config.ts';
import { setupRun } from '../../src/train/setup.ts';
import { FIXTURES, relErr } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const SRC = path.join(FIXTURES, 'variants', 'no-pad-token'); // pad_token_id null, bos 5, eos 6, vocab 64, f32
const EOS = 6;
// two rows that end with EOS (one with two), one without; T = 5
const ROWS = [[5, 9, 12, 40, EOS], [5, 20, EOS, EOS], [5, 33, 17]];
// HF's pick with pad_token_id = EOS: the last token that is not EOS (40, 20, 17), at b·T + t
const PICKED = [3, 5 + 1, 10 + 2];

test('without pad_token_id, eval and the merged export score a row that ends with EOS at the same token, the one before its EOS', () => {
  const backend = createBackend('cpu');
  const model = loadModel(SRC, { backend });
  assert.equal(model.cfg.padTokenId, null);
  const C = model.cfg.hiddenSize, head = backend.alloc('f32', 3 * C);
  backend.upload(head, { dtype: 'f32', data: Float32Array.from({ length: 3 * C }, (_, i) => Math.sin(i)) });
  model.setScoreHead(head, false);
  const rows = ROWS.map((ids) => ({ inputIds: ids }));
  assert.deepEqual(Array.from(model.collate(rows).scoreIndex), PICKED);
  const out = path.join(tempDir('mt-cls-pad-'), 'merged');
  saveModelFolder(model, out, { sourceDir: SRC, head: 'classification', labels: ['x', 'y', 'z'] });
  const merged = loadModel(out, { backend });
  assert.equal(merged.cfg.padTokenId, EOS); // what transformers reads, and scores by
  const err = relErr(merged.classLogits(merged.collate(rows)), model.classLogits(model.collate(rows)));
  assert.ok(err < 1e-6, `the export's class logits against the model's: relative error ${err}`);
});

test('without pad_token_id, training scores a row that ends with EOS at the token before its EOS, as its export will', () => {
  const dir = tempDir('mt-cls-pad-train-');
  const data = path.join(dir, 'train.jsonl');
  fs.writeFileSync(data, ROWS.map((ids, i) => JSON.stringify({ input_ids: ids, label: i })).join('\n') + '\n');
  const cfg = validate({ model: SRC, task: 'classification', labels: ['x', 'y', 'z'], data: { train: data }, shuffle: false, batch_size: 3, output_dir: path.join(dir, 'run') }, 'test');
  const setup = setupRun(cfg);
  try {
    assert.deepEqual(Array.from(setup.loader.next().batch.scoreIndex), PICKED);
  } finally {
    setup.backend.close?.();
  }
});

// An EOS id past vocab_size loads with a warning (as transformers 5.17 loads it), but names no pad: the classification
// export wrote pad_token_id null without a word, and transformers refuses to classify batches of more than one row with
// it ("Cannot handle batch sizes > 1 if no padding token is defined"). Said, with what to do.
/** A copy of the no-pad-token variant whose only EOS id is 64, past vocab_size 64, loaded with a 2-class score head. */
function eosPastVocabModel() {
  const src = tempDir('mt-cls-pad-eos-past-');
  for (const f of ['model.safetensors', 'config.json']) fs.copyFileSync(path.join(SRC, f), path.join(src, f));
  const json = JSON.parse(fs.readFileSync(path.join(SRC, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ ...json, eos_token_id: 64 }));
  const backend = createBackend('cpu');
  const model = captureStderr(() => loadModel(src, { backend })).result;
  const C = model.cfg.hiddenSize, head = backend.alloc('f32', 2 * C);
  backend.upload(head, { dtype: 'f32', data: Float32Array.from({ length: 2 * C }, (_, i) => Math.cos(i)) });
  model.setScoreHead(head, false);
  return { src, model, head };
}

test('a classification export whose only EOS is past vocab_size (and no pad_token_id) writes pad_token_id null and says so', () => {
  const { src, model, head } = eosPastVocabModel();
  const backend = model.backend;
  const out = path.join(tempDir('mt-cls-pad-eos-past-out-'), 'merged');
  const { stderr } = captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'classification', labels: ['x', 'y'] }));
  assert.equal((JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>).pad_token_id, null);
  assert.match(stderr, /pad_token_id: the model has none and eos_token_id 64, which names no token \(vocab_size 64\), so its classification export's config\.json has pad_token_id null, with which transformers classifies one row at a time/);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  // a model whose EOS names a token writes it and says nothing
  const plain = loadModel(SRC, { backend });
  plain.setScoreHead(head, false);
  const fine = captureStderr(() => saveModelFolder(plain, path.join(path.dirname(out), 'fine'), { sourceDir: SRC, head: 'classification', labels: ['x', 'y'] }));
  assert.doesNotMatch(fine.stderr, /pad_token_id/);
});

// saveAdapter of such a model wrote a SEQ_CLS adapter whose card loads the base with pad_token_id null (transformers then
// classifies one row at a time) and said nothing, where saveModelFolder warns: the same note, naming the adapter's card.
test('a SEQ_CLS adapter of a model whose only EOS is past vocab_size (and no pad_token_id) says its card sets no pad_token_id', () => {
  const { model } = eosPastVocabModel();
  createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, 0, false);
  const out = path.join(tempDir('mt-cls-pad-eos-past-adapter-'), 'adapter');
  const { stderr } = captureStderr(() => saveAdapter(model, out, { taskType: 'SEQ_CLS', baseModel: null, labels: ['x', 'y'] }));
  assert.doesNotMatch(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /pad_token_id/);
  assert.match(stderr, /pad_token_id: the model has none and eos_token_id 64, which names no token \(vocab_size 64\), so its classification adapter's README\.md loads it with pad_token_id null, with which transformers classifies one row at a time/);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  // a causal LM adapter of it has no classifier: nothing to say
  const lm = captureStderr(() => saveAdapter(model, path.join(path.dirname(out), 'lm'), { taskType: 'CAUSAL_LM', baseModel: null }));
  assert.doesNotMatch(lm.stderr, /pad_token_id/);
});
