// Classification metrics: accuracy, macro-F1 (scikit-learn's definition: the unweighted mean of per-class
// F1 over the classes present in the true or predicted labels) and the confusion matrix (rows = true
// class, columns = predicted class); and evaluation of a model's classification head on token rows.
import type { TokenRow } from '../data/batch.ts';
import type { MistralModel } from '../model/mistral.ts';
import { UserError } from '../util/errors.ts';
import { requireFiniteLoss } from './evaluate.ts';

export interface ClassificationMetrics {
  accuracy: number;
  macro_f1: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

export function classificationMetrics(truth: readonly number[], predicted: readonly number[], numLabels: number): ClassificationMetrics {
  const confusion = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    confusion[t]![p]!++;
    if (t === p) correct++;
  });
  const present = new Set([...truth, ...predicted]);
  let f1Sum = 0;
  for (const c of present) {
    const tp = confusion[c]![c]!;
    const fp = confusion.reduce((s, row, t) => s + (t === c ? 0 : row[c]!), 0);
    const fn = confusion[c]!.reduce((s, n, p) => s + (p === c ? 0 : n), 0);
    f1Sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return {
    accuracy: truth.length ? correct / truth.length : 0,
    macro_f1: present.size ? f1Sum / present.size : 0,
    confusion,
  };
}

export interface ClassificationReport extends ClassificationMetrics {
  /** Mean cross-entropy over the rows. */
  loss: number;
  count: number;
  predictions: number[];
}

/** Runs the classification head over `rows` (each with a `label`) in batches. */
export function evaluateClassification(model: MistralModel, rows: readonly TokenRow[], batchSize: number): ClassificationReport {
  const numLabels = model.scoreHead().numLabels;
  const truth: number[] = [], predicted: number[] = [];
  let lossSum = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    const logits = model.classLogits(model.collate(chunk));
    const before = lossSum;
    chunk.forEach((row, b) => {
      if (row.label === undefined || row.label < 0 || row.label >= numLabels) {
        throw new UserError(`row ${i + b}: label ${String(row.label)} is not a class index in [0, ${numLabels})`);
      }
      const z = Array.from(logits.subarray(b * numLabels, (b + 1) * numLabels));
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
      lossSum += lse - z[row.label]!;
      truth.push(row.label);
      predicted.push(z.indexOf(max));
    });
    requireFiniteLoss(lossSum - before, i, chunk.length);
  }
  if (rows.length === 0) throw new UserError('no rows to evaluate');
  return { loss: lossSum / rows.length, count: rows.length, predictions: predicted, ...classificationMetrics(truth, predicted, numLabels) };
}
