// Pre-tokenized rows: {"input_ids": [...], "labels": [...]} (labels optional, the length of input_ids,
// −100 masks; HF's convention) or {"input_ids": [...], "label": k} for classification, validated one
// parsed value at a time (record.ts detects the shape; loadTokenRows reads whole files). Errors name
// the place they are given. An attention_mask beside them (HF's tokenizer(..., padding=True)) marks padding at
// either end with 0s: those tokens are left out (`padding` counts them), as the model never attends to them; trained
// and attended as text, the pad tokens would teach the model to write them. Other 0s are not padding: refused.
import { UserError } from '../util/errors.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import type { TokenRow } from './batch.ts';
import { IGNORE_INDEX } from './batch.ts';

/** A pre-tokenized row and the pad tokens (attention_mask 0) left out of it. */
export type PretokenizedRow = TokenRow & { padding: number };

/** A bad token id as an error quotes it: a null may be the file's NaN (Python's json writes it; read as a missing value). */
function idText(x: unknown): string {
  return x === null ? 'null (a NaN in the file is read as null)' : boundedJsonText(x);
}

/** Validates one parsed JSON value as a pre-tokenized row; `where` is "file:line". */
export function parsePretokenized(value: unknown, where: string, vocabSize?: number): PretokenizedRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError('expected a JSON object with "input_ids"', where);
  }
  const v = value as Record<string, unknown>;
  const ids = v.input_ids;
  if (!Array.isArray(ids) || ids.length === 0) throw new UserError('"input_ids" must be a non-empty array of token ids', where);
  for (let i = 0; i < ids.length; i++) {
    const x = ids[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || (vocabSize !== undefined && x >= vocabSize)) {
      const range = vocabSize !== undefined ? ` in [0, ${vocabSize})` : ' ≥ 0';
      throw new UserError(`input_ids[${i}] = ${idText(x)} is not a token id${range}`, where);
    }
  }
  const row: TokenRow = { inputIds: ids as number[] };
  if (v.labels !== undefined && v.labels !== null) {
    const labels = v.labels;
    if (!Array.isArray(labels) || labels.length !== ids.length) {
      throw new UserError(`"labels" must be an array as long as input_ids (${ids.length})`, where);
    }
    for (let i = 0; i < labels.length; i++) {
      const x = labels[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || (x < 0 && x !== IGNORE_INDEX) || (vocabSize !== undefined && x >= vocabSize)) {
        throw new UserError(`labels[${i}] = ${idText(x)} is neither a token id nor ${IGNORE_INDEX}`, where);
      }
    }
    row.labels = labels as number[];
  }
  if (v.label !== undefined && v.label !== null) {
    if (typeof v.label !== 'number' || !Number.isInteger(v.label) || v.label < 0) {
      throw new UserError(`"label" must be a class index ≥ 0, got ${boundedJsonText(v.label)}`, where);
    }
    row.label = v.label;
  }
  return unpadded(row, v.attention_mask, where);
}

/** `row` without the tokens that `mask` (attention_mask, absent or null: none) marks as padding at either end. */
function unpadded(row: TokenRow, mask: unknown, where: string): PretokenizedRow {
  if (mask === undefined || mask === null) return { ...row, padding: 0 };
  const n = row.inputIds.length;
  if (!Array.isArray(mask) || mask.length !== n || mask.some((x) => x !== 0 && x !== 1)) {
    throw new UserError(`"attention_mask" must be an array of 0s and 1s as long as input_ids (${n})`, where);
  }
  const first = mask.indexOf(1), last = mask.lastIndexOf(1);
  if (first < 0) throw new UserError('"attention_mask" is 0 everywhere: the row holds only padding', where);
  const gap = mask.indexOf(0, first);
  if (gap >= 0 && gap < last) {
    throw new UserError(`attention_mask[${gap}] is 0 between attended tokens: not padding at either end (packed rows?); give each row unpadded, its tokens all attended`, where);
  }
  const padding = n - (last + 1 - first);
  if (padding === 0) return { ...row, padding };
  const out: PretokenizedRow = { ...row, inputIds: row.inputIds.slice(first, last + 1), padding };
  if (row.labels) out.labels = row.labels.slice(first, last + 1);
  return out;
}
