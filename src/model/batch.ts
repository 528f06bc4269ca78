// Host-side batches: rows of token ids collated into the padded (B, T) arrays the model uploads.
// HF conventions live here, in one place: right padding with positions 0, 1, 2… in every row, the
// next-token shift (the target of position t is labels[t + 1]), −100 for ignored targets, and the
// classification token (the last token that is not pad_token_id).
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

/**
 * Collates rows with right padding to the longest row. `padId` fills padded ids (Mistral has no pad token:
 * any id works since padding is masked); `scorePadId` is config.pad_token_id for the classification pick.
 */
export function collate(rows: readonly TokenRow[], padId: number, scorePadId: number | null): Batch {
  const B = rows.length;
  if (B === 0) throw new Error('collate: no rows');
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
