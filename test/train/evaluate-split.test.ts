// An evaluation row as the run writes it: a finite loss past ~709.78 has a perplexity that overflows a double, which
// metrics.jsonl wrote as null — the mark of a loss that is not finite. It is left out there (as the run leaves out every
// value that is not finite, and as the dashboard's reader takes), and is "Infinity" in report.json and checkpoints, as
// `eval --json` writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetricLine } from '../../src/dashboard/metrics-tail.ts';
import { evalRowFromJson, evalRowJson, metricsRow, type EvalRow } from '../../src/train/evaluate-split.ts';

const huge: EvalRow = { step: 4, split: 'val', loss: 800, perplexity: Math.exp(800), tokens: 12 };
const usual: EvalRow = { step: 4, split: 'val', loss: 2, perplexity: Math.exp(2), tokens: 12 };

test('metrics.jsonl leaves out a perplexity that overflows (not null, which says the loss was not finite); the dashboard reads the row', () => {
  const line = JSON.stringify(metricsRow(huge, false));
  assert.equal(line, '{"step":4,"split":"val","loss":800,"tokens":12}');
  assert.deepEqual(parseMetricLine(line), { step: 4, split: 'val', loss: 800, tokens: 12 });
  assert.deepEqual(JSON.parse(JSON.stringify(metricsRow(usual, false))), usual);
  // the confusion matrix goes in the test row only
  const cls: EvalRow = { step: 1, split: 'test', loss: 0.5, accuracy: 1, macro_f1: 1, confusion: [[1, 0], [0, 1]], examples: 2 };
  assert.equal('confusion' in metricsRow(cls, false), false);
  assert.deepEqual(metricsRow(cls, true), cls);
});

test('report.json and a checkpoint hold an overflowing perplexity as "Infinity", read back as Infinity (null from older checkpoints too)', () => {
  const json = JSON.parse(JSON.stringify(evalRowJson(huge))) as ReturnType<typeof evalRowJson>;
  assert.equal(json.perplexity, 'Infinity');
  assert.equal(evalRowFromJson(json).perplexity, Infinity);
  assert.equal(evalRowFromJson({ ...json, perplexity: null }).perplexity, Infinity);
  assert.deepEqual(evalRowFromJson(JSON.parse(JSON.stringify(evalRowJson(usual))) as ReturnType<typeof evalRowJson>), usual);
});

test('a checkpoint\'s row read back keeps its keys in their order: a resumed run\'s report.json is written as the uninterrupted run\'s', () => {
  // before: the perplexity moved last ({step, split, loss, tokens, perplexity}), so report.json's val rows differed in order
  for (const perplexity of [905.1, 'Infinity', null] as const) {
    const json = { step: 3, split: 'val', loss: 6.8, perplexity, tokens: 174 } as const;
    const again = evalRowJson(evalRowFromJson(json));
    assert.deepEqual(Object.keys(again), Object.keys(json), String(perplexity));
  }
});
