// Classification metrics as scikit-learn's classification_report gives them: accuracy, each class's precision, recall,
// F1 and support (zero_division=0), macro-F1 (the unweighted mean of per-class F1 over the classes present in the true
// or predicted labels, f1_score's default), micro-F1 and support-weighted F1; and the confusion matrix (rows = true
// class, columns = predicted class); and evaluation of a model's classification head on token rows.
import { needArg, needInteger } from '../util/api-args.ts';
import type { TokenRow } from '../data/batch.ts';
import type { MistralModel } from '../model/mistral.ts';
import { needModel, needScoreHead } from '../model/model-arg.ts';
import { UserError } from '../util/errors.ts';
import { maxOf } from '../util/reduce.ts';
import { regimeBatches, requireFiniteLoss, ROWS_PER_BATCH } from './evaluate.ts';

/**
 * Classes past which no confusion matrix is built: its n² counts (4M at 2048 classes, some 8 MB of JSON in a report)
 * would outgrow every report that holds it, and 65536 classes would take 34 GB.
 */
export const CONFUSION_MAX_CLASSES = 2048;

/** One class's scores, as scikit-learn's precision_recall_fscore_support with zero_division=0 gives them. */
export interface ClassMetrics {
  /** True positives / rows predicted as the class; 0 for a class never predicted. */
  precision: number;
  /** True positives / rows of the class; 0 for a class with no true rows. */
  recall: number;
  /** 2·TP / (rows of the class + rows predicted as it); 0 where both are 0. */
  f1: number;
  /** Rows whose true class it is. */
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  macro_f1: number;
  /** F1 of the counts summed over the classes: one label a row, it equals accuracy (f1_score(average='micro')). */
  micro_f1: number;
  /** Per-class F1 weighted by support (f1_score(average='weighted')): classes with no true rows weigh nothing. */
  weighted_f1: number;
  /**
   * One entry per class index below numLabels, absent classes included (all 0). Built at any class count, past
   * CONFUSION_MAX_CLASSES too: it grows with the classes, not their square.
   */
  per_class: ClassMetrics[];
  /** confusion[true][predicted] counts; null past CONFUSION_MAX_CLASSES classes. */
  confusion: number[][] | null;
}

/**
 * Accuracy, per-class precision, recall, F1 and support, macro-, micro- and weighted F1, and the confusion matrix of
 * `predicted` against `truth` (class indices below `numLabels`). The scores come from per-class counts (true positives,
 * rows of each true and each predicted class), so they need no matrix: there is none past CONFUSION_MAX_CLASSES.
 */
export function classificationMetrics(truth: readonly number[], predicted: readonly number[], numLabels: number): ClassificationMetrics {
  needArg('classificationMetrics', 'truth', truth, 'array', { hint: 'the true class indices' });
  needArg('classificationMetrics', 'predicted', predicted, 'array', { hint: 'the predicted class indices' });
  needArg('classificationMetrics', 'numLabels', numLabels, 'number');
  // sklearn's accuracy_score refuses lists of different lengths; a shorter predicted was scored as if it ended there
  if (predicted.length !== truth.length) throw new UserError(`predicted has ${predicted.length} entries but truth has ${truth.length}: give one prediction per true label`, 'classificationMetrics');
  for (const [name, list] of [['truth', truth], ['predicted', predicted]] as const) {
    const i = list.findIndex((c) => !(Number.isInteger(c) && c >= 0 && c < numLabels));
    if (i >= 0) throw new UserError(`${name}[${i}] is ${JSON.stringify(list[i])}: give a class index in [0, ${numLabels})`, 'classificationMetrics');
  }
  const confusion = numLabels <= CONFUSION_MAX_CLASSES ? Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0)) : null;
  const tp = new Float64Array(numLabels), ofTruth = new Float64Array(numLabels), ofPredicted = new Float64Array(numLabels);
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (confusion) confusion[t]![p]!++;
    ofTruth[t]!++;
    ofPredicted[p]!++;
    if (t === p) {
      correct++;
      tp[t]!++;
    }
  });
  const perClass = Array.from(tp, (hits, c): ClassMetrics => ({
    precision: ofPredicted[c] ? hits / ofPredicted[c]! : 0,
    recall: ofTruth[c] ? hits / ofTruth[c]! : 0,
    f1: hits ? (2 * hits) / (ofTruth[c]! + ofPredicted[c]!) : 0,
    support: ofTruth[c]!,
  }));
  const present = new Set([...truth, ...predicted]);
  let f1Sum = 0;
  for (const c of present) f1Sum += perClass[c]!.f1;
  const accuracy = truth.length ? correct / truth.length : 0;
  return {
    accuracy,
    macro_f1: present.size ? f1Sum / present.size : 0,
    // micro precision and recall are both correct / rows: 2·correct / (2·rows) is accuracy to the bit
    micro_f1: accuracy,
    weighted_f1: truth.length ? perClass.reduce((sum, m) => sum + m.f1 * m.support, 0) / truth.length : 0,
    per_class: perClass,
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
  needArg('evaluateClassification', 'model', model, 'object', { hint: 'loadModel(folder, {backend})' });
  needArg('evaluateClassification', 'rows', rows, 'array', { hint: 'the rows of loadTokenRows(file, {task: \'classification\'})' });
  // {batchSize} (evaluateLoss's form), 0 or '8' put every row in one batch
  needInteger('evaluateClassification', 'batchSize', batchSize, 1, { what: ROWS_PER_BATCH, note: 'the third argument, a number' });
  needModel('evaluateClassification', model);
  const numLabels = needScoreHead('evaluateClassification', model).numLabels;
  const truth = new Array<number>(rows.length), predicted = new Array<number>(rows.length);
  let lossSum = 0;
  forEachClassLogits(model, rows, batchSize, (z, i, row) => {
    if (row.label === undefined || row.label < 0 || row.label >= numLabels) {
      throw new UserError(`row ${i}: label ${String(row.label)} is not a class index in [0, ${numLabels})`, 'evaluateClassification');
    }
    const max = maxOf(z, (x) => x);
    lossSum += logSumExp(z) - z[row.label]!;
    truth[i] = row.label;
    predicted[i] = z.indexOf(max);
    return lossSum;
  });
  if (rows.length === 0) throw new UserError('no rows to evaluate', 'evaluateClassification');
  return { loss: lossSum / rows.length, count: rows.length, predictions: predicted, ...classificationMetrics(truth, predicted, numLabels) };
}

/** A row's predicted class and the probability of each class (softmax of the head's logits). */
export interface ClassPrediction {
  label: number;
  probs: number[];
}

/**
 * The classification head's prediction for each of `rows` (labels, if any, are not read), in batches; `onBatch` is
 * called after each with the rows done so far and the predictions (those of rows not yet done undefined: a longrope
 * model's batches may come out of order).
 */
export function predictClasses(model: MistralModel, rows: readonly TokenRow[], batchSize: number,
  onBatch?: (done: number, predictions: ReadonlyArray<ClassPrediction | undefined>) => void): ClassPrediction[] {
  model.scoreHead();
  const out: ClassPrediction[] = new Array<ClassPrediction>(rows.length);
  let lseSum = 0;
  forEachClassLogits(model, rows, batchSize, (z, i) => {
    const lse = logSumExp(z);
    out[i] = { label: z.indexOf(maxOf(z, (x) => x)), probs: z.map((x) => Math.exp(x - lse)) };
    return (lseSum += lse);
  }, onBatch && ((done) => onBatch(done, out)));
  return out;
}

/**
 * Calls `fn` with each row's class logits, batch by batch (regimeBatches: a longrope model's rows may come out of
 * order); `fn` returns a running sum that must stay finite (the loss, or the log-partition): NaN or infinite logits
 * stop the evaluation loudly.
 */
function forEachClassLogits(model: MistralModel, rows: readonly TokenRow[], batchSize: number,
  fn: (z: number[], index: number, row: TokenRow) => number, onBatch?: (done: number) => void): void {
  const numLabels = model.scoreHead().numLabels;
  let sum = 0, done = 0;
  for (const { rows: chunk, indices } of regimeBatches(model, rows, batchSize)) {
    const logits = model.classLogits(model.collate(chunk));
    const before = sum;
    chunk.forEach((row, b) => { sum = fn(Array.from(logits.subarray(b * numLabels, (b + 1) * numLabels)), indices[b]!, row); });
    requireFiniteLoss(sum - before, indices);
    onBatch?.(done += chunk.length);
  }
}

// maxOf, not Math.max(...z): a head of 200,000 classes overflowed the call stack
function logSumExp(z: readonly number[]): number {
  const max = maxOf(z, (x) => x);
  return max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
}
