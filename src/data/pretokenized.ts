// Pre-tokenized rows: {"input_ids": [...], "labels": [...]} (labels optional, the length of input_ids,
// −100 masks; HF's convention) or {"input_ids": [...], "label": k} for classification, validated one
// parsed value at a time (record.ts detects the shape; loadTokenRows reads whole files). Errors name
// the place they are given.
import { UserError } from '../util/errors.ts';
import type { TokenRow } from './batch.ts';
import { IGNORE_INDEX } from './batch.ts';

/** Validates one parsed JSON value as a pre-tokenized row; `where` is "file:line". */
export function parsePretokenized(value: unknown, where: string, vocabSize?: number): TokenRow {
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
      throw new UserError(`input_ids[${i}] = ${JSON.stringify(x)} is not a token id${range}`, where);
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
        throw new UserError(`labels[${i}] = ${JSON.stringify(x)} is neither a token id nor ${IGNORE_INDEX}`, where);
      }
    }
    row.labels = labels as number[];
  }
  if (v.label !== undefined && v.label !== null) {
    if (typeof v.label !== 'number' || !Number.isInteger(v.label) || v.label < 0) {
      throw new UserError(`"label" must be a class index ≥ 0, got ${JSON.stringify(v.label)}`, where);
    }
    row.label = v.label;
  }
  return row;
}
