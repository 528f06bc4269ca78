// A classification head of 200,000 classes: the argmax and log-sum-exp of a row's logits took Math.max(...z), which
// overflows the call stack past about 125,000 arguments (RangeError, a stack trace instead of the predictions); so
// did classify's plain line, padding each name to the longest of 10^6 (Math.max(...names): 600,000 in its worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../src/backend/select.ts';
import { plainPrediction } from '../../src/cli/classify-thread.ts';
import { evaluateClassification, predictClasses } from '../../src/eval/classification.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';

const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 50, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1,
  num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, sliding_window: null, tie_word_embeddings: false, pad_token_id: 0,
});

test('a head of 200,000 classes predicts and evaluates (no RangeError from Math.max(...logits))', () => {
  const numLabels = 200_000;
  const model = createRandomModel(createBackend('cpu'), cfg, { seed: 1, std: 0.1, normStd: 0.1, numLabels });
  const rows = [{ inputIds: [1, 5, 7], label: 3 }, { inputIds: [1, 9], label: 199_999 }];
  const predictions = predictClasses(model, rows, 2);
  const logits = Array.from(model.classLogits(model.collate(rows)));
  rows.forEach((_, b) => {
    const z = logits.slice(b * numLabels, (b + 1) * numLabels);
    const best = z.reduce((m, x, i) => (x > z[m]! ? i : m), 0);
    assert.equal(predictions[b]!.label, best);
    assert.equal(predictions[b]!.probs.length, numLabels);
    assert.ok(Math.abs(predictions[b]!.probs.reduce((s, p) => s + p, 0) - 1) < 1e-6);
  });
  const report = evaluateClassification(model, rows, 2);
  assert.deepEqual(report.predictions, predictions.map((p) => p.label));
  assert.ok(Number.isFinite(report.loss) && report.loss > 0);
});

test('classify\'s plain line pads to the longest of 1,000,000 class names (no RangeError from Math.max(...names))', () => {
  const names = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`);
  const probs = new Array<number>(names.length).fill(0);
  probs[7] = 0.5;
  assert.equal(plainPrediction(names)({ label: 7, probs }), 'c7       0.5000');
});
