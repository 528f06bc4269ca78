// Evaluation of a causal LM on token rows: the token-weighted mean loss over a whole data set
// (Σ NLL of every target token / their count), so the result does not depend on batch size or padding
// (a longrope model's rows are batched by rope regime for that: regimeBatches).
// A NaN or infinite loss is an error naming its rows, never a number (or JSON null) in a report.
import { badArgument, needArg, needInteger, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import { countTargets, type TokenRow } from '../data/batch.ts';
import type { MistralModel } from '../model/mistral.ts';
import { needModel } from '../model/model-arg.ts';
import { UserError } from '../util/errors.ts';

export interface LossReport {
  loss: number;
  /** exp(loss): Infinity where the loss is past ~709.78 (beyond the largest double); the loss is its natural log. */
  perplexity: number;
  /** Number of target tokens counted. */
  tokens: number;
}

export interface EvaluateOptions {
  batchSize: number;
  /** Called after each batch with the rows done so far. */
  onBatch?: (rowsDone: number) => void;
}

/** What a batch size counts, as evaluateLoss and evaluateClassification say it. */
export const ROWS_PER_BATCH = 'the rows per batch';

export function evaluateLoss(model: MistralModel, rows: Iterable<TokenRow>, opts: EvaluateOptions): LossReport {
  needArg('evaluateLoss', 'model', model, 'object', { hint: 'loadModel(folder, {backend})' });
  needArg('evaluateLoss', 'options', opts, 'object', { hint: 'an object such as {batchSize: 8}' });
  refuseMisspelledKeys('evaluateLoss', 'options', opts, optionKeys<EvaluateOptions>()(['batchSize', 'onBatch']));
  needInteger('evaluateLoss', 'options.batchSize', opts.batchSize, 1, { what: ROWS_PER_BATCH });
  needModel('evaluateLoss', model);
  // a single row, or nothing, was a TypeError from inside ("rows is not iterable")
  if (typeof (rows as Partial<Iterable<TokenRow>> | null | undefined)?.[Symbol.iterator] !== 'function') throw badArgument('evaluateLoss', 'rows', rows, 'a list of token rows, as loadTokenRows(file).rows holds them');
  let sum = 0, count = 0, done = 0;
  for (const { rows: batch, indices } of regimeBatches(model, rows, opts.batchSize)) {
    const r = model.loss(model.collate(batch));
    requireFiniteLoss(r.sum, indices);
    sum += r.sum;
    count += r.count;
    done += batch.length;
    opts.onBatch?.(done);
  }
  if (count === 0) throw new UserError(`no target tokens to evaluate (${NO_TARGETS})`);
  const loss = sum / count;
  return { loss, perplexity: Math.exp(loss), tokens: count };
}

/**
 * A LossReport as `eval --json` writes it. JSON has no Infinity (JSON.stringify writes null, which reads as "missing"),
 * so a perplexity that overflows a double is the string "Infinity" — which JS's Number() and Python's float() read as
 * infinity — and the loss, always finite, is its logarithm.
 */
export function lossReportJson(r: LossReport): { loss: number; perplexity: number | 'Infinity'; tokens: number } {
  needArg('lossReportJson', 'report', r, 'object', { hint: 'what evaluateLoss returns' });
  // each a number: a report without its perplexity was written as "Infinity"
  for (const key of ['loss', 'perplexity', 'tokens'] as const) needArg('lossReportJson', `report.${key}`, r[key], 'number', { hint: 'a number (give what evaluateLoss returns)' });
  return { loss: r.loss, perplexity: perplexityJson(r.perplexity), tokens: r.tokens };
}

/** A perplexity as JSON holds it: the number, or "Infinity" where exp(loss) overflows a double (lossReportJson). */
export function perplexityJson(p: number): number | 'Infinity' {
  return Number.isFinite(p) ? p : 'Infinity';
}

/**
 * The warning for `count` rows or texts (`noun`) longer than the model's max_position_embeddings `context`: positions
 * beyond it were never trained, so what is said of them (`result`: "their loss says little …") is scarcely worth it.
 */
export function pastContextWarning(count: number, noun: 'row' | 'text', context: number, result: string): string {
  return `${count} ${noun}${count === 1 ? ' is' : 's are'} longer than the model's max_position_embeddings ${context}: ` +
    `positions beyond it were never trained, so ${result}`;
}

const NO_TARGETS = 'every label is -100, or every row has a single token';

/**
 * Throws a UserError at `where` (the data key and file) when no row has a target token: a loss over them is
 * 0/0, and a training step on them would log a null loss and learn nothing. `use` says what they were for.
 */
export function requireTargets(rows: readonly TokenRow[], where: string, use: 'train' | 'evaluate'): void {
  if (rows.some((r) => countTargets(r) > 0)) return;
  throw new UserError(`${use === 'train' ? 'no token to train on' : 'no target tokens to evaluate'}: ${NO_TARGETS}`, where);
}

/** A batch's summed loss that is NaN or infinite; a trainer catches it to say that its run diverged. */
export class NonFiniteLossError extends UserError {
  constructor(readonly lossSum: number, readonly rows: string) {
    super(`the loss of rows ${rows} is ${lossSum}: the model (or adapter) has NaN or infinite ` +
      'weights, or its activations overflow; check the weights (a diverged training run saves none)');
  }
}

/** Throws when a batch's summed loss (of the rows at `indices`, 0-based, ascending) is NaN or infinite. */
export function requireFiniteLoss(lossSum: number, indices: readonly number[]): void {
  if (Number.isFinite(lossSum)) return;
  const first = indices[0]!, last = indices[indices.length - 1]!;
  throw new NonFiniteLossError(lossSum, last - first === indices.length - 1 ? `${first}–${last}` : indices.join(', '));
}

/** A batch of evaluation rows and their 0-based places in the data. */
export interface EvalBatch {
  rows: TokenRow[];
  indices: number[];
}

/**
 * `rows` in batches of up to `batchSize`, in data order within each rope regime (MistralModel.ropeRegime): with
 * longrope, a short row padded beside one past the original context would take the long factors, so its loss and
 * class would depend on the batch size; batched apart, every row is scored as transformers scores it alone. Other
 * models have one regime: consecutive rows, as before.
 */
export function* regimeBatches(model: MistralModel, rows: Iterable<TokenRow>, batchSize: number): Generator<EvalBatch> {
  const pending: [EvalBatch, EvalBatch] = [{ rows: [], indices: [] }, { rows: [], indices: [] }];
  let i = 0;
  for (const row of rows) {
    // a caller in plain JavaScript: a JSONL line's {input_ids} was a TypeError from inside (reading 'length')
    const ids = (row as Partial<TokenRow> | null)?.inputIds;
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) {
      throw new UserError(`rows[${i}] has no inputIds: give token rows {inputIds, labels?}, as loadTokenRows(file).rows holds them (input_ids is a JSONL file's key, not a row's)`);
    }
    const b = pending[model.ropeRegime(row.inputIds.length)];
    b.rows.push(row);
    b.indices.push(i++);
    if (b.rows.length === batchSize) {
      yield { rows: b.rows, indices: b.indices };
      b.rows = [];
      b.indices = [];
    }
  }
  for (const b of pending) if (b.rows.length > 0) yield b;
}
