// Evaluation of a split during training: loss and perplexity for generation; loss, accuracy, macro-F1
// and the confusion matrix for classification. Returns the row, and writes it as metrics.jsonl, report.json and a
// checkpoint hold it.
import { evaluateClassification } from '../eval/classification.ts';
import { evaluateLoss, perplexityJson } from '../eval/evaluate.ts';
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
    return { step, split, loss: r.loss, accuracy: r.accuracy, macro_f1: r.macro_f1, ...(r.confusion ? { confusion: r.confusion } : {}), examples: r.count };
  }
  const r = evaluateLoss(model, rows, { batchSize });
  return { step, split, loss: r.loss, perplexity: r.perplexity, tokens: r.tokens };
}

/**
 * The row as metrics.jsonl holds it (the confusion matrix only with `confusion`): a perplexity that overflows a double
 * (a finite loss past ~709.78) is left out, as the run leaves out every value that is not finite — JSON has no
 * Infinity, null there means a loss that is not finite (the dashboard's reader takes a number or null), and the loss
 * beside it is its logarithm.
 */
export function metricsRow(row: EvalRow, confusion: boolean): Record<string, unknown> {
  const { confusion: matrix, perplexity, ...rest } = row;
  return {
    ...rest, ...(perplexity !== undefined && Number.isFinite(perplexity) ? { perplexity } : {}), ...(confusion && matrix !== undefined ? { confusion: matrix } : {}),
  };
}

/** An EvalRow in JSON: a perplexity that overflowed is "Infinity" (null in checkpoints written before it was). */
export type EvalRowJson = Omit<EvalRow, 'perplexity'> & { perplexity?: number | 'Infinity' | null };

/** The row as report.json and a checkpoint hold it: a perplexity that overflows is "Infinity", as `eval --json` writes it. */
export function evalRowJson(row: EvalRow): EvalRowJson {
  return row.perplexity === undefined ? row : { ...row, perplexity: perplexityJson(row.perplexity) };
}

/**
 * A checkpoint's row read back: its perplexity exp(loss) again where it overflowed. Its keys keep their order, so that
 * report.json of a resumed run is written as the uninterrupted run writes it.
 */
export function evalRowFromJson(row: EvalRowJson): EvalRow {
  const { perplexity, ...rest } = row;
  return perplexity === undefined ? rest : { ...row, perplexity: typeof perplexity === 'number' ? perplexity : Math.exp(row.loss) };
}
