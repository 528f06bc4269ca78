// What is said of a tokenizer whose ids pass a model's embedding rows: which tokens (with their ids) have no row, and
// what to do. transformers 5.17 loads such a pair as it is and fails at the first such id in the forward ("IndexError:
// index out of range in self"); mistral-tune never resizes an embedding, so it says so before any work.

/** What to do about tokens past the embedding's rows. */
export const NO_RESIZE_FIX = "mistral-tune does not resize a model's embedding: use the tokenizer the model was trained with, " +
  "or resize the model first (transformers' model.resize_token_embeddings(len(tokenizer)), then save_pretrained; the new rows start untrained)";

/**
 * The tokens of a tokenizer of `size` ids (`tokenAt`: the token of an id, null or undefined for a hole) that a model of
 * `rows` embedding rows has no row for, the first three named with their ids: "2 tokens of the tokenizer have ids past
 * the model's 32000 embedding rows (vocab_size): "<|im_end|>" (32000), "<|im_start|>" (32001)".
 */
export function tokensPastRows(size: number, rows: number, tokenAt: (id: number) => string | null | undefined): string {
  const named: string[] = [];
  let count = 0;
  for (let id = rows; id < size; id++) {
    const token = tokenAt(id);
    if (token === null || token === undefined) continue;
    count++;
    if (named.length < 3) named.push(`${JSON.stringify(token)} (${id})`);
  }
  const more = count > named.length ? ` and ${count - named.length} more, up to id ${size - 1}` : '';
  const which = count === 1 ? 'a token of the tokenizer has an id' : `${count} tokens of the tokenizer have ids`;
  return `${which} past the model's ${rows} embedding rows (vocab_size): ${named.join(', ')}${more}`;
}
