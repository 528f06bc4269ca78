// Evaluation of a split during training: loss and perplexity for generation; loss, accuracy, macro-F1
// and the confusion matrix for classification. Returns the metrics row for metrics.jsonl.
import { evaluateClassification } from '../eval/classification.ts';
import { evaluateLoss } from '../eval/evaluate.ts';
import type { TokenRow } from '../data/batch.ts';
import type { MistralModel } from '../model/mistral.ts';

export interface EvalRow {
  step: number;
  split: 'val' | 'test';
  loss: number;
  perplexity?: number;
  tokens?: number;
  accuracy?: number;
  macro_f1?: number;
  confusion?: number[][];
  examples?: number;
}

export function evaluateSplit(model: MistralModel, rows: readonly TokenRow[], task: 'generation' | 'classification',
  batchSize: number, step: number, split: 'val' | 'test'): EvalRow {
  if (task === 'classification') {
    const r = evaluateClassification(model, rows, batchSize);
    return { step, split, loss: r.loss, accuracy: r.accuracy, macro_f1: r.macro_f1, confusion: r.confusion, examples: r.count };
  }
  const r = evaluateLoss(model, rows, { batchSize });
  return { step, split, loss: r.loss, perplexity: r.perplexity, tokens: r.tokens };
}
