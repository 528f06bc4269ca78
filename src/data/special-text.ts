// The text of a special token as a record would write it: what prepare refuses in a text field, and what its messages quote.
import type { Tokenizer } from '../tokenizer/types.ts';

/**
 * The text that is special token `id` in a record: the token's own content ("héllo", "<s>") where that text encodes as
 * the token, as HF's added vocabulary splits it out of a text; else its decoded text (a vocabulary word's, " x" for
 * "Ġx"). Decoding an added token is no such text on a byte-level tokenizer: its decoder reads every token as bytes,
 * so "héllo" decodes as "h�llo" (é is the byte 0xE9), in transformers 5.17 too, which no record writes.
 */
export function specialTokenText(tok: Tokenizer, id: number): string {
  const content = tok.idToToken?.(id) ?? null;
  if (content !== null) {
    const ids = tok.encode(content);
    if (ids.length === 1 && ids[0] === id) return content;
  }
  return tok.decode([id], { skipSpecialTokens: false });
}
