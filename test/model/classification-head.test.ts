// A classification head that transformers would not score as classes (softmax, cross-entropy) is refused when it
// loads, naming the key, rather than evaluated as one class (loss 0, accuracy 1, probability 1). transformers 5.17
// (loss/loss_utils.py ForSequenceClassificationLoss, pipelines/text_classification.py): num_labels 1 with no
// problem_type is "regression" (MSE loss; the pipeline scores it with a sigmoid), and a problem_type of "regression" or
// "multi_label_classification" takes MSE or BCE and a sigmoid. Found by a probe of MistralForSequenceClassification
// checkpoints (num_labels=1) saved by transformers, whose eval and classify we ran as a one-class softmax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter, loadAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { isUserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');

/** The tiny base with a score head of `rows` classes attached (LoRA too when `lora`). */
function withHead(rows: number, lora = false): ReturnType<typeof loadModel> {
  const m = loadModel(TINY_BASE, { backend });
  if (lora) createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, new Rng(0), false);
  const C = m.cfg.hiddenSize;
  const w = backend.alloc(m.dtype, rows * C);
  backend.upload(w, { dtype: 'f32', data: new Float32Array(rows * C).fill(0.01) });
  m.setScoreHead(w, lora);
  return m;
}

/** A merged classification model folder of `rows` classes, config.json changed by `edit`. */
function classifierFolder(rows: number, edit: Record<string, unknown> = {}): string {
  const dir = tempDir('mt-cls-head-');
  saveModelFolder(withHead(rows), dir, { sourceDir: TINY_BASE, head: 'classification', labels: Array.from({ length: rows }, (_, i) => `c${i}`) });
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')) as object, ...edit }));
  return dir;
}

function refused(f: () => unknown, ...fragments: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    const msg = (e as Error).message;
    assert.ok(!msg.includes('\n'), `not one line: ${msg}`);
    for (const s of fragments) assert.ok(msg.includes(s), `"${msg}" lacks ${s}`);
    return true;
  });
}

test('a checkpoint whose score head has one row (transformers: regression) is refused naming num_labels', () => {
  const dir = classifierFolder(1);
  refused(() => loadModel(dir, { backend }), dir, 'num_labels', '1 row', 'regression');
  assert.equal(loadModel(classifierFolder(2), { backend }).score?.numLabels, 2); // two classes are a classifier
});

test('a SEQ_CLS adapter whose saved score head has one row is refused naming num_labels', () => {
  const dir = tempDir('mt-cls-head-adapter-');
  saveAdapter(withHead(1, true), dir, { taskType: 'SEQ_CLS', baseModel: null });
  refused(() => loadAdapter(loadModel(TINY_BASE, { backend }), dir, { trainable: false }), 'adapter_model.safetensors', 'num_labels', 'regression');
});

test('a classification checkpoint whose config.json problem_type is not single-label is refused for evaluation too, naming the key', () => {
  for (const kind of ['regression', 'multi_label_classification']) {
    refused(() => loadModel(classifierFolder(3, { problem_type: kind }), { backend }), 'problem_type', kind);
  }
  assert.equal(loadModel(classifierFolder(3, { problem_type: 'single_label_classification' }), { backend }).score?.numLabels, 3);
});
