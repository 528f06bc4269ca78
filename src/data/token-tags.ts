// A record of token-classification data, the shape of HF's token-classification datasets (conll2003, wnut_17,
// wikiann: {"tokens": [words], "ner_tags": [a tag per word]}): a task this toolkit does not train, said as such. Read
// as a record with none of the shape fields, each sentence was rejected with its keys alone, which did not say why.
import { ownField } from '../util/json-file.ts';
import { reject } from './record-fields.ts';
import type { Rejection } from './record-shape.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

/** The keys of record `v` that hold a tag per word of its "tokens" (a list of strings): lists as long, of integers or strings. */
function tokenTagKeys(v: Record<string, unknown>): string[] {
  const tokens = ownField(v, 'tokens');
  if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === 'string')) return [];
  return Object.keys(v).filter((k) => {
    const tags = k === 'tokens' ? undefined : ownField(v, k);
    return Array.isArray(tags) && tags.length === tokens.length && tags.every((t) => Number.isInteger(t) || typeof t === 'string');
  });
}

/** Why record `v` (one with none of the shape fields) cannot be trained, when it is token-classification data; else null. */
export function tokenClassificationRefusal(v: Record<string, unknown>): Rejection | null {
  const keys = tokenTagKeys(v);
  if (keys.length === 0) return null;
  // few, for the 240 characters prepare's error shows of the first rejection's detail
  const tags = boundedItemsText(keys, { shown: 3, quote: true });
  return reject('unknown_shape', `a token-classification record ("tokens" with a tag per token in ${tags}): ` +
    'token classification is not a supported task; the tasks are generation and classification (one label per text)');
}
