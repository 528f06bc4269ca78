// What is said of a tokenizer whose ids pass a model's embedding rows: which tokens (with their ids) have no row, and
// what to do. transformers 5.17 loads such a pair as it is and fails at the first such id in the forward ("IndexError:
// index out of range in self"); mistral-tune never resizes an embedding, so it says so before any work. The other way
// round, an embedding with rows past the tokenizer's ids, is a model as it may be: what it generates there is skipped.
import type { Tokenizer } from './types.ts';
import { warnOnce } from '../util/log.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

/** What to do about tokens past the embedding's rows. */
export const NO_RESIZE_FIX = "mistral-tune does not resize a model's embedding: use the tokenizer the model was trained with, " +
  "or resize the model first (transformers' model.resize_token_embeddings(len(tokenizer)), then save_pretrained; the new rows start untrained)";

/**
 * The tokens of a tokenizer of `size` ids (`tokenAt`: the token of an id, null or undefined for a hole) that a model of
 * `rows` embedding rows has no row for, the first three named with their ids: "2 tokens of the tokenizer have ids past
 * the model's 32000 embedding rows (vocab_size): "<|im_end|>" (32000), "<|im_start|>" (32001)".
 */
export function tokensPastRows(size: number, rows: number, tokenAt: (id: number) => string | null | undefined): string {
  const ids: number[] = [];
  for (let id = rows; id < size; id++) {
    const token = tokenAt(id);
    if (token !== null && token !== undefined) ids.push(id);
  }
  const named = boundedItemsText(ids, { shown: 3, say: (id) => tokenAt(id)!, quote: true, after: (id) => ` (${id})` });
  const which = ids.length === 1 ? 'a token of the tokenizer has an id' : `${ids.length} tokens of the tokenizer have ids`;
  return `${which} past the model's ${rows} embedding rows (vocab_size): ${named}${ids.length > 3 ? `, up to id ${size - 1}` : ''}`;
}

/**
 * Whether generated token `id` has a token in `tokenizer`, to decode it. A model whose embedding has rows past its
 * tokenizer's ids (vocab_size padded to a multiple of 64, or a tokenizer.json of fewer tokens than vocab_size) can
 * generate the id of such a row, which no token spells: transformers' decode writes nothing for it (tokenizers skips an
 * id it has no token for), and so does generation here, said once, rather than decode stopping the command.
 */
export function hasToken(tokenizer: Tokenizer, id: number): boolean {
  if (id < tokenizer.vocabSize && (tokenizer.idToToken === undefined || tokenizer.idToToken(id) !== null)) return true;
  warnOnce('generated id without a token', `generated token id ${id}, which the tokenizer (${tokenizer.vocabSize} ids) has no token for: ` +
    "the model's embedding has rows past the tokenizer's ids; such a token is written as nothing, as transformers' decode writes it");
  return false;
}
