// Classification metrics: macro-F1 as scikit-learn defines it (the mean F1 of the classes present in the truth or the
// predictions), per-class precision, recall, F1 and support, micro- and weighted F1 as its classification_report gives
// them (zero_division=0), from per-class counts; the confusion matrix up to CONFUSION_MAX_CLASSES classes and none past
// them (65536 classes would take 34 GB); eval's text prints the matrix for a few classes and says where it is for more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFUSION_MAX_CLASSES, classificationMetrics } from '../../src/eval/classification.ts';
import { classificationText } from '../../src/cli/eval-thread.ts';

test('accuracy, macro-F1 over the classes present (scikit-learn\'s), and the confusion matrix', () => {
  // classes 0..3 of 5; class 3 only predicted (F1 0), class 4 absent (not averaged)
  const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 3], 5);
  assert.equal(m.accuracy, 4 / 6);
  // F1: class 0 = 2·1/(2+0+1) = 2/3; class 1 = 2·2/(4+1+0) = 4/5; class 2 = 2/(2+0+1) = 2/3; class 3 = 0
  assert.ok(Math.abs(m.macro_f1 - (2 / 3 + 4 / 5 + 2 / 3 + 0) / 4) < 1e-15, String(m.macro_f1));
  assert.deepEqual(m.confusion, [[1, 1, 0, 0, 0], [0, 2, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
});

test('per-class precision, recall, F1 and support, micro- and weighted F1: scikit-learn\'s numbers (zero_division=0)', () => {
  // class 3 predicted but never true, class 4 true but never predicted, class 5 neither
  const m = classificationMetrics([0, 0, 0, 1, 1, 2, 2, 4], [0, 0, 1, 1, 1, 2, 3, 1], 6);
  // scikit-learn 1.9.1: precision_recall_fscore_support(t, p, labels=range(6), zero_division=0)
  const sklearn = [[1, 2 / 3, 0.8, 3], [0.5, 1, 2 / 3, 2], [1, 0.5, 2 / 3, 2], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]];
  assert.deepEqual(m.per_class.map((c) => [c.precision, c.recall, c.f1, c.support]), sklearn);
  // f1_score(t, p, average=...): macro 0.42666666666666664 (the 5 classes present), micro 0.625 (= accuracy_score),
  // weighted 0.6333333333333333; the same with labels=range(6)
  assert.equal(m.macro_f1, 0.42666666666666664);
  assert.equal(m.micro_f1, 0.625);
  assert.equal(m.micro_f1, m.accuracy);
  assert.equal(m.weighted_f1, 0.6333333333333333);
  // no rows: 0, as accuracy and macro-F1 (scikit-learn refuses empty input)
  const none = classificationMetrics([], [], 2);
  assert.deepEqual([none.micro_f1, none.weighted_f1, none.per_class], [0, 0, [{ precision: 0, recall: 0, f1: 0, support: 0 }, { precision: 0, recall: 0, f1: 0, support: 0 }]]);
});

test('past CONFUSION_MAX_CLASSES classes there is no confusion matrix, and the metrics are the same (per-class ones too)', () => {
  const n = 65536, rows = 1000;
  const truth = Array.from({ length: rows }, (_, i) => (i * 7919) % n), predicted = truth.map((t, i) => (i % 3 === 0 ? (t + 1) % n : t));
  const big = classificationMetrics(truth, predicted, n);
  assert.equal(big.confusion, null);
  // the same rows as classes of a smaller head (the indices renumbered densely): the same accuracy and macro-F1
  const ids = new Map<number, number>();
  const id = (c: number): number => { if (!ids.has(c)) ids.set(c, ids.size); return ids.get(c)!; };
  const small = classificationMetrics(truth.map(id), predicted.map(id), ids.size);
  assert.ok(ids.size <= CONFUSION_MAX_CLASSES && small.confusion !== null);
  assert.equal(big.accuracy, small.accuracy);
  assert.equal(big.macro_f1, small.macro_f1);
  assert.equal(big.micro_f1, small.micro_f1);
  assert.ok(Math.abs(big.weighted_f1 - small.weighted_f1) < 1e-15, `${big.weighted_f1} vs ${small.weighted_f1}`);
  // per-class scores at any class count (they grow with the classes, not their square): each class's as the small head's
  assert.equal(big.per_class.length, n);
  assert.deepEqual([...ids.keys()].map((c) => big.per_class[c]), [...ids.values()].map((i) => small.per_class[i]));
  assert.equal(big.per_class.reduce((s, c) => s + c.support, 0), rows);
});

test('eval\'s text prints the matrix for a few classes; for many, or none built, a line says where it is', () => {
  const base = { loss: 0.5, accuracy: 0.5, macro_f1: 0.4, micro_f1: 0.5, weighted_f1: 0.45, per_class: [], labels: [], examples: 10 };
  assert.match(classificationText({ ...base, confusion: [[1, 0], [0, 1]] }), /true \\ pred\s+LABEL_0\s+LABEL_1\nLABEL_0\s+1\s+0\nLABEL_1\s+0\s+1$/);
  const wide = Array.from({ length: 41 }, () => new Array<number>(41).fill(0));
  assert.match(classificationText({ ...base, confusion: wide }), /\n\nconfusion matrix: 41 classes, too many to print here \(eval --json holds it\)$/);
  assert.match(classificationText({ ...base, confusion: null }), /\n\nno confusion matrix: it is built for at most 2048 classes$/);
  // the per-class table, a row a class, up to 50 classes; past them a line says where they are
  const many = Array.from({ length: 51 }, (_, i) => ({ label: `c${i}`, precision: 0, recall: 0, f1: 0, support: 0 }));
  assert.match(classificationText({ ...base, per_class: many, confusion: null }),
    /\)\n\nper-class precision, recall, F1: 51 classes, too many to print here \(eval --json holds them\)\nweighted-F1 0\.4500 {2}micro-F1 0\.5000\n\n/);
  assert.equal(classificationText({ ...base, per_class: many.slice(0, 50), confusion: null }).split('\n\n')[1]!.split('\n').length, 1 + 50 + 1);
});
