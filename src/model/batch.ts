// Host-side batches: rows of token ids collated into the padded (B, T) arrays the model uploads.
// HF conventions live here, in one place: right padding with positions 0, 1, 2… in every row, the
// next-token shift (the target of position t is labels[t + 1]), −100 for ignored targets, and the
// classification token (the last token that is not pad_token_id). Rows are validated here, on the
// host, when a batch is built (checkRow): the kernels that gather rows or take targets never check.
import { UserError } from '../util/errors.ts';

import { IGNORE_INDEX } from '../backend/backend.ts';

export { IGNORE_INDEX };

/** One tokenized example. `labels` has the length of `inputIds` (HF convention); absent = all targets. */
export interface TokenRow {
  inputIds: readonly number[] | Int32Array;
  labels?: readonly number[] | Int32Array | null;
  /** Class index, for sequence classification. */
  label?: number;
}

export interface Batch {
  B: number;
  T: number;
  inputIds: Int32Array; // (B, T), padding filled with padId
  positions: Int32Array; // (B, T)
  /** (B, T) segment of each token: 0 for every real token of a row, −1 for padding (packing uses 0, 1, 2…). */
  segments: Int32Array;
  /** (B, T) next-token targets: targets[b, t] = labels[b, t + 1], or −100. */
  targets: Int32Array;
  /** (B) flat index b·T + t of the token the classification head scores. */
  scoreIndex: Int32Array;
  /** (B) class indices, or null when the rows have none. */
  classLabels: Int32Array | null;
  /** Number of counted targets (targets ≠ −100). */
  targetCount: number;
}

/** The bounds a row's indices must keep: token ids and targets in [0, vocabSize), class labels in [0, numLabels). */
export interface RowLimits {
  vocabSize?: number;
  numLabels?: number | null;
}

/**
 * Throws a UserError at `where` (the record's file:line, or its place in a batch) when a row holds an index
 * the kernels would gather or score out of bounds: an id outside the vocabulary, a target that is neither
 * one nor −100, a class label outside the head. Without a limit only the lower bounds are checked.
 */
export function checkRow(row: TokenRow, limits: RowLimits, where: string): void {
  const V = limits.vocabSize, L = limits.numLabels ?? undefined;
  const range = V === undefined ? '≥ 0' : `in [0, ${V})`;
  const isId = (x: number): boolean => Number.isInteger(x) && x >= 0 && (V === undefined || x < V);
  const ids = row.inputIds;
  for (let t = 0; t < ids.length; t++) {
    if (!isId(ids[t]!)) throw new UserError(`input_ids[${t}] = ${ids[t]} is not a token id ${range}`, where);
  }
  const labels = row.labels;
  if (labels) {
    for (let t = 0; t < labels.length; t++) {
      const y = labels[t]!;
      if (y !== IGNORE_INDEX && !isId(y)) throw new UserError(`labels[${t}] = ${y} is neither a token id ${range} nor ${IGNORE_INDEX}`, where);
    }
  }
  if (row.label !== undefined && !(Number.isInteger(row.label) && row.label >= 0 && (L === undefined || row.label < L))) {
    const heads = L === undefined ? 'a class index ≥ 0' : `a class index in [0, ${L}) (the classification head scores ${L} classes)`;
    throw new UserError(`label ${row.label} is not ${heads}`, where);
  }
}

/**
 * Collates rows with right padding to the longest row. `padId` fills padded ids (Mistral has no pad token:
 * any id works since padding is masked); `scorePadId` is config.pad_token_id for the classification pick.
 * Every row is checked against `limits` (checkRow); the error names the row's place in the batch.
 */
export function collate(rows: readonly TokenRow[], padId: number, scorePadId: number | null, limits: RowLimits = {}): Batch {
  const B = rows.length;
  if (B === 0) throw new Error('collate: no rows');
  checkBatch(rows, padId, limits);
  const T = Math.max(...rows.map((r) => r.inputIds.length));
  if (T === 0) throw new UserError('a row has no tokens');
  const inputIds = new Int32Array(B * T).fill(padId);
  const positions = new Int32Array(B * T);
  const segments = new Int32Array(B * T).fill(-1);
  const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
  const scoreIndex = new Int32Array(B);
  const hasClass = rows.every((r) => r.label !== undefined);
  const classLabels = hasClass ? Int32Array.from(rows, (r) => r.label!) : null;
  let targetCount = 0;
  for (let b = 0; b < B; b++) {
    const { inputIds: ids, labels } = rows[b]!;
    const len = ids.length;
    if (labels && labels.length !== len) {
      throw new UserError(`row ${b}: labels has ${labels.length} entries but input_ids has ${len}`);
    }
    for (let t = 0; t < T; t++) positions[b * T + t] = t;
    for (let t = 0; t < len; t++) {
      inputIds[b * T + t] = ids[t]!;
      segments[b * T + t] = 0;
      if (t + 1 < len) {
        const y = labels ? labels[t + 1]! : ids[t + 1]!;
        targets[b * T + t] = y;
        if (y !== IGNORE_INDEX) targetCount++;
      }
    }
    scoreIndex[b] = b * T + scoreToken(inputIds.subarray(b * T, b * T + T), len, scorePadId);
  }
  return { B, T, inputIds, positions, segments, targets, scoreIndex, classLabels, targetCount };
}

/** checkRow over every row (or packed sample) of a batch, and the pad id (written into padding and gathered too). */
export function checkBatch(rows: readonly TokenRow[], padId: number, limits: RowLimits, unit = 'row'): void {
  const V = limits.vocabSize;
  if (!Number.isInteger(padId) || padId < 0 || (V !== undefined && padId >= V)) {
    throw new UserError(`the pad id ${padId} is not a token id ${V === undefined ? '≥ 0' : `in [0, ${V})`}`);
  }
  rows.forEach((row, b) => checkRow(row, limits, `${unit} ${b} of the batch`));
}

/**
 * HF's pick for sequence classification: the last token whose id is not pad_token_id (0 if all are).
 * Without a pad token HF scores the last position; we score the row's last real token, which is the same
 * for an unpadded row and right for padded ones.
 */
function scoreToken(row: Int32Array, len: number, padId: number | null): number {
  if (padId === null) return len - 1;
  for (let t = row.length - 1; t >= 0; t--) if (row[t] !== padId) return t;
  return 0;
}
